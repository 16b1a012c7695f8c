import type { AccountLockdownPolicy, BudgetSpendStore, SpendItem, SpendWrite } from '@org-budgets/aws';
import { basisDigest, type BudgetLock } from '@org-budgets/budgets';
import type { LockdownStatusAttribute } from '@org-budgets/contracts';
import { LockdownNotAppliedError, UndeliveredRevisionSpendError } from './errors';
import { recordBudgetSpend, type RecordSpendDeps } from './record-budget-spend';

const ACCOUNT = '111111111111';
const REVISION = '1100000000017454423020';
const NOW = new Date('2026-12-03T12:00:00.000Z');

const report = (overrides: Record<string, unknown> = {}) => ({
  account: ACCOUNT,
  detail: {
    accountId: ACCOUNT,
    budgetName: 'research',
    revision: REVISION,
    actual: 250,
    forecasted: 700,
    unit: 'USD',
    awsUpdatedAt: '2026-12-03T08:00:00.000Z',
    readAt: '2026-12-03T11:59:00.000Z',
    ...overrides,
  },
});

function setup(
  options: {
    item?: Partial<SpendItem>;
    content?: Record<string, unknown>;
    /** The account's lockdown policy in the management account. */
    policy?: AccountLockdownPolicy;
    failPolicy?: boolean;
  } = {},
) {
  let item: SpendItem | undefined = {
    content: {
      accountId: ACCOUNT,
      budgetName: 'research',
      amount: 1000,
      emails: new Set(['lab@example.org']),
      ...options.content,
    },
    delivered: { revision: REVISION, digest: 'd', at: '2026-12-03T10:00:00.000Z' },
    ...options.item,
  };
  let policy: AccountLockdownPolicy = options.policy ?? { attached: false, locks: [] };
  const spendWrites: SpendWrite[] = [];
  const statuses: LockdownStatusAttribute[] = [];
  const policyCalls: { accountId: string; locks: BudgetLock[] }[] = [];
  const emails: string[] = [];
  const alerts: string[] = [];
  const refused: string[] = [];
  const items: BudgetSpendStore = {
    read: async () => item,
    writeSpend: async (_key, write) => {
      spendWrites.push(write);
      if (item) item = { ...item, spend: write.spend, state: write.state, stateDetail: write.stateDetail };
      return 'written';
    },
    writeLockdownStatus: async (_key, status) => {
      statuses.push(status);
      if (item) item = { ...item, lockdownStatus: status };
      return 'written';
    },
  };
  /** What the account's policy becomes: each write recorded in `policyCalls`. */
  const apply = async (accountId: string, locks: readonly BudgetLock[]): Promise<AccountLockdownPolicy> => {
    policyCalls.push({ accountId, locks: [...locks] });
    if (options.failPolicy) throw new Error('TooManyRequestsException: slow down');
    policy =
      locks.length > 0
        ? { policyId: 'p-lockdown1', attached: true, locks: [...locks] }
        : { attached: false, locks: [] };
    return policy;
  };
  const deps: RecordSpendDeps = {
    items,
    policies: {
      readAttached: async () => (policy.attached ? policy : { attached: false, locks: [] }),
      update: async (accountId, change) => {
        const locks = change(policy);
        return locks === undefined ? policy : apply(accountId, locks);
      },
    },
    notices: {
      subscribeEmails: async () => undefined,
      publish: async (notice, to) => void emails.push(`${to.emails.join(',')}: ${notice.subject}`),
    },
    alerts: { publish: async (subject) => void alerts.push(subject) },
    managementAccountId: '999999999999',
    countRefused: (reason) => refused.push(reason),
    now: () => NOW,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return {
    deps,
    spendWrites,
    statuses,
    policyCalls,
    emails,
    alerts,
    refused,
    current: () => item,
    policy: () => policy,
  };
}

const enforceAtShutdown = { lockdown: { mode: 'enforce', at: 'Shutdown', apis: ['ec2:RunInstances'] } };
const MONTHLY_USD = basisDigest('MONTHLY USD all costs');
const floor = (actual: number, periodStart = '2026-12-01') => ({ actual, periodStart, basis: MONTHLY_USD });
/** The account's attached lockdown policy, locking research at the spend `locked`. */
const lockedAt = (locked: ReturnType<typeof floor>): AccountLockdownPolicy => ({
  policyId: 'p-lockdown1',
  attached: true,
  locks: [{ budgetName: 'research', apis: ['ec2:RunInstances'], floor: locked }],
});

describe('recordBudgetSpend: spend and state', () => {
  it('writes the figures, their percentages and the state onto the item, for the delivered revision', async () => {
    const { deps, spendWrites } = setup();
    await expect(recordBudgetSpend(report(), deps)).resolves.toEqual({
      result: 'recorded',
      state: 'Under',
      lockdown: 'none',
    });
    expect(spendWrites).toEqual([
      {
        spend: {
          actual: 250,
          forecasted: 700,
          currency: 'USD',
          actualPercent: 25,
          forecastedPercent: 70,
          awsUpdatedAt: '2026-12-03T08:00:00.000Z',
          readAt: '2026-12-03T11:59:00.000Z',
          revision: REVISION,
          periodStart: '2026-12-01',
          basis: 'MONTHLY USD all costs',
          updatedAt: NOW.toISOString(),
        },
        state: 'Under',
        stateDetail: {
          reason: 'forecast 70% of the amount, below onTargetAt 80%',
          since: NOW.toISOString(),
          thresholds: { unusedBelow: 1, onTargetAt: 80, overAt: 100, criticalAt: 90, shutdownAt: 100 },
          updatedAt: NOW.toISOString(),
        },
      },
    ]);
  });

  it('carries the guardian’s estimate', async () => {
    const { deps, spendWrites } = setup();
    await recordBudgetSpend(report({ guardianEstimate: { amount: 320, at: '2026-12-03T11:58:00.000Z' } }), deps);
    expect(spendWrites[0]?.spend).toMatchObject({ guardianEstimate: 320, guardianEstimatePercent: 32 });
  });

  it('uses the item’s thresholds', async () => {
    const { deps } = setup({ content: { stateThresholds: { onTargetAt: 60 } } });
    await expect(recordBudgetSpend(report(), deps)).resolves.toMatchObject({ state: 'On target' });
  });

  it('writes nothing when the figures and the state are as recorded', async () => {
    const { deps, spendWrites } = setup();
    await recordBudgetSpend(report(), deps);
    await expect(recordBudgetSpend(report({ readAt: '2026-12-03T11:59:30.000Z' }), deps)).resolves.toEqual({
      result: 'unchanged',
      state: 'Under',
    });
    expect(spendWrites).toHaveLength(1);
  });

  it('never lowers the actual spend of a period (AWS zeroes it on UpdateBudget; a spoke may lie)', async () => {
    const { deps, spendWrites } = setup();
    await recordBudgetSpend(report({ actual: 950 }), deps);
    await recordBudgetSpend(report({ actual: 0, forecasted: 0, readAt: '2026-12-03T11:59:30.000Z' }), deps);
    expect(spendWrites.map((w) => [w.spend.actual, w.state])).toEqual([
      [950, 'Critical'],
      [950, 'Critical'],
    ]);
  });

  it('starts afresh in a new period, by the hub’s clock', async () => {
    const { deps, spendWrites } = setup({
      item: {
        spend: {
          actual: 950,
          currency: 'USD',
          actualPercent: 95,
          readAt: '2026-11-30T23:00:00.000Z',
          revision: REVISION,
          periodStart: '2026-11-01',
          basis: 'MONTHLY USD all costs',
          updatedAt: '2026-11-30T23:00:00.000Z',
        },
        state: 'Critical',
      },
    });
    await recordBudgetSpend(report({ actual: 5, forecasted: undefined }), deps);
    expect(spendWrites[0]).toMatchObject({ spend: { actual: 5, periodStart: '2026-12-01' }, state: 'Unused' });
  });

  it('drops a report read in an earlier period', async () => {
    const { deps, spendWrites } = setup();
    await expect(recordBudgetSpend(report({ readAt: '2026-11-30T23:59:00.000Z' }), deps)).resolves.toMatchObject({
      result: 'superseded',
    });
    expect(spendWrites).toEqual([]);
  });

  it('drops a report older than the figures on the item', async () => {
    const { deps, spendWrites } = setup();
    await recordBudgetSpend(report(), deps);
    await expect(
      recordBudgetSpend(report({ actual: 300, readAt: '2026-12-03T11:00:00.000Z' }), deps),
    ).resolves.toMatchObject({
      result: 'superseded',
    });
    expect(spendWrites).toHaveLength(1);
  });
});

describe('recordBudgetSpend: trust', () => {
  it('refuses and counts a report about another account', async () => {
    const { deps, spendWrites, refused } = setup();
    await expect(recordBudgetSpend({ ...report(), account: '222222222222' }, deps)).resolves.toMatchObject({
      result: 'refused',
    });
    expect(refused).toEqual(['wrong-account']);
    expect(spendWrites).toEqual([]);
  });

  it('refuses and counts a malformed report', async () => {
    const { deps, refused } = setup();
    await expect(recordBudgetSpend(report({ actual: -1 }), deps)).resolves.toMatchObject({ result: 'refused' });
    expect(refused).toEqual(['malformed']);
  });

  it('refuses figures in another currency than the budget’s', async () => {
    const { deps, refused } = setup();
    await expect(recordBudgetSpend(report({ unit: 'EUR' }), deps)).resolves.toMatchObject({ result: 'refused' });
    expect(refused).toEqual(['wrong-currency']);
  });

  it('refuses figures read in the future', async () => {
    const { deps, refused } = setup();
    await expect(recordBudgetSpend(report({ readAt: '2026-12-03T13:00:00.000Z' }), deps)).resolves.toMatchObject({
      result: 'refused',
    });
    expect(refused).toEqual(['from-the-future']);
  });

  it('drops a report for an older revision than the hub delivered', async () => {
    const { deps } = setup({ item: { delivered: { revision: '1100000000017454423021', digest: 'd', at: '' } } });
    await expect(recordBudgetSpend(report(), deps)).resolves.toMatchObject({ result: 'superseded' });
  });

  it('fails (to be retried, then dead-lettered) a report for a revision the hub has not delivered', async () => {
    const { deps } = setup({ item: { delivered: { revision: '1100000000017454423019', digest: 'd', at: '' } } });
    await expect(recordBudgetSpend(report(), deps)).rejects.toThrow(UndeliveredRevisionSpendError);
  });

  it('records nothing for an invalid (REJECTED) item, and keeps its lockdown', async () => {
    const { deps, spendWrites, policyCalls } = setup({ content: { amount: -5 } });
    await expect(recordBudgetSpend(report(), deps)).resolves.toEqual({ result: 'item-invalid' });
    expect(spendWrites).toEqual([]);
    expect(policyCalls).toEqual([]);
  });
});

describe('recordBudgetSpend: lockdown', () => {
  it('locks the account down at Shutdown: policy attached, item and addresses told', async () => {
    const { deps, policyCalls, statuses, emails, alerts } = setup({ content: enforceAtShutdown });
    await expect(recordBudgetSpend(report({ actual: 1037 }), deps)).resolves.toMatchObject({
      state: 'Shutdown',
      lockdown: 'lock',
    });
    expect(policyCalls).toEqual([
      { accountId: ACCOUNT, locks: [{ budgetName: 'research', apis: ['ec2:RunInstances'], floor: floor(1037) }] },
    ]);
    expect(statuses).toEqual([
      expect.objectContaining({
        status: 'LOCKED',
        locked: true,
        state: 'Shutdown',
        policyId: 'p-lockdown1',
        apis: ['ec2:RunInstances'],
      }),
    ]);
    expect(statuses[0]?.message).toContain('actual 1037.00 USD (103.7%)');
    expect(emails).toEqual(['lab@example.org: [org-budgets] 111111111111/research: lockdown applied at Shutdown']);
    expect(alerts).toEqual(['[org-budgets] 111111111111/research: lockdown applied at Shutdown']);
  });

  it('uses the default APIs when the item lists none', async () => {
    const { deps, policyCalls } = setup({ content: { lockdown: { mode: 'enforce' } } });
    await recordBudgetSpend(report({ actual: 1000 }), deps);
    expect(policyCalls[0]?.locks[0]?.apis).toContain('ec2:RunInstances');
    expect(policyCalls[0]?.locks[0]?.apis).toContain('bedrock:InvokeModel');
  });

  it('lifts it after a raise, although AWS (or the spoke) now says 0', async () => {
    const before = setup({ content: enforceAtShutdown });
    await recordBudgetSpend(report({ actual: 1037 }), before.deps);
    const locked = before.current();
    // Finance raises the amount to 2000: the spoke applies it and reports AWS's zeroed figure.
    const after = setup({
      policy: before.policy(),
      content: { ...enforceAtShutdown, amount: 2000 },
      item: {
        ...(locked?.spend ? { spend: locked.spend } : {}),
        ...(locked?.lockdownStatus ? { lockdownStatus: locked.lockdownStatus } : {}),
      },
    });
    await expect(
      recordBudgetSpend(report({ actual: 0, forecasted: undefined, readAt: '2026-12-03T11:59:30.000Z' }), after.deps),
    ).resolves.toMatchObject({ state: 'Under', lockdown: 'lift' });
    expect(after.spendWrites[0]?.spend.actual).toBe(1037);
    expect(after.policyCalls).toEqual([{ accountId: ACCOUNT, locks: [] }]);
    expect(after.statuses).toEqual([expect.objectContaining({ status: 'LIFTED', locked: false })]);
    expect(after.emails).toEqual(['lab@example.org: [org-budgets] 111111111111/research: lockdown lifted (Under)']);
  });

  it('keeps a lockdown while the actual stays at the amount, whatever a later report says', async () => {
    const before = setup({ content: enforceAtShutdown });
    await recordBudgetSpend(report({ actual: 1037 }), before.deps);
    await expect(
      recordBudgetSpend(report({ actual: 0, forecasted: 0, readAt: '2026-12-03T11:59:30.000Z' }), before.deps),
    ).resolves.toMatchObject({ result: 'recorded', state: 'Shutdown', lockdown: 'none' });
    expect(before.policyCalls).toHaveLength(1);
  });

  it('keeps the other budgets’ locks of the account when it lifts one', async () => {
    const locked: LockdownStatusAttribute = {
      status: 'LOCKED',
      locked: true,
      mode: 'enforce',
      state: 'Shutdown',
      message: '',
      apis: ['ec2:RunInstances'],
      at: '',
    };
    const gpu = { budgetName: 'gpu', apis: ['sagemaker:Create*'] };
    const { deps, policyCalls, statuses } = setup({
      content: enforceAtShutdown,
      item: { lockdownStatus: locked },
      policy: {
        policyId: 'p-lockdown1',
        attached: true,
        locks: [gpu, { budgetName: 'research', apis: ['ec2:RunInstances'] }],
      },
    });
    await recordBudgetSpend(report({ actual: 10 }), deps);
    expect(policyCalls).toEqual([{ accountId: ACCOUNT, locks: [gpu] }]);
    expect(statuses[0]?.message).toContain('stays locked down for gpu');
  });

  it('knows from the account’s policy that a budget is locked when finance replaced its item whole', async () => {
    // A whole-item put (the console's "edit item") drops lockdownStatus and spend; the raise follows.
    const { deps, policyCalls, statuses } = setup({
      content: { ...enforceAtShutdown, amount: 2000 },
      policy: {
        policyId: 'p-lockdown1',
        attached: true,
        locks: [{ budgetName: 'research', apis: ['ec2:RunInstances'] }],
      },
    });
    await expect(recordBudgetSpend(report({ actual: 1037, forecasted: undefined }), deps)).resolves.toMatchObject({
      state: 'Under',
      lockdown: 'lift',
    });
    expect(policyCalls).toEqual([{ accountId: ACCOUNT, locks: [] }]);
    expect(statuses).toEqual([expect.objectContaining({ status: 'LIFTED' })]);
  });

  it('keeps the lockdown after a whole-item put with a raise below the spend that locked it, though AWS now says 0', async () => {
    // The console's "edit item" drops spend and lockdownStatus; UpdateBudget zeroes AWS's figure.
    const { deps, policyCalls, statuses, spendWrites } = setup({
      content: { ...enforceAtShutdown, amount: 1020 },
      policy: lockedAt(floor(1037)),
    });
    await expect(recordBudgetSpend(report({ actual: 0, forecasted: undefined }), deps)).resolves.toMatchObject({
      state: 'Shutdown',
      lockdown: 'none',
    });
    expect(spendWrites[0]?.spend.actual).toBe(1037);
    expect(spendWrites[0]?.stateDetail.reason).toContain('the lockdown policy records 1037 spent this period');
    expect(policyCalls).toEqual([]);
    // The policy's record goes back onto the item.
    expect(statuses).toEqual([expect.objectContaining({ status: 'LOCKED', locked: true, state: 'Shutdown' })]);
    expect(statuses[0]?.message).toContain('the item had lost its lockdownStatus');
  });

  it('measures a raise against the spend that locked the budget, lifting when the raise is above it', async () => {
    const { deps, policyCalls } = setup({
      content: { ...enforceAtShutdown, amount: 1100 },
      policy: lockedAt(floor(1037)),
    });
    await expect(recordBudgetSpend(report({ actual: 0, forecasted: undefined }), deps)).resolves.toMatchObject({
      state: 'Critical',
      lockdown: 'lift',
    });
    expect(policyCalls).toEqual([{ accountId: ACCOUNT, locks: [] }]);
  });

  it('ignores the spend that locked the budget in an earlier period or on another basis', async () => {
    for (const old of [floor(1037, '2026-11-01'), { ...floor(1037), basis: basisDigest('MONTHLY EUR all costs') }]) {
      const { deps, policyCalls } = setup({
        content: enforceAtShutdown,
        policy: lockedAt(old),
      });
      await expect(recordBudgetSpend(report({ actual: 12, forecasted: undefined }), deps)).resolves.toMatchObject({
        state: 'Under',
        lockdown: 'lift',
      });
      expect(policyCalls).toEqual([{ accountId: ACCOUNT, locks: [] }]);
    }
  });

  it('keeps the policy’s figure at the spend so far while the budget stays locked', async () => {
    const before = setup({ content: enforceAtShutdown });
    await recordBudgetSpend(report({ actual: 1037 }), before.deps);
    await expect(
      recordBudgetSpend(report({ actual: 1100.5, readAt: '2026-12-03T11:59:30.000Z' }), before.deps),
    ).resolves.toMatchObject({ state: 'Shutdown', lockdown: 'none' });
    expect(before.policy().locks).toEqual([
      { budgetName: 'research', apis: ['ec2:RunInstances'], floor: floor(1100.5) },
    ]);
    // Less than a cent more: no policy update.
    await recordBudgetSpend(report({ actual: 1100.504, readAt: '2026-12-03T11:59:40.000Z' }), before.deps);
    expect(before.policyCalls).toHaveLength(2);
  });

  it('alerts the central team when the policy’s figure cannot be raised, and keeps the lockdown', async () => {
    const locked = setup({ content: enforceAtShutdown });
    await recordBudgetSpend(report({ actual: 1037 }), locked.deps);
    const { deps, alerts, statuses } = setup({
      content: enforceAtShutdown,
      item: { lockdownStatus: locked.current()!.lockdownStatus!, spend: locked.current()!.spend! },
      policy: locked.policy(),
      failPolicy: true,
    });
    await expect(
      recordBudgetSpend(report({ actual: 1200, readAt: '2026-12-03T11:59:30.000Z' }), deps),
    ).resolves.toMatchObject({ state: 'Shutdown', lockdown: 'none' });
    expect(alerts).toEqual(['org-budgets: lockdown policy of 111111111111 not updated']);
    expect(statuses).toEqual([]);
  });

  it('in mode notify, says what it would do and changes nothing', async () => {
    const { deps, policyCalls, statuses, emails } = setup({ content: { lockdown: { at: 'Over' } } });
    await expect(recordBudgetSpend(report({ forecasted: 1100 }), deps)).resolves.toMatchObject({
      state: 'Over',
      lockdown: 'would-lock',
    });
    expect(policyCalls).toEqual([]);
    expect(statuses).toEqual([expect.objectContaining({ status: 'WOULD_LOCK', locked: false, mode: 'notify' })]);
    expect(emails).toEqual([
      'lab@example.org: [org-budgets] 111111111111/research: lockdown would apply at Over (mode notify)',
    ]);
  });

  it('records a failed lockdown, alerts the central team and fails the invocation', async () => {
    const { deps, statuses, alerts } = setup({ content: enforceAtShutdown, failPolicy: true });
    await expect(recordBudgetSpend(report({ actual: 1037 }), deps)).rejects.toThrow(LockdownNotAppliedError);
    expect(statuses).toEqual([expect.objectContaining({ status: 'FAILED', locked: false })]);
    expect(statuses[0]?.message).toContain('TooManyRequestsException');
    expect(alerts).toEqual(['org-budgets: lockdown of 111111111111/research failed']);
  });

  it('keeps a lockdown whose lift failed', async () => {
    const locked: LockdownStatusAttribute = {
      status: 'LOCKED',
      locked: true,
      mode: 'enforce',
      state: 'Shutdown',
      message: '',
      apis: ['ec2:RunInstances'],
      at: '',
    };
    const { deps, statuses } = setup({
      content: enforceAtShutdown,
      item: { lockdownStatus: locked },
      failPolicy: true,
    });
    await expect(recordBudgetSpend(report({ actual: 10 }), deps)).rejects.toThrow(LockdownNotAppliedError);
    expect(statuses).toEqual([expect.objectContaining({ status: 'FAILED', locked: true })]);
  });

  it('never locks the management account (service control policies do not apply there)', async () => {
    const { deps, policyCalls, statuses } = setup({ content: enforceAtShutdown });
    deps.managementAccountId = ACCOUNT;
    await expect(recordBudgetSpend(report({ actual: 1037 }), deps)).rejects.toThrow(/management account/);
    expect(policyCalls).toEqual([]);
    expect(statuses[0]?.status).toBe('FAILED');
  });
});
