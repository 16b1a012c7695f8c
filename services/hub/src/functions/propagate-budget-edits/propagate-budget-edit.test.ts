import type { BudgetParameter, SyncStatus } from '@org-budgets/contracts';
import type { BudgetItemKey, CurrentBudgetParameter, SpokeParameters, SyncStatusStore } from '@org-budgets/aws';
import { applyChange, BAD_BUDGET_ITEMS, budgetItem, budgetItemRecord, removeRecord } from '@org-budgets/test-fixtures';
import {
  budgetEditFromRecord,
  MalformedStreamRecordError,
  propagateBudgetEdit,
  type PropagateDeps,
} from './propagate-budget-edit';

/** An in-memory spoke: parameters per account, with optional failures. */
class FakeSpokes implements SpokeParameters {
  readonly parameters = new Map<string, BudgetParameter | string>();
  failWith: Error | undefined;
  readonly calls: string[] = [];

  async get(accountId: string, budgetName: string): Promise<CurrentBudgetParameter> {
    this.calls.push(`get ${accountId}/${budgetName}`);
    if (this.failWith) throw this.failWith;
    const value = this.parameters.get(`${accountId}/${budgetName}`);
    if (value === undefined) return { exists: false };
    if (typeof value === 'string') return { exists: true, valid: false, message: 'unreadable' };
    return { exists: true, valid: true, parameter: value };
  }
  async put(accountId: string, parameter: BudgetParameter): Promise<void> {
    this.calls.push(`put ${accountId}/${parameter.budgetName}@${parameter.revision}`);
    this.parameters.set(`${accountId}/${parameter.budgetName}`, parameter);
  }
  async delete(accountId: string, budgetName: string): Promise<boolean> {
    this.calls.push(`delete ${accountId}/${budgetName}`);
    return this.parameters.delete(`${accountId}/${budgetName}`);
  }
}

class FakeSyncStore implements Pick<SyncStatusStore, 'write'> {
  readonly writes: (BudgetItemKey & SyncStatus)[] = [];
  async write(key: BudgetItemKey, sync: SyncStatus) {
    this.writes.push({ ...key, ...sync });
    return 'written' as const;
  }
}

