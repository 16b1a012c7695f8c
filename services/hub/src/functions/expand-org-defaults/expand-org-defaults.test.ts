import type { BudgetItemKey, DefaultItemsStore, OrganizationTree, StoredItem } from '@org-budgets/aws';
import type { SyncStatus } from '@org-budgets/contracts';
import {
  accountsBelow,
  expandDefault,
  pathOf,
  recountDefault,
  resolveAccount,
  sweep,
  type ExpandDeps,
} from './expand-org-defaults';

const ROOT = 'r-ab12';
const OU = 'ou-ab12-research';
const LABS = 'ou-ab12-labs0001';
const [A, B, C, GONE] = ['100000000001', '100000000002', '100000000003', '100000000004'];

/** root ─ research ─ labs; A and B in research, C in labs, GONE suspended in research. */
function tree(): OrganizationTree {
  return {
    units: new Map([
      [ROOT, { id: ROOT, name: 'Root' }],
      [OU, { id: OU, name: 'research', parentId: ROOT }],
      [LABS, { id: LABS, name: 'labs', parentId: OU }],
    ]),
    accounts: new Map([
      [A, { id: A, name: 'a', state: 'ACTIVE', parentId: OU }],
      [B, { id: B, name: 'b', state: 'ACTIVE', parentId: OU }],
      [C, { id: C, name: 'c', state: 'ACTIVE', parentId: LABS }],
      [GONE, { id: GONE, name: 'gone', state: 'SUSPENDED', parentId: OU }],
    ]),
  };
}

/** The table in memory, with the conditions of the real store. */
class FakeItems implements DefaultItemsStore {
  readonly items = new Map<string, Record<string, unknown>>();
  readonly statuses: { key: BudgetItemKey; sync: SyncStatus; rollup: object }[] = [];
  readonly id = (key: BudgetItemKey) => `${key.accountId}/${key.budgetName}`;
  private stored(content: Record<string, unknown>): StoredItem {
    const { sync, rollup, ...rest } = content;
    return {
      accountId: String(rest['accountId']),
      budgetName: String(rest['budgetName']),
      content: rest,
      ...(sync ? { sync: sync } : {}),
      ...(rollup ? { rollup: rollup as Record<string, unknown> } : {}),
    };
  }
  put(content: Record<string, unknown>) {
    this.items.set(this.id(content as unknown as BudgetItemKey), content);
  }
  get(key: BudgetItemKey) {
    return this.items.get(this.id(key));
  }
  async itemsOf(accountId: string) {
    return [...this.items.values()].filter((i) => i['accountId'] === accountId).map((i) => this.stored(i));
  }
  async getMany(keys: readonly BudgetItemKey[]) {
    return keys.flatMap((key) => {
      const item = this.get(key);
      return item ? [this.stored(item)] : [];
    });
  }
  async putCopy(item: Record<string, unknown>, expectedFrom?: string) {
    const current = this.get(item as unknown as BudgetItemKey);
    if (expectedFrom === undefined ? current !== undefined : current?.['inheritedFrom'] !== expectedFrom)
      return 'conflict' as const;
    this.put({ ...item, ...(current?.['sync'] ? { sync: current['sync'] } : {}) });
    return 'written' as const;
  }
  readonly outOfReach: { key: BudgetItemKey; reason: string }[] = [];
  async deleteCopy(key: BudgetItemKey, inheritedFrom: string, outOfReach?: string) {
    if (this.get(key)?.['inheritedFrom'] !== inheritedFrom) return 'conflict' as const;
    if (outOfReach)
      this.outOfReach.push({ key: { accountId: key.accountId, budgetName: key.budgetName }, reason: outOfReach });
    this.items.delete(this.id(key));
    return 'written' as const;
  }
  async copiesOf(target: string, budgetName: string) {
    return [...this.items.values()]
      .filter((i) => i['inheritedFrom'] === target && i['budgetName'] === budgetName)
      .map((i) => this.stored(i));
  }
  async writeDefaultStatus(key: BudgetItemKey, sync: SyncStatus, rollup: object) {
    this.statuses.push({ key, sync, rollup });
    const current = this.get(key);
    if (current) this.items.set(this.id(key), { ...current, sync, rollup });
    return 'written' as const;
  }
}

