import type { BudgetItemKey, SyncStatusStore } from '@org-budgets/aws';
import type { SyncStatus } from '@org-budgets/contracts';
import { recordSpokeStatus, type RecordStatusDeps } from './record-spoke-status';

const detail = {
  accountId: '111111111111',
  budgetName: 'research',
  revision: '1100000000017454423020',
  status: 'APPLIED',
  message: 'budget 100 USD monthly applied',
  at: '2026-11-23T12:00:00.000Z',
};

function setup(result: 'written' | 'superseded' = 'written') {
  const writes: (BudgetItemKey & SyncStatus)[] = [];
  const syncStatus: Pick<SyncStatusStore, 'write'> = {
    write: async (key, sync) => {
      writes.push({ ...key, ...sync });
      return result;
    },
  };
  const deps: RecordStatusDeps = {
    syncStatus,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { deps, writes };
}

describe('recordSpokeStatus', () => {
  it('writes the spoke’s status onto the item at stage apply', async () => {
    const { deps, writes } = setup();

    const outcome = await recordSpokeStatus({ account: '111111111111', detail }, deps);

    expect(outcome).toEqual({ result: 'recorded', status: 'APPLIED' });
    expect(writes).toEqual([
      {
        accountId: '111111111111',
        budgetName: 'research',
        status: 'APPLIED',
        stage: 'apply',
        revision: '1100000000017454423020',
        message: 'budget 100 USD monthly applied',
        updatedAt: '2026-11-23T12:00:00.000Z',
      },
    ]);
  });

  it('refuses a report about another account', async () => {
    const { deps, writes } = setup();

    const outcome = await recordSpokeStatus({ account: '222222222222', detail }, deps);

    expect(outcome).toMatchObject({ result: 'refused', reason: expect.stringContaining('reports only on itself') });
    expect(writes).toEqual([]);
  });

  it('refuses a malformed report, naming the field', async () => {
    const { deps, writes } = setup();

    const outcome = await recordSpokeStatus({ account: '111111111111', detail: { ...detail, status: 'DONE' } }, deps);

    expect(outcome).toMatchObject({ result: 'refused', reason: expect.stringContaining('status') });
    expect(writes).toEqual([]);
  });

  it('says so when a newer revision’s status is already on the item', async () => {
    const { deps } = setup('superseded');

    await expect(recordSpokeStatus({ account: '111111111111', detail }, deps)).resolves.toEqual({
      result: 'superseded',
    });
  });
});
