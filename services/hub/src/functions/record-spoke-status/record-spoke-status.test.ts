import type {
  BudgetItemKey,
  DeletionOutcomeRecord,
  DeletionReportResult,
  ItemSystemState,
  SyncStatusStore,
} from '@org-budgets/aws';
import type { SyncStatus } from '@org-budgets/contracts';
import { UndeliveredRevisionReportError } from './errors';
import { recordSpokeStatus, type RecordStatusDeps } from './record-spoke-status';

const detail = {
  accountId: '111111111111',
  budgetName: 'research',
  revision: '1100000000017454423020',
  status: 'APPLIED',
  message: 'budget 100 USD monthly applied',
  at: '2026-11-23T12:00:00.000Z',
};

function setup(
  result: 'written' | 'superseded' = 'written',
  state: ItemSystemState = { exists: true },
  deletionResult: DeletionReportResult = { result: 'written', revision: '1100000000017454423031' },
  holdResult: 'written' | 'superseded' = 'written',
) {
  const writes: (BudgetItemKey & SyncStatus & { onlyIfDelivered?: boolean })[] = [];
  const deletions: { key: BudgetItemKey; after: string; outcome: DeletionOutcomeRecord }[] = [];
  const alerts: string[] = [];
  const refused: string[] = [];
  const held: (BudgetItemKey & SyncStatus)[] = [];
  const syncStatus: Pick<SyncStatusStore, 'write' | 'readState' | 'holdEarlyReport'> = {
    write: async (key, sync, options) => {
      writes.push({ ...key, ...sync, ...options });
      return result;
    },
    readState: async () => state,
    holdEarlyReport: async (key, report) => {
      held.push({ ...key, ...report });
      return holdResult;
    },
  };
  const deps: RecordStatusDeps = {
    syncStatus,
    history: {
      recordSpokeDeletionOutcome: async (key, after, outcome) => {
        deletions.push({ key, after, outcome });
        return deletionResult;
      },
    },
    alerts: { publish: async (subject, message) => void alerts.push(`${subject}\n${message}`) },
    countRefused: (reason) => refused.push(reason),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { deps, writes, deletions, alerts, refused, held };
}

/** The status the report of `detail` becomes on the item. */
const reportedStatus = {
  accountId: '111111111111',
  budgetName: 'research',
  status: 'APPLIED',
  stage: 'apply',
  revision: '1100000000017454423020',
  message: 'budget 100 USD monthly applied',
  updatedAt: '2026-11-23T12:00:00.000Z',
};

const delivered = (revision: string): ItemSystemState => ({
  exists: true,
  delivered: { revision, digest: 'd', at: '2026-11-23T11:00:00.000Z' },
});

describe('recordSpokeStatus', () => {
  it('writes the spoke’s status onto the item at stage apply, only for the delivered revision', async () => {
    const { deps, writes } = setup();
    const outcome = await recordSpokeStatus({ account: '111111111111', detail }, deps);
    expect(outcome).toEqual({ result: 'recorded', status: 'APPLIED' });
    expect(writes).toEqual([{ ...reportedStatus, onlyIfDelivered: true }]);
  });

  it('refuses and counts a report about another account', async () => {
    const { deps, writes, refused } = setup();
    const outcome = await recordSpokeStatus({ account: '222222222222', detail }, deps);
    expect(outcome).toMatchObject({ result: 'refused', reason: expect.stringContaining('reports only on itself') });
    expect(writes).toEqual([]);
    expect(refused).toEqual(['wrong-account']);
  });

  it('refuses and counts a malformed report, naming the field', async () => {
    const { deps, writes, refused } = setup();
    const outcome = await recordSpokeStatus({ account: '111111111111', detail: { ...detail, status: 'DONE' } }, deps);
    expect(outcome).toMatchObject({ result: 'refused', reason: expect.stringContaining('status') });
    expect(writes).toEqual([]);
    expect(refused).toEqual(['malformed']);
  });

  it('refuses a revision beyond the 38 digits of a DynamoDB number instead of failing on it', async () => {
    const { deps, writes, refused } = setup();
    const outcome = await recordSpokeStatus(
      { account: '111111111111', detail: { ...detail, revision: '9'.repeat(40) } },
      deps,
    );
    expect(outcome).toMatchObject({ result: 'refused', reason: expect.stringContaining('38 digits') });
    expect(writes).toEqual([]);
    expect(refused).toEqual(['malformed']);
  });

  it('says so when a newer delivery or status is already on the item (a late report)', async () => {
    const { deps } = setup('superseded', delivered('1100000000017454423021'));
    await expect(recordSpokeStatus({ account: '111111111111', detail }, deps)).resolves.toEqual({
      result: 'superseded',
    });
  });

  it('says so when a newer edit’s status is on the item (finance replaced the whole item meanwhile)', async () => {
    const { deps } = setup('superseded', { exists: true, sync: { revision: '1100000000017454423021' } });
    await expect(recordSpokeStatus({ account: '111111111111', detail }, deps)).resolves.toEqual({
      result: 'superseded',
    });
  });

  it('holds a report that arrived before the hub recorded its delivery, for the hub to write then', async () => {
    const { deps, writes, held } = setup('superseded', delivered('1100000000017454423019'));

    await expect(recordSpokeStatus({ account: '111111111111', detail }, deps)).resolves.toEqual({
      result: 'held',
      status: 'APPLIED',
    });

    expect(writes).toHaveLength(1);
    expect(held).toEqual([reportedStatus]);
  });

  it('writes the report when the delivery is recorded between its first write and its hold', async () => {
    const { deps, writes, held } = setup('superseded', delivered('1100000000017454423019'), undefined, 'superseded');
    const write = deps.syncStatus.write;
    deps.syncStatus.write = async (...args) => (await write(...args), writes.length >= 2 ? 'written' : 'superseded');

    await expect(recordSpokeStatus({ account: '111111111111', detail }, deps)).resolves.toEqual({
      result: 'recorded',
      status: 'APPLIED',
    });
    expect(writes).toHaveLength(2);
    expect(held).toHaveLength(1);
  });

  it('fails (to be retried, then dead-lettered) a report it can neither write nor hold', async () => {
    // E.g. a far revision held already (a forged report): Lambda's retry comes after the delivery.
    const { deps, writes, held } = setup('superseded', delivered('1100000000017454423019'), undefined, 'superseded');
    await expect(recordSpokeStatus({ account: '111111111111', detail }, deps)).rejects.toThrow(
      UndeliveredRevisionReportError,
    );
    expect(writes).toHaveLength(2);
    expect(held).toHaveLength(2);
  });

  it('alerts a repair the spoke made also when it holds the report', async () => {
    const { deps, alerts } = setup('superseded', { exists: true });
    await expect(
      recordSpokeStatus({ account: '111111111111', detail: { ...detail, repaired: 'amount was 999' } }, deps),
    ).resolves.toMatchObject({ result: 'held' });
    expect(alerts).toEqual([expect.stringContaining('amount was 999')]);
  });

  it('passes a repair the spoke made to the alerts topic', async () => {
    const { deps, alerts } = setup();
    await recordSpokeStatus(
      { account: '111111111111', detail: { ...detail, repaired: 'amount was 999, restored to 100' } },
      deps,
    );
    expect(alerts).toEqual([expect.stringContaining('amount was 999, restored to 100')]);
  });

  it('writes a DELETED report onto the history entry of the deletion after the reported revision, not onto an item', async () => {
    const { deps, writes, deletions } = setup();

    const outcome = await recordSpokeStatus(
      {
        account: '111111111111',
        detail: {
          ...detail,
          status: 'DELETED',
          deletion: true,
          message: 'budget research deleted in account 111111111111',
        },
      },
      deps,
    );

    expect(outcome).toEqual({ result: 'deletion-recorded', status: 'DELETED', revision: '1100000000017454423031' });
    expect(writes).toEqual([]);
    expect(deletions).toEqual([
      {
        key: { accountId: '111111111111', budgetName: 'research' },
        after: '1100000000017454423020',
        outcome: {
          status: 'DELETED',
          stage: 'apply',
          message: 'budget research deleted in account 111111111111',
          at: '2026-11-23T12:00:00.000Z',
        },
      },
    ]);
  });

  it('writes a FAILED deletion onto the deletion’s history entry, never as the item’s status', async () => {
    const { deps, writes, deletions } = setup();

    const outcome = await recordSpokeStatus(
      {
        account: '111111111111',
        detail: { ...detail, status: 'FAILED', deletion: true, message: 'could not delete the budget: denied' },
      },
      deps,
    );

    expect(outcome).toMatchObject({ result: 'deletion-recorded', status: 'FAILED' });
    expect(writes).toEqual([]);
    expect(deletions).toEqual([
      expect.objectContaining({
        outcome: expect.objectContaining({
          status: 'FAILED',
          stage: 'apply',
          message: 'could not delete the budget: denied',
        }),
      }),
    ]);
  });

  it('refuses a deletion report about another account without touching the history', async () => {
    const { deps, deletions, refused } = setup();

    const outcome = await recordSpokeStatus(
      { account: '222222222222', detail: { ...detail, status: 'DELETED', deletion: true } },
      deps,
    );

    expect(outcome).toMatchObject({ result: 'refused', reason: expect.stringContaining('reports only on itself') });
    expect(deletions).toEqual([]);
    expect(refused).toEqual(['wrong-account']);
  });

  it('says so when the deletion’s entry holds the spoke’s DELETED already', async () => {
    const { deps } = setup('written', { exists: false }, { result: 'superseded', revision: '1100000000017454423031' });

    await expect(
      recordSpokeStatus({ account: '111111111111', detail: { ...detail, status: 'FAILED', deletion: true } }, deps),
    ).resolves.toEqual({ result: 'deletion-superseded', status: 'FAILED', revision: '1100000000017454423031' });
  });

  it('notes a deletion the history has no entry of (a repair), and passes the repair to the alerts topic', async () => {
    const { deps, writes, alerts } = setup('written', { exists: true }, { result: 'no-entry' });
    const outcome = await recordSpokeStatus(
      {
        account: '111111111111',
        detail: { ...detail, status: 'DELETED', repaired: 'a managed budget without a parameter' },
      },
      deps,
    );
    expect(outcome).toEqual({ result: 'noted' });
    expect(writes).toEqual([]);
    expect(alerts).toHaveLength(1);
  });

  it('treats a FAILED without `deletion` (an older spoke, or an apply) as the item’s status, as before', async () => {
    const { deps, writes, deletions } = setup();

    await recordSpokeStatus({ account: '111111111111', detail: { ...detail, status: 'FAILED' } }, deps);

    expect(deletions).toEqual([]);
    expect(writes).toEqual([expect.objectContaining({ status: 'FAILED', stage: 'apply' })]);
  });
});
