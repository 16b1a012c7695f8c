import {
  SpokeRoleUnavailableError,
  type CurrentBudgetParameter,
  type ScannedBudgetItem,
  type SpokeParameters,
  type SyncStatusStore,
} from '@org-budgets/aws';
import { toBudgetParameter, validateBudgetItem } from '@org-budgets/contracts';
import { reconcileBudgets, type ReconcileDeps } from './reconcile-budgets';

const A = '111111111111';
const B = '222222222222';

function scanned(
  accountId: string,
  budgetName: string,
  extra: Record<string, unknown> = {},
  sync?: ScannedBudgetItem['sync'],
): ScannedBudgetItem {
  return {
    accountId,
    budgetName,
    content: { accountId, budgetName, amount: 100, ...extra },
    ...(sync ? { sync } : {}),
  };
}

function parameterFor(item: ScannedBudgetItem, revision: string): CurrentBudgetParameter {
  const result = validateBudgetItem(item.content);
  if (!result.valid) throw new Error(result.message);
  return { exists: true, valid: true, parameter: toBudgetParameter(result.item, revision, new Date()) };
}

function setup(items: ScannedBudgetItem[], parameters: Record<string, CurrentBudgetParameter | Error>) {
  const requests: { key: string; expected: string | undefined; message: string }[] = [];
  let superseded = new Set<string>();
  const spokeParameters: SpokeParameters = {
    get: async (accountId, budgetName) => {
      const value = parameters[`${accountId}/${budgetName}`] ?? parameters[accountId] ?? { exists: false };
      if (value instanceof Error) throw value;
      return value;
    },
    put: () => Promise.reject(new Error('the reconciler never writes a spoke')),
    delete: () => Promise.reject(new Error('the reconciler never writes a spoke')),
  };
  const syncStatus: SyncStatusStore = {
    write: () => Promise.reject(new Error('not used')),
    requestRedelivery: async (key, expected, message) => {
      const id = `${key.accountId}/${key.budgetName}`;
      if (superseded.has(id)) return 'superseded';
      requests.push({ key: id, expected, message });
      return 'written';
    },
  };
  const deps: ReconcileDeps = {
    scanItems: async function* () {
      yield items.slice(0, 2);
      yield items.slice(2);
    },
    spokeParameters,
    syncStatus,
    now: () => new Date('2026-11-23T12:00:00Z'),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    maxConcurrency: 4,
  };
  return { deps, requests, supersede: (ids: string[]) => (superseded = new Set(ids)) };
}

describe('reconcileBudgets', () => {
  it('leaves items whose parameter matches alone', async () => {
    const item = scanned(A, 'ok', {}, { status: 'APPLIED', revision: '50' });
    const { deps, requests } = setup([item], { [`${A}/ok`]: parameterFor(item, '50') });

    const report = await reconcileBudgets(deps);

    expect(report).toMatchObject({ items: 1, inSync: 1, repaired: [] });
    expect(requests).toEqual([]);
  });

  it('asks for redelivery of a missing, behind or different parameter, guarded by the sync revision', async () => {
    const missing = scanned(A, 'missing', {}, { status: 'FAILED', stage: 'deliver', revision: '60' });
    const behind = scanned(A, 'behind', {}, { status: 'DELIVERED', revision: '70' });
    const differs = scanned(B, 'differs', { amount: 500 }, { status: 'APPLIED', revision: '80' });
    const never = scanned(B, 'never');
    const { deps, requests } = setup([missing, behind, differs, never], {
      [`${A}/behind`]: parameterFor(behind, '69'),
      [`${B}/differs`]: parameterFor(scanned(B, 'differs', { amount: 400 }), '80'),
    });

    const report = await reconcileBudgets(deps);

    expect(report.repaired).toEqual(
      expect.arrayContaining([
        { accountId: A, budgetName: 'missing', reason: 'parameter missing' },
        { accountId: A, budgetName: 'behind', reason: 'parameter behind' },
        { accountId: B, budgetName: 'differs', reason: 'parameter differs' },
        { accountId: B, budgetName: 'never', reason: 'never delivered' },
      ]),
    );
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: `${A}/missing`, expected: '60' }),
        expect.objectContaining({ key: `${B}/never`, expected: undefined }),
      ]),
    );
  });

  it('skips invalid and pending items', async () => {
    const { deps, requests } = setup(
      [
        scanned(A, 'bad', { amount: -1 }, { status: 'REJECTED', revision: '5' }),
        scanned(A, 'waiting', {}, { status: 'PENDING', revision: '6' }),
      ],
      {},
    );

    const report = await reconcileBudgets(deps);

    expect(report).toMatchObject({ invalid: 1, pending: 1, repaired: [] });
    expect(requests).toEqual([]);
  });

  it('skips an account without a spoke after one attempt, and says so', async () => {
    const items = [scanned(B, 'one'), scanned(B, 'two'), scanned(B, 'three'), scanned(A, 'fine')];
    const { deps, requests } = setup(items, {
      [B]: new SpokeRoleUnavailableError(B, `arn:aws:iam::${B}:role/org-budgets-spoke`, new Error('AccessDenied')),
    });

    const report = await reconcileBudgets(deps);

    expect(report.spokesUnreachable).toEqual([
      { accountId: B, items: 3, reason: expect.stringContaining('cannot assume') },
    ]);
    expect(requests.map((r) => r.key)).toEqual([`${A}/fine`]);
  });

  it('does not count an item that changed since it was read as repaired', async () => {
    const { deps, supersede } = setup([scanned(A, 'edited')], {});
    supersede([`${A}/edited`]);

    const report = await reconcileBudgets(deps);

    expect(report).toMatchObject({ changedMeanwhile: 1, repaired: [] });
  });

  it('reports an item it could not check and goes on with the others', async () => {
    const { deps } = setup([scanned(A, 'broken'), scanned(B, 'fine')], { [`${A}/broken`]: new Error('Rate exceeded') });

    const report = await reconcileBudgets(deps);

    expect(report.errors).toEqual([{ accountId: A, budgetName: 'broken', error: 'Rate exceeded' }]);
    expect(report.repaired).toEqual([{ accountId: B, budgetName: 'fine', reason: 'never delivered' }]);
  });
});
