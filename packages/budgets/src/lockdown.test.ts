import type { LockdownConfig } from '@org-budgets/contracts';
import { decideLockdown, lockdownPolicyDocument, locksOfPolicy } from './lockdown';

const enforce: LockdownConfig = { mode: 'enforce', at: 'Shutdown' };
const notify: LockdownConfig = { mode: 'notify', at: 'Shutdown' };
const locked = { status: 'LOCKED', locked: true } as const;
const lifted = { status: 'LIFTED', locked: false } as const;
const wouldLock = { status: 'WOULD_LOCK', locked: false } as const;

describe('decideLockdown, mode enforce', () => {
  it('locks when the state reaches lockdown.at', () => {
    expect(decideLockdown({ lockdown: enforce, state: 'Shutdown', previous: undefined }).action).toBe('lock');
    expect(decideLockdown({ lockdown: enforce, state: 'Shutdown', previous: lifted }).action).toBe('lock');
  });

  it('locks at a more severe state than lockdown.at', () => {
    expect(
      decideLockdown({ lockdown: { ...enforce, at: 'Over' }, state: 'Critical', previous: undefined }).action,
    ).toBe('lock');
  });

  it('does not lock below lockdown.at', () => {
    expect(decideLockdown({ lockdown: enforce, state: 'Critical', previous: undefined }).action).toBe('none');
  });

  it('keeps a lockdown while the state stays at or above', () => {
    expect(decideLockdown({ lockdown: enforce, state: 'Shutdown', previous: locked }).action).toBe('none');
  });

  it('lifts when the state falls below lockdown.at (budget raised, new period)', () => {
    expect(decideLockdown({ lockdown: enforce, state: 'Critical', previous: locked })).toEqual({
      action: 'lift',
      reason: 'state Critical, below Shutdown',
    });
  });

  it('keeps a lockdown when the state is Unknown, and never locks on it', () => {
    expect(decideLockdown({ lockdown: enforce, state: 'Unknown', previous: locked }).action).toBe('none');
    expect(decideLockdown({ lockdown: enforce, state: 'Unknown', previous: undefined }).action).toBe('none');
  });

  it('lifts when finance removes the lockdown or turns it off or to notify', () => {
    expect(decideLockdown({ lockdown: undefined, state: 'Shutdown', previous: locked }).action).toBe('lift');
    expect(decideLockdown({ lockdown: { ...enforce, mode: 'off' }, state: 'Shutdown', previous: locked }).action).toBe(
      'lift',
    );
    expect(decideLockdown({ lockdown: notify, state: 'Unknown', previous: locked }).action).toBe('lift');
  });
});

describe('decideLockdown, mode notify', () => {
  it('says what it would do, once, when the state reaches lockdown.at', () => {
    expect(decideLockdown({ lockdown: notify, state: 'Shutdown', previous: undefined }).action).toBe('would-lock');
    expect(decideLockdown({ lockdown: notify, state: 'Shutdown', previous: wouldLock }).action).toBe('none');
  });

  it('says so when the state falls below again', () => {
    expect(decideLockdown({ lockdown: notify, state: 'Over', previous: wouldLock }).action).toBe('would-lift');
    expect(decideLockdown({ lockdown: notify, state: 'Over', previous: undefined }).action).toBe('none');
  });

  it('defaults to notify when the item sets lockdown without a mode (the contract’s default)', () => {
    expect(
      decideLockdown({ lockdown: { mode: 'notify', at: 'Shutdown' }, state: 'Shutdown', previous: undefined }).action,
    ).toBe('would-lock');
  });
});

describe('decideLockdown without a lockdown', () => {
  it('does nothing', () => {
    expect(decideLockdown({ lockdown: undefined, state: 'Shutdown', previous: undefined }).action).toBe('none');
  });
});

describe('lockdownPolicyDocument', () => {
  it('denies each budget’s APIs in a statement naming the budget, and reads back', () => {
    const document = lockdownPolicyDocument([
      { budgetName: 'research-compute', apis: ['rds:StartDB*', 'ec2:RunInstances', 'rds:StartDB*'] },
      { budgetName: 'gpu', apis: ['sagemaker:Create*'] },
    ]);
    expect(JSON.parse(document)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'OrgBudgetsLockdown677075', Effect: 'Deny', Action: ['sagemaker:Create*'], Resource: '*' },
        {
          Sid: 'OrgBudgetsLockdown72657365617263682d636f6d70757465',
          Effect: 'Deny',
          Action: ['ec2:RunInstances', 'rds:StartDB*'],
          Resource: '*',
        },
      ],
    });
    expect(locksOfPolicy(document)).toEqual([
      { budgetName: 'gpu', apis: ['sagemaker:Create*'] },
      { budgetName: 'research-compute', apis: ['ec2:RunInstances', 'rds:StartDB*'] },
    ]);
  });

  it('reads no locks from a policy of another shape', () => {
    expect(locksOfPolicy('not json')).toEqual([]);
    expect(locksOfPolicy(JSON.stringify({ Statement: [{ Sid: 'Other', Effect: 'Deny', Action: '*' }] }))).toEqual([]);
  });
});
