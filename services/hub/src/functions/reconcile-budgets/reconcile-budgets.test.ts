import {
  parameterDigest,
  SpokeRoleUnavailableError,
  type ListedBudgetParameter,
  type RepairRecord,
  type ScannedBudgetItem,
  type SpokeParameters,
  type SyncStatusStore,
} from '@org-budgets/aws';
import {
  serializeBudgetParameter,
  toBudgetParameter,
  validateBudgetItem,
  type SyncStatus,
} from '@org-budgets/contracts';
import { reconcileBudgets, type ReconcileDeps } from './reconcile-budgets';

const A = '111111111111';
const B = '222222222222';
const NOW = new Date('2026-11-23T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

/** The parameter value the hub writes for an item's content at a revision. */
function valueFor(content: Record<string, unknown>, revision: string): string {
  const result = validateBudgetItem(content);
  if (!result.valid) throw new Error(result.message);
  return serializeBudgetParameter(toBudgetParameter(result.item, revision, new Date('2026-11-23T10:00:00Z')));
}

interface ItemOptions {
  extra?: Record<string, unknown>;
  sync?: Partial<SyncStatus>;
  /** Delivered at this revision (digest of valueFor(content, revision)). */
  deliveredAt?: string;
  repair?: RepairRecord;
}

function item(accountId: string, budgetName: string, options: ItemOptions = {}): ScannedBudgetItem {
  const content = { accountId, budgetName, amount: 100, ...options.extra };
  return {
    accountId,
    budgetName,
    content,
    ...(options.sync ? { sync: options.sync } : {}),
    ...(options.deliveredAt
      ? {
          delivered: {
            revision: options.deliveredAt,
            digest: parameterDigest(valueFor(content, options.deliveredAt)),
            at: minutesAgo(60),
          },
        }
      : {}),
    ...(options.repair ? { repair: options.repair } : {}),
  };
}

/** An item delivered at revision 7 and applied: in sync when its spoke holds valueFor(content, '7'). */
function applied(accountId: string, budgetName: string, options: ItemOptions = {}): ScannedBudgetItem {
  return item(accountId, budgetName, {
    deliveredAt: '7',
    sync: { status: 'APPLIED', stage: 'apply', revision: '7', updatedAt: minutesAgo(60), message: 'ok' },
    ...options,
  });
}

function listed(budgetName: string, value: string): ListedBudgetParameter {
  return { budgetName, value, lastModified: undefined };
}

function setup(
  items: ScannedBudgetItem[],
  spokes: Record<string, ListedBudgetParameter[] | Error>,
  organization?: Record<string, string>,
) {
  const requests: { key: string; message: string; repair?: RepairRecord }[] = [];
  const failed: { key: string; message: string }[] = [];
  const deleted: string[] = [];
  const cleared: string[] = [];
  const existing = new Set(items.map((i) => `${i.accountId}/${i.budgetName}`));
  let superseded = new Set<string>();
  const spokeParameters: SpokeParameters = {
    get: () => Promise.reject(new Error('the reconciler lists each account once')),
    put: () => Promise.reject(new Error('the reconciler never writes a parameter')),
    list: async (accountId) => {
      const value = spokes[accountId] ?? [];
      if (value instanceof Error) throw value;
      return value;
    },
    delete: async (accountId, budgetName) => {
      deleted.push(`${accountId}/${budgetName}`);
      return true;
    },
  };
  const syncStatus: SyncStatusStore = {
    write: () => Promise.reject(new Error('not used')),
    recordDelivery: () => Promise.reject(new Error('not used')),
    holdEarlyReport: () => Promise.reject(new Error('not used')),
    readState: async (key) => ({ exists: existing.has(`${key.accountId}/${key.budgetName}`) }),
    readContent: () => Promise.reject(new Error('not used')),
    requestRedelivery: async (key, _expected, message, _now, repair) => {
      const id = `${key.accountId}/${key.budgetName}`;
      if (superseded.has(id)) return 'superseded';
      requests.push({ key: id, message, ...(repair ? { repair } : {}) });
      return 'written';
    },
    markFailed: async (key, _expected, message) => {
      failed.push({ key: `${key.accountId}/${key.budgetName}`, message });
      return 'written';
    },
    clearRepair: async (key) => {
      cleared.push(`${key.accountId}/${key.budgetName}`);
    },
  };
  const deps: ReconcileDeps = {
    scanItems: async function* () {
      yield items.slice(0, 2);
      yield items.slice(2);
    },
    ...(organization ? { listOrganizationAccounts: async () => new Map(Object.entries(organization)) } : {}),
    spokeParameters,
    syncStatus,
    now: () => NOW,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    maxConcurrency: 4,
  };
  return { deps, requests, failed, deleted, cleared, supersede: (ids: string[]) => (superseded = new Set(ids)) };
}

const inSpoke = (i: ScannedBudgetItem, revision = '7') => listed(i.budgetName, valueFor(i.content, revision));

describe('reconcileBudgets', () => {
  it('leaves items whose spoke holds exactly what the hub delivered, and applied, alone', async () => {
    const one = applied(A, 'one');
    const { deps, requests } = setup([one], { [A]: [inSpoke(one)] });

    const report = await reconcileBudgets(deps);

    expect(report).toMatchObject({ items: 1, inSync: 1, repaired: [], notBroughtBack: [], errors: [] });
    expect(requests).toEqual([]);
  });

  it('redelivers a parameter that was deleted in the spoke', async () => {
    const one = applied(A, 'one');
    const { deps, requests } = setup([one], { [A]: [] });

    const report = await reconcileBudgets(deps);

    expect(report.repaired).toEqual([{ accountId: A, budgetName: 'one', reason: 'parameter missing', attempt: 1 }]);
    expect(requests[0]?.repair).toEqual({ attempts: 1, lastAt: NOW.toISOString(), reason: 'parameter missing' });
  });

  it('redelivers a parameter that is not what the hub wrote, whatever revision it claims', async () => {
    const one = applied(A, 'one');
    const forged = JSON.stringify({ ...JSON.parse(valueFor(one.content, '7')), amount: 1, revision: '9'.repeat(38) });
    const { deps } = setup([one], { [A]: [listed('one', forged)] });

    const report = await reconcileBudgets(deps);

    expect(report.repaired).toEqual([{ accountId: A, budgetName: 'one', reason: 'parameter differs', attempt: 1 }]);
  });

  it('redelivers items PENDING or DELIVERED for more than 15 minutes, and lets recent ones be', async () => {
    const stuckPending = item(A, 'stuck-pending', {
      sync: { status: 'PENDING', stage: 'deliver', revision: '7', updatedAt: minutesAgo(16) },
    });
    const stuckDelivered = applied(A, 'stuck-delivered', {
      sync: { status: 'DELIVERED', stage: 'deliver', revision: '7', updatedAt: minutesAgo(40) },
    });
    const recent = applied(A, 'recent', {
      sync: { status: 'DELIVERED', stage: 'deliver', revision: '7', updatedAt: minutesAgo(2) },
    });
    const { deps } = setup([stuckPending, stuckDelivered, recent], {
      [A]: [inSpoke(stuckDelivered), inSpoke(recent)],
    });

    const report = await reconcileBudgets(deps);

    expect(report.repaired.map((r) => [r.budgetName, r.reason]).sort()).toEqual([
      ['stuck-delivered', 'stuck DELIVERED'],
      ['stuck-pending', 'stuck PENDING'],
    ]);
    expect(report.onTheirWay).toBe(1);
  });

  it('retries an item that failed to apply, with growing intervals, and names it when it stays failed', async () => {
    const failedSync = {
      status: 'FAILED',
      stage: 'apply',
      revision: '7',
      updatedAt: minutesAgo(30),
      message: 'Throttling',
    } as const;
    const first = applied(A, 'first', { sync: failedSync });
    const waiting = applied(A, 'waiting', {
      sync: failedSync,
      repair: { attempts: 3, lastAt: minutesAgo(3 * 60), reason: 'failed to apply' }, // next after 4 h
    });
    const due = applied(A, 'due', {
      sync: failedSync,
      repair: { attempts: 2, lastAt: minutesAgo(2 * 60 + 1), reason: 'failed to apply' }, // next after 2 h
    });
    const { deps, requests } = setup([first, waiting, due], { [A]: [inSpoke(first), inSpoke(waiting), inSpoke(due)] });

    const report = await reconcileBudgets(deps);

    expect(report.repaired.map((r) => [r.budgetName, r.attempt]).sort()).toEqual([
      ['due', 3],
      ['first', 1],
    ]);
    expect(requests.find((r) => r.key === `${A}/first`)?.message).toContain('failed to apply: Throttling');
    expect(report.notBroughtBack.map((r) => r.budgetName).sort()).toEqual(['due', 'waiting']);
    expect(report.notBroughtBack.find((r) => r.budgetName === 'waiting')?.reason).toContain(
      'next after 2026-11-23T13:00:00.000Z',
    );
  });

  it('clears the repair record of an item back in sync', async () => {
    const back = applied(A, 'back', { repair: { attempts: 2, lastAt: minutesAgo(120), reason: 'failed to apply' } });
    const { deps, cleared } = setup([back], { [A]: [inSpoke(back)] });

    await reconcileBudgets(deps);

    expect(cleared).toEqual([`${A}/back`]);
  });

  it('deletes a spoke parameter without an item (a deletion that never arrived), in any account of the organization', async () => {
    const one = applied(A, 'one');
    const { deps, deleted } = setup(
      [one],
      { [A]: [inSpoke(one), listed('gone', '{}')], [B]: [listed('also-gone', '{}')] },
      { [A]: 'ACTIVE', [B]: 'ACTIVE' },
    );

    const report = await reconcileBudgets(deps);

    expect(deleted.sort()).toEqual([`${A}/gone`, `${B}/also-gone`]);
    expect(report.orphansDeleted).toHaveLength(2);
  });

  it('marks the items of an account that left the organization FAILED, with the reason', async () => {
    const one = applied(B, 'one');
    const { deps, failed } = setup([one], { [B]: new Error('must not be called') }, { [A]: 'ACTIVE' });

    const report = await reconcileBudgets(deps);

    expect(report.outsideOrganization).toEqual([{ accountId: B, items: 1, state: 'not a member' }]);
    expect(failed).toEqual([{ key: `${B}/one`, message: expect.stringContaining('not an active account') }]);
  });

  it('reports accounts whose spoke role cannot be assumed without touching their items', async () => {
    const one = applied(B, 'one');
    const { deps, requests } = setup([one], {
      [B]: new SpokeRoleUnavailableError(
        B,
        'arn:aws:iam::222222222222:role/org-budgets-spoke',
        new Error('AccessDenied'),
      ),
    });

    const report = await reconcileBudgets(deps);

    expect(report.spokesUnreachable).toEqual([
      { accountId: B, items: 1, reason: expect.stringContaining('AccessDenied') },
    ]);
    expect(requests).toEqual([]);
  });

  it('names a REJECTED item whose last good parameter changed in the spoke', async () => {
    const bad = item(A, 'bad', {
      extra: { amount: -1 },
      sync: { status: 'REJECTED', stage: 'validate', revision: '9', updatedAt: minutesAgo(60) },
    });
    bad.delivered = { revision: '7', digest: 'abc', at: minutesAgo(120) };
    const { deps, requests } = setup([bad], { [A]: [listed('bad', '{"amount":5}')] });

    const report = await reconcileBudgets(deps);

    expect(report.invalid).toBe(1);
    expect(requests).toEqual([]);
    expect(report.notBroughtBack).toEqual([
      { accountId: A, budgetName: 'bad', reason: expect.stringContaining('fix the item') },
    ]);
  });

  it('counts items that changed while it looked, and repairs nothing there', async () => {
    const one = applied(A, 'one');
    const { deps, supersede } = setup([one], { [A]: [] });
    supersede([`${A}/one`]);

    const report = await reconcileBudgets(deps);

    expect(report).toMatchObject({ repaired: [], changedMeanwhile: 1 });
  });

  it('records an error per account it could not read, and goes on with the others', async () => {
    const one = applied(A, 'one');
    const two = applied(B, 'two');
    const { deps } = setup([one, two], { [A]: new Error('throttled'), [B]: [inSpoke(two)] });

    const report = await reconcileBudgets(deps);

    expect(report.errors).toEqual([{ accountId: A, budgetName: '*', error: 'throttled' }]);
    expect(report.inSync).toBe(1);
  });
});