function setup() {
  const spokes = new FakeSpokes();
  const sync = new FakeSyncStore();
  const deps: PropagateDeps = {
    spokeParameters: spokes,
    syncStatus: sync,
    now: () => new Date('2026-11-23T12:00:00Z'),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { spokes, sync, deps };
}

const propagate = (record: Parameters<typeof budgetEditFromRecord>[0], deps: PropagateDeps) =>
  propagateBudgetEdit(budgetEditFromRecord(record), deps);

describe('propagateBudgetEdit', () => {
  it('delivers a new item to its spoke with the record revision and writes DELIVERED', async () => {
    const { spokes, sync, deps } = setup();
    const record = budgetItemRecord(budgetItem({ amount: 500 }), { sequenceNumber: '100' });

    const outcome = await propagate(record, deps);

    expect(outcome).toEqual({ result: 'delivered', parameterRevision: '100' });
    expect(spokes.parameters.get('111111111111/research-compute')).toMatchObject({
      amount: 500,
      revision: '100',
      schemaVersion: 1,
      alertAt: [50, 80, 100],
    });
    expect(sync.writes).toEqual([
      expect.objectContaining({
        status: 'DELIVERED',
        stage: 'deliver',
        revision: '100',
        updatedAt: '2026-11-23T12:00:00.000Z',
      }),
    ]);
  });

  it.each(BAD_BUDGET_ITEMS)('rejects $name without touching the spoke', async ({ change, attribute }) => {
    const { spokes, sync, deps } = setup();
    const record = budgetItemRecord(applyChange(budgetItem(), change), { sequenceNumber: '7' });

    const outcome = await propagate(record, deps);

    expect(outcome.result).toBe('rejected');
    expect(spokes.calls).toEqual([]);
    expect(sync.writes).toHaveLength(1);
    expect(sync.writes[0]).toMatchObject({ status: 'REJECTED', stage: 'validate', revision: '7' });
    expect(sync.writes[0]?.message).toContain(attribute || 'unknown attribute');
  });

  it('keeps the last good parameter when an edit is rejected', async () => {
    const { spokes, deps } = setup();
    await propagate(budgetItemRecord(budgetItem({ amount: 100 }), { sequenceNumber: '1' }), deps);

    await propagate(
      budgetItemRecord(budgetItem({ amount: -1 }), { oldImage: budgetItem({ amount: 100 }), sequenceNumber: '2' }),
      deps,
    );

    expect(spokes.parameters.get('111111111111/research-compute')).toMatchObject({ amount: 100, revision: '1' });
  });

  it('ignores a change of only the sync attribute (the loop guard)', async () => {
    const { spokes, sync, deps } = setup();
    const before = budgetItem({ sync: { status: 'DELIVERED', revision: 1 } });
    const after = budgetItem({ sync: { status: 'APPLIED', revision: 1 } });

    const outcome = await propagate(budgetItemRecord(after, { oldImage: before }), deps);

    expect(outcome).toEqual({ result: 'ignored', reason: 'only sync changed' });
    expect(spokes.calls).toEqual([]);
    expect(sync.writes).toEqual([]);
  });

  it('propagates a MODIFY that changes a budget attribute', async () => {
    const { spokes, deps } = setup();

    await propagate(budgetItemRecord(budgetItem({ amount: 200 }), { oldImage: budgetItem({ amount: 100 }) }), deps);

    expect(spokes.parameters.get('111111111111/research-compute')).toMatchObject({ amount: 200 });
  });

  it('never overwrites a newer parameter with a stale record', async () => {
    const { spokes, sync, deps } = setup();
    await propagate(budgetItemRecord(budgetItem({ amount: 300 }), { sequenceNumber: '20' }), deps);

    const outcome = await propagate(budgetItemRecord(budgetItem({ amount: 100 }), { sequenceNumber: '19' }), deps);

    expect(outcome).toEqual({ result: 'stale', currentRevision: '20' });
    expect(spokes.parameters.get('111111111111/research-compute')).toMatchObject({ amount: 300, revision: '20' });
    expect(sync.writes).toHaveLength(1);
  });

  it('treats a duplicate record as delivered without writing the parameter again', async () => {
    const { spokes, sync, deps } = setup();
    const record = budgetItemRecord(budgetItem(), { sequenceNumber: '30' });
    await propagate(record, deps);

    const outcome = await propagate(record, deps);

    expect(outcome).toEqual({ result: 'already-delivered' });
    expect(spokes.calls.filter((c) => c.startsWith('put'))).toHaveLength(1);
    expect(sync.writes.map((w) => w.status)).toEqual(['DELIVERED', 'DELIVERED']);
  });

  it('replaces an unreadable spoke parameter', async () => {
    const { spokes, deps } = setup();
    spokes.parameters.set('111111111111/research-compute', 'not json');

    const outcome = await propagate(budgetItemRecord(budgetItem()), deps);

    expect(outcome.result).toBe('delivered');
  });

  it('records FAILED on the item and fails the record when the spoke cannot be reached', async () => {
    const { spokes, sync, deps } = setup();
    spokes.failWith = Object.assign(new Error('role missing'), { name: 'SpokeRoleUnavailableError' });

    await expect(propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '40' }), deps)).rejects.toThrow(
      'role missing',
    );

    expect(sync.writes).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        stage: 'deliver',
        revision: '40',
        message: expect.stringContaining('role missing'),
      }),
    ]);
  });

  it('fails with the delivery error even when recording FAILED fails too', async () => {
    const { spokes, deps } = setup();
    spokes.failWith = new Error('throttled');
    deps.syncStatus = { write: () => Promise.reject(new Error('table unavailable')) };

    await expect(propagate(budgetItemRecord(budgetItem()), deps)).rejects.toThrow('throttled');
  });

  it('deletes the parameter when the item is removed', async () => {
    const { spokes, deps } = setup();
    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '50' }), deps);

    const outcome = await propagate(removeRecord(budgetItem(), '51'), deps);

    expect(outcome).toEqual({ result: 'deleted' });
    expect(spokes.parameters.size).toBe(0);
  });

  it('does not delete a parameter written by a newer edit than the removal', async () => {
    const { spokes, deps } = setup();
    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '61' }), deps);

    const outcome = await propagate(removeRecord(budgetItem(), '60'), deps);

    expect(outcome).toEqual({ result: 'stale', currentRevision: '61' });
    expect(spokes.parameters.size).toBe(1);
  });

  it('treats the removal of an item with no parameter as done', async () => {
    const { deps } = setup();

    await expect(propagate(removeRecord(budgetItem()), deps)).resolves.toEqual({ result: 'already-absent' });
  });

  it('ignores the removal of an item whose account id was never valid', async () => {
    const { spokes, deps } = setup();

    const outcome = await propagate(removeRecord(budgetItem({ accountId: '123' })), deps);

    expect(outcome.result).toBe('ignored');
    expect(spokes.calls).toEqual([]);
  });
});

describe('budgetEditFromRecord', () => {
  it('fails clearly on a record without keys or sequence number', () => {
    const record = budgetItemRecord();
    delete record.dynamodb?.Keys;

    expect(() => budgetEditFromRecord(record)).toThrow(MalformedStreamRecordError);
  });

  it('fails clearly when the stream carries no new image', () => {
    const record = budgetItemRecord();
    delete record.dynamodb?.NewImage;

    expect(() => budgetEditFromRecord(record)).toThrow(/NEW_AND_OLD_IMAGES/);
  });

  it('sees a string set reordered by DynamoDB as the same content', () => {
    const record = budgetItemRecord(
      budgetItem({ emails: new Set(['a@x.io', 'b@x.io']), sync: { status: 'APPLIED' } }),
      {
        oldImage: budgetItem({ emails: new Set(['b@x.io', 'a@x.io']) }),
      },
    );

    expect(budgetEditFromRecord(record).kind).toBe('sync-only');
  });
});

describe('redelivery requests', () => {
  it('propagates a change of sync.status to PENDING, the reconciler’s request', async () => {
    const { spokes, deps } = setup();
    const before = budgetItem({ sync: { status: 'FAILED', revision: 1 } });
    const after = budgetItem({ sync: { status: 'PENDING', revision: 1 } });

    const outcome = await propagate(budgetItemRecord(after, { oldImage: before, sequenceNumber: '90' }), deps);

    expect(outcome).toEqual({ result: 'delivered', parameterRevision: '90' });
    expect(spokes.parameters.get('111111111111/research-compute')).toMatchObject({ revision: '90' });
  });

  it('ignores the write-back that follows a redelivery', async () => {
    const { spokes, deps } = setup();
    const before = budgetItem({ sync: { status: 'PENDING', revision: 1 } });
    const after = budgetItem({ sync: { status: 'DELIVERED', revision: 90 } });

    const outcome = await propagate(budgetItemRecord(after, { oldImage: before }), deps);

    expect(outcome.result).toBe('ignored');
    expect(spokes.calls).toEqual([]);
  });
});
