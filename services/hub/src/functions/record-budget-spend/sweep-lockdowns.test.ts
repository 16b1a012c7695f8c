import type { AccountLockdownPolicy, SpendItem } from '@org-budgets/aws';
import type { BudgetLock } from '@org-budgets/budgets';
import type { LockdownStatusAttribute } from '@org-budgets/contracts';
import { LockdownSweepError } from './errors';
import { sweepLockdowns, type SweepLockdownsDeps } from './sweep-lockdowns';

const A = '111111111111';
const B = '222222222222';
const NOW = new Date('2026-12-03T13:00:00.000Z');
const research: BudgetLock = { budgetName: 'research', apis: ['ec2:RunInstances'] };
const gpu: BudgetLock = { budgetName: 'gpu', apis: ['sagemaker:Create*'] };
const enforce = { lockdown: { mode: 'enforce', at: 'Shutdown' } };
const lockedStatus: LockdownStatusAttribute = {
  status: 'LOCKED',
  locked: true,
  mode: 'enforce',
  state: 'Shutdown',
  message: 'denied',
  apis: ['ec2:RunInstances'],
  at: '2026-12-03T10:00:00.000Z',
};

function itemOf(
  accountId: string,
  budgetName: string,
  extra: Record<string, unknown> = {},
  system: Partial<SpendItem> = {},
) {
  return {
    content: { accountId, budgetName, amount: 1000, emails: new Set(['lab@example.org']), ...extra },
    ...system,
  } satisfies SpendItem;
}

function setup(options: {
  policies: (AccountLockdownPolicy & { accountId: string })[];
  items: SpendItem[];
  failApplyFor?: string;
}) {
  const items = new Map(
    options.items.map((i) => [`${String(i.content['accountId'])}/${String(i.content['budgetName'])}`, i]),
  );
  const applied: { accountId: string; locks: BudgetLock[] }[] = [];
  const statuses: { key: string; status: LockdownStatusAttribute }[] = [];
  const alerts: string[] = [];
  const deps: SweepLockdownsDeps = {
    items: {
      read: async (key) => items.get(`${key.accountId}/${key.budgetName}`),
      writeLockdownStatus: async (key, status) => {
        const id = `${key.accountId}/${key.budgetName}`;
        if (!items.has(id)) return 'superseded';
        statuses.push({ key: id, status });
        return 'written';
      },
    },
    policies: {
      list: async function* () {
        yield* options.policies;
      },
      apply: async (accountId, locks) => {
        if (accountId === options.failApplyFor) throw new Error('ConcurrentModificationException: try again');
        applied.push({ accountId, locks: [...locks] });
        return locks.length > 0
          ? { policyId: 'p-1', attached: true, locks: [...locks] }
          : { attached: false, locks: [] };
      },
    },
    alerts: { publish: async (subject) => void alerts.push(subject) },
    now: () => NOW,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { deps, applied, statuses, alerts };
}

describe('sweepLockdowns', () => {
  it('lifts the lock of a deleted item, keeps the account’s other locks, and tells the central team', async () => {
    const { deps, applied, alerts } = setup({
      policies: [{ accountId: A, policyId: 'p-1', attached: true, locks: [gpu, research] }],
      items: [itemOf(A, 'gpu', enforce, { lockdownStatus: lockedStatus })],
    });
    const report = await sweepLockdowns(deps);
    expect(applied).toEqual([{ accountId: A, locks: [gpu] }]);
    expect(report.lifted).toEqual([{ accountId: A, budgetName: 'research', reason: 'the budget item was deleted' }]);
    expect(alerts).toEqual([`[org-budgets] ${A}/research: lockdown lifted`]);
  });

  it('detaches and deletes the policy when its last lock’s item is gone', async () => {
    const { deps, applied } = setup({
      policies: [{ accountId: A, policyId: 'p-1', attached: true, locks: [research] }],
      items: [],
    });
    await sweepLockdowns(deps);
    expect(applied).toEqual([{ accountId: A, locks: [] }]);
  });

  it('lifts a lock whose item no longer asks for an enforced lockdown, and says so on the item', async () => {
    const { deps, applied, statuses } = setup({
      policies: [{ accountId: A, policyId: 'p-1', attached: true, locks: [research] }],
      items: [
        itemOf(A, 'research', { lockdown: { mode: 'notify' } }, { lockdownStatus: lockedStatus, state: 'Shutdown' }),
      ],
    });
    await sweepLockdowns(deps);
    expect(applied).toEqual([{ accountId: A, locks: [] }]);
    expect(statuses).toEqual([
      {
        key: `${A}/research`,
        status: expect.objectContaining({ status: 'LIFTED', locked: false, mode: 'notify', state: 'Shutdown' }),
      },
    ]);
    expect(statuses[0]?.status.message).toContain('lockdown mode is notify');
  });

  it('keeps a lock the item does not know of, and records it on the item (LOCKED) for its next report', async () => {
    const { deps, applied, statuses } = setup({
      policies: [{ accountId: A, policyId: 'p-1', attached: true, locks: [research] }],
      // A whole-item put dropped lockdownStatus.
      items: [itemOf(A, 'research', enforce)],
    });
    const report = await sweepLockdowns(deps);
    expect(applied).toEqual([]);
    expect(report.recorded).toEqual([{ accountId: A, budgetName: 'research' }]);
    expect(statuses).toEqual([
      {
        key: `${A}/research`,
        status: expect.objectContaining({ status: 'LOCKED', locked: true, apis: research.apis }),
      },
    ]);
  });

  it('keeps the lock of an invalid (REJECTED) item', async () => {
    const { deps, applied } = setup({
      policies: [{ accountId: A, policyId: 'p-1', attached: true, locks: [research] }],
      items: [itemOf(A, 'research', { amount: -5 }, { lockdownStatus: lockedStatus })],
    });
    const report = await sweepLockdowns(deps);
    expect(applied).toEqual([]);
    expect(report.lifted).toEqual([]);
  });

  it('attaches again a policy left detached with locks in it, and changes nothing where all is in line', async () => {
    const { deps, applied } = setup({
      policies: [
        { accountId: A, policyId: 'p-1', attached: false, locks: [research] },
        { accountId: B, policyId: 'p-2', attached: true, locks: [research] },
      ],
      items: [
        itemOf(A, 'research', enforce, { lockdownStatus: lockedStatus }),
        itemOf(B, 'research', enforce, { lockdownStatus: lockedStatus }),
      ],
    });
    const report = await sweepLockdowns(deps);
    expect(applied).toEqual([{ accountId: A, locks: [research] }]);
    expect(report.repaired).toEqual([A]);
  });

  it('goes on with the other accounts when one policy cannot be changed, then alerts and fails', async () => {
    const { deps, applied, alerts } = setup({
      policies: [
        { accountId: A, policyId: 'p-1', attached: true, locks: [research] },
        { accountId: B, policyId: 'p-2', attached: true, locks: [research] },
      ],
      items: [],
      failApplyFor: A,
    });
    await expect(sweepLockdowns(deps)).rejects.toThrow(LockdownSweepError);
    expect(applied).toEqual([{ accountId: B, locks: [] }]);
    expect(alerts).toContain('org-budgets: lockdown sweep failed');
  });
});