function setup(organization = tree()) {
  const items = new FakeItems();
  const deps: ExpandDeps = {
    items,
    tree: async () => organization,
    now: () => new Date('2026-12-03T12:00:00Z'),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    maxConcurrency: 4,
  };
  return { items, deps, organization };
}

const key = (accountId: string, budgetName = 'baseline') => ({ accountId, budgetName });

describe('the organization tree', () => {
  it('gives each account its path, root first, and the ACTIVE accounts below a unit, nested OUs included', () => {
    expect(pathOf(tree(), C)).toEqual([ROOT, OU, LABS]);
    expect(accountsBelow(tree(), OU).map((a) => a.accountId)).toEqual([A, B, C]);
    expect(accountsBelow(tree(), LABS).map((a) => a.accountId)).toEqual([C]);
  });
});

describe('expandDefault', () => {
  it('writes a copy for every ACTIVE account below the OU, skips own items and opt-outs, and rolls up', async () => {
    const { items, deps } = setup();
    items.put({ accountId: OU, budgetName: 'baseline', amount: 100 });
    items.put({ accountId: A, budgetName: 'baseline', amount: 7 });
    items.put({ accountId: B, budgetName: 'baseline', optOut: true });

    const report = await expandDefault(key(OU), '42', deps);

    expect(report).toMatchObject({ written: 1, overridden: 1, optedOut: 1, conflicts: 0 });
    expect(items.get(key(C))).toMatchObject({ amount: 100, inheritedFrom: OU });
    expect(items.get(key(A))).toEqual({ accountId: A, budgetName: 'baseline', amount: 7 });
    expect(items.get(key(GONE))).toBeUndefined();
    expect(items.statuses.at(-1)).toMatchObject({
      key: key(OU),
      sync: {
        status: 'DELIVERED',
        revision: '42',
        message: 'APPLIED in 0 of 1 accounts; 1 on their way (1 with their own item, 1 opted out)',
      },
      rollup: { accounts: 1, overridden: 1, optedOut: 1 },
    });
  });

  it('a rejected default writes REJECTED on itself and leaves the copies as they are', async () => {
    const { items, deps } = setup();
    items.put({ accountId: OU, budgetName: 'baseline', amount: 100 });
    await expandDefault(key(OU), '1', deps);
    items.put({ accountId: OU, budgetName: 'baseline', amount: -5 });

    const report = await expandDefault(key(OU), '2', deps);

    expect(report.status).toBe('REJECTED');
    expect(items.statuses.at(-1)?.sync).toMatchObject({
      status: 'REJECTED',
      stage: 'validate',
      message: expect.stringMatching(/^amount /),
    });
    expect(items.get(key(A))).toMatchObject({ amount: 100 });
  });

  it('a deleted default takes its copies away, or gives them the parent’s default', async () => {
    const { items, deps } = setup();
    items.put({ accountId: ROOT, budgetName: 'baseline', amount: 10 });
    items.put({ accountId: LABS, budgetName: 'baseline', amount: 300 });
    await expandDefault(key(ROOT), '1', deps);
    await expandDefault(key(LABS), '2', deps);
    expect(items.get(key(C))).toMatchObject({ amount: 300, inheritedFrom: LABS });

    items.items.delete(`${LABS}/baseline`);
    await expandDefault(key(LABS), '3', deps);
    expect(items.get(key(C))).toMatchObject({ amount: 10, inheritedFrom: ROOT });

    items.items.delete(`${ROOT}/baseline`);
    await expandDefault(key(ROOT), '4', deps);
    expect([A, B, C].map((account) => items.get(key(account)))).toEqual([undefined, undefined, undefined]);
  });

  it('says FAILED on a default whose target is not in the organization', async () => {
    const { items, deps } = setup();
    items.put({ accountId: 'ou-zz99-nothere1', budgetName: 'baseline', amount: 5 });
    await expect(expandDefault(key('ou-zz99-nothere1'), '9', deps)).resolves.toMatchObject({ status: 'FAILED' });
    expect(items.statuses.at(-1)?.sync.message).toMatch(/is not an OU or root of the organization/);
  });
});

