import type { LockdownConfig } from '@org-budgets/contracts';
import { basisDigest, decideLockdown, lockdownPolicyDocument, locksOfPolicy } from './lockdown';

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

  it('keeps the spend that locked a budget in its Sid (letters and digits only), and reads it back', () => {
    const basis = basisDigest('MONTHLY USD all costs');
    const document = lockdownPolicyDocument([
      {
        budgetName: 'gpu',
        apis: ['sagemaker:Create*'],
        floor: { actual: 123.45, periodStart: '2026-12-01', basis },
      },
    ]);
    const sid = (JSON.parse(document) as { Statement: { Sid: string }[] }).Statement[0]!.Sid;
    expect(sid).toBe(`OrgBudgetsLockdown677075X12345X20261201X${basis}`);
    expect(sid).toMatch(/^[A-Za-z0-9]+$/);
    expect(locksOfPolicy(document)).toEqual([
      { budgetName: 'gpu', apis: ['sagemaker:Create*'], floor: { actual: 123.45, periodStart: '2026-12-01', basis } },
    ]);
  });

  it('rounds the floor down to the cent, never up', () => {
    const floor = (actual: number) =>
      locksOfPolicy(
        lockdownPolicyDocument([
          {
            budgetName: 'b',
            apis: ['ec2:RunInstances'],
            floor: { actual, periodStart: '2026-12-01', basis: basisDigest('x') },
          },
        ]),
      )[0]!.floor!.actual;
    expect(floor(100.019)).toBe(100.01);
    expect(floor(0.29)).toBe(0.29);
    expect(floor(1e9 + 0.07)).toBe(1e9 + 0.07);
  });

  it('keeps a lock whose floor it cannot read, without the floor', () => {
    const content = JSON.stringify({
      Statement: [
        { Sid: 'OrgBudgetsLockdown677075XnotXaXfloor', Effect: 'Deny', Action: 'ec2:RunInstances' },
        { Sid: 'OrgBudgetsLockdown67707X1X20261201X0123456789abcdef', Effect: 'Deny', Action: 'ec2:RunInstances' },
      ],
    });
    expect(locksOfPolicy(content)).toEqual([{ budgetName: 'gpu', apis: ['ec2:RunInstances'] }]);
  });

  it('digests a basis to 16 hex digits, the same for the same basis', () => {
    expect(basisDigest('MONTHLY USD all costs')).toMatch(/^[0-9a-f]{16}$/);
    expect(basisDigest('MONTHLY USD all costs')).toBe(basisDigest('MONTHLY USD all costs'));
    expect(basisDigest('MONTHLY EUR all costs')).not.toBe(basisDigest('MONTHLY USD all costs'));
  });

  it('reads no locks from a policy of another shape', () => {
    expect(locksOfPolicy('not json')).toEqual([]);
    expect(locksOfPolicy(JSON.stringify({ Statement: [{ Sid: 'Other', Effect: 'Deny', Action: '*' }] }))).toEqual([]);
  });
});