describe('resolveAccount', () => {
  it('an account moved to another OU gets that OU’s default and loses the old one’s; the defaults touched are named', async () => {
    const { items, deps, organization } = setup();
    items.put({ accountId: OU, budgetName: 'research', amount: 100 });
    items.put({ accountId: LABS, budgetName: 'labs', amount: 30 });
    await expandDefault(key(OU, 'research'), '1', deps);
    expect(items.get(key(A, 'research'))).toBeDefined();

    (organization.accounts.get(A) as { parentId: string }).parentId = ROOT;
    const moved = await resolveAccount(A, deps);
    expect(items.get(key(A, 'research'))).toBeUndefined();
    expect(moved.touched).toEqual([key(OU, 'research')]);
    // Still a member: its spoke is reached to delete the parameter.
    expect(items.outOfReach).toEqual([]);

    (organization.accounts.get(A) as { parentId: string }).parentId = LABS;
    await resolveAccount(A, deps);
    expect(items.get(key(A, 'research'))).toMatchObject({ inheritedFrom: OU });
    expect(items.get(key(A, 'labs'))).toMatchObject({ inheritedFrom: LABS, amount: 30 });
  });

  it('an account no longer ACTIVE loses every copy, and its own items stay', async () => {
    const { items, deps, organization } = setup();
    items.put({ accountId: OU, budgetName: 'baseline', amount: 100 });
    items.put({ accountId: B, budgetName: 'own', amount: 1 });
    await expandDefault(key(OU), '1', deps);
    (organization.accounts.get(B) as { state: string }).state = 'SUSPENDED';

    await resolveAccount(B, deps);

    expect(items.get(key(B))).toBeUndefined();
    expect(items.get(key(B, 'own'))).toBeDefined();
    // Its spoke is out of reach: the deletion says so, and propagate-budget-edits leaves it be.
    expect(items.outOfReach).toEqual([{ key: key(B), reason: `account ${B} is SUSPENDED in the organization` }]);
  });

  it('an account that left the organization loses every copy, marked out of reach', async () => {
    const { items, deps, organization } = setup();
    items.put({ accountId: OU, budgetName: 'baseline', amount: 100 });
    await expandDefault(key(OU), '1', deps);
    organization.accounts.delete(B);

    await resolveAccount(B, deps);

    expect(items.get(key(B))).toBeUndefined();
    expect(items.outOfReach).toEqual([
      { key: key(B), reason: `account ${B} is no longer a member of the organization` },
    ]);
  });
});

describe('recountDefault and the sweep', () => {
  it('count an own item that replaced a copy after the expansion, and an opt-out gone', async () => {
    const { items, deps } = setup();
    items.put({ accountId: OU, budgetName: 'baseline', amount: 100 });
    items.put({ accountId: B, budgetName: 'baseline', optOut: true });
    await expandDefault(key(OU), '42', deps);
    expect(items.statuses.at(-1)?.rollup).toMatchObject({ overridden: 0, optedOut: 1 });

    // Finance writes A's own item over its copy: one override more.
    items.put({ accountId: A, budgetName: 'baseline', amount: 7 });
    await recountDefault(key(OU), deps);
    expect(items.statuses.at(-1)).toMatchObject({ sync: { revision: '42' }, rollup: { overridden: 1, optedOut: 1 } });

    // B's opt-out is deleted: the hourly sweep gives B its copy again and counts it.
    items.items.delete(items.id(key(B)));
    await sweep(deps);
    expect(items.get(key(B))).toMatchObject({ inheritedFrom: OU });
    expect(items.statuses.at(-1)).toMatchObject({ key: key(OU), rollup: { overridden: 1, optedOut: 0 } });
  });

  it('does nothing for a default without a status yet', async () => {
    const { items, deps } = setup();
    items.put({ accountId: OU, budgetName: 'baseline', amount: 100 });
    await expect(recountDefault(key(OU), deps)).resolves.toBeUndefined();
    expect(items.statuses).toEqual([]);
  });
});
