import {
  parseBudgetParameter,
  serializeBudgetParameter,
  type BudgetParameter,
  type SyncStatus,
} from '@org-budgets/contracts';
import type {
  BudgetItemKey,
  CurrentBudgetParameter,
  DeliveryRecord,
  ItemSystemState,
  ListedBudgetParameter,
  SpokeParameters,
  SyncStatusStore,
} from '@org-budgets/aws';
import { parameterDigest } from '@org-budgets/aws';
import { applyChange, BAD_BUDGET_ITEMS, budgetItem, budgetItemRecord, removeRecord } from '@org-budgets/test-fixtures';
import { MalformedStreamRecordError, RevisionTooLongError } from './errors';
import { budgetEditFromRecord, propagateBudgetEdit, type PropagateDeps } from './propagate-budget-edit';

/** An in-memory spoke: parameter values per account, with optional failures. */
class FakeSpokes implements SpokeParameters {
  /** Values as stored (JSON documents, or anything a member account wrote). */
  readonly values = new Map<string, string>();
  failWith: Error | undefined;
  readonly calls: string[] = [];

  parameter(accountId = '111111111111', budgetName = 'research-compute'): Record<string, unknown> | undefined {
    const value = this.values.get(`${accountId}/${budgetName}`);
    return value === undefined ? undefined : (JSON.parse(value) as Record<string, unknown>);
  }
  async get(accountId: string, budgetName: string): Promise<CurrentBudgetParameter> {
    this.calls.push(`get ${accountId}/${budgetName}`);
    if (this.failWith) throw this.failWith;
    const value = this.values.get(`${accountId}/${budgetName}`);
    if (value === undefined) return { exists: false };
    return { exists: true, value, ...parseBudgetParameter(value) };
  }
  async put(accountId: string, parameter: BudgetParameter, value?: string): Promise<void> {
    this.calls.push(`put ${accountId}/${parameter.budgetName}@${parameter.revision}`);
    this.values.set(`${accountId}/${parameter.budgetName}`, value ?? serializeBudgetParameter(parameter));
  }
  async delete(accountId: string, budgetName: string): Promise<boolean> {
    this.calls.push(`delete ${accountId}/${budgetName}`);
    return this.values.delete(`${accountId}/${budgetName}`);
  }
  async list(): Promise<ListedBudgetParameter[]> {
    throw new Error('not used by the propagation');
  }
}

/** The hub table's system attributes of items: exists unless deleted; `delivered` kept as the store keeps it. */
class FakeTable implements Pick<SyncStatusStore, 'write' | 'recordDelivery' | 'readState' | 'readContent'> {
  readonly writes: (BudgetItemKey & SyncStatus)[] = [];
  readonly deleted = new Set<string>();
  /** Item contents; a valid item when not set. */
  readonly contents = new Map<string, Record<string, unknown>>();
  readonly delivered = new Map<string, DeliveryRecord>();
  /** Spokes' reports held before their delivery was recorded (`earlyReport`). */
  readonly held = new Map<string, SyncStatus>();
  async write(key: BudgetItemKey, sync: SyncStatus, options: { onlyIfDelivered?: boolean } = {}) {
    if (
      options.onlyIfDelivered &&
      this.delivered.get(`${key.accountId}/${key.budgetName}`)?.revision !== sync.revision
    ) {
      return 'superseded' as const;
    }
    this.writes.push({ ...key, ...sync });
    return 'written' as const;
  }
  async recordDelivery(key: BudgetItemKey, delivered: DeliveryRecord, sync: SyncStatus) {
    const id = `${key.accountId}/${key.budgetName}`;
    const before = this.delivered.get(id);
    if (before && BigInt(before.revision) > BigInt(delivered.revision)) return { result: 'superseded' as const };
    this.delivered.set(id, delivered);
    this.writes.push({ ...key, ...sync });
    const held = this.held.get(id);
    this.held.delete(id);
    if (!held) return { result: 'written' as const };
    return held.revision === delivered.revision
      ? { result: 'written' as const, heldReport: held }
      : { result: 'written' as const, droppedReport: held };
  }
  async readContent(key: BudgetItemKey): Promise<Record<string, unknown> | undefined> {
    const id = `${key.accountId}/${key.budgetName}`;
    return this.deleted.has(id)
      ? undefined
      : (this.contents.get(id) ?? budgetItem({ accountId: key.accountId, budgetName: key.budgetName }));
  }
  async readState(key: BudgetItemKey): Promise<ItemSystemState> {
    const id = `${key.accountId}/${key.budgetName}`;
    if (this.deleted.has(id)) return { exists: false };
    const delivered = this.delivered.get(id);
    return { exists: true, ...(delivered ? { delivered } : {}) };
  }
}

/** A spoke's APPLIED report of `revision`, as held on the item before its delivery was recorded. */
function heldReport(revision: string, message: string): SyncStatus {
  return { status: 'APPLIED', stage: 'apply', message, revision, updatedAt: '2026-11-23T11:00:00.000Z' };
}

function setup() {
  const spokes = new FakeSpokes();
  const sync = new FakeTable();
  const alerts: { subject: string; message: string }[] = [];
  const deps: PropagateDeps = {
    spokeParameters: spokes,
    syncStatus: sync,
    alerts: {
      publish: async (subject, message) => {
        alerts.push({ subject, message });
      },
    },
    now: () => new Date('2026-11-23T12:00:00Z'),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { spokes, sync, alerts, deps };
}

const propagate = (record: Parameters<typeof budgetEditFromRecord>[0], deps: PropagateDeps) =>
  propagateBudgetEdit(budgetEditFromRecord(record), deps);

describe('propagateBudgetEdit', () => {
  it('leaves an organization default (OU or root item) to expand-org-defaults: nothing delivered, no status', async () => {
    const { spokes, sync, deps } = setup();
    const record = budgetItemRecord({ accountId: 'ou-ab12-cdef3456', budgetName: 'baseline', amount: 100 });

    const outcome = await propagate(record, deps);

    expect(outcome).toEqual({ result: 'ignored', reason: expect.stringContaining('organization default') });
    expect(spokes.calls).toEqual([]);
    expect(sync.writes).toEqual([]);
  });

  it('an opt-out deletes the budget’s parameter and says APPLIED; a bad opt-out is REJECTED and deletes nothing', async () => {
    const { spokes, sync, deps } = setup();
    await propagate(budgetItemRecord(budgetItem({ budgetName: 'baseline' }), { sequenceNumber: '10' }), deps);
    expect(spokes.parameter(undefined, 'baseline')).toBeDefined();

    const bad = await propagate(
      budgetItemRecord(
        { accountId: '111111111111', budgetName: 'baseline', optOut: true, amount: 5 },
        { sequenceNumber: '11' },
      ),
      deps,
    );
    expect(bad).toEqual({
      result: 'rejected',
      message: expect.stringContaining('"amount" not allowed on an opt-out item'),
    });
    expect(spokes.parameter(undefined, 'baseline')).toBeDefined();

    const outcome = await propagate(
      budgetItemRecord({ accountId: '111111111111', budgetName: 'baseline', optOut: true }, { sequenceNumber: '12' }),
      deps,
    );
    expect(outcome).toEqual({ result: 'deleted' });
    expect(spokes.parameter(undefined, 'baseline')).toBeUndefined();
    expect(sync.writes.at(-1)).toMatchObject({
      status: 'APPLIED',
      revision: '12',
      message: expect.stringMatching(/^opted out/),
    });
  });

  it('delivers a new item to its spoke with the record revision and writes DELIVERED', async () => {
    const { spokes, sync, deps } = setup();
    const record = budgetItemRecord(budgetItem({ amount: 500 }), { sequenceNumber: '100' });

    const outcome = await propagate(record, deps);

    expect(outcome).toEqual({ result: 'delivered', parameterRevision: '100' });
    expect(spokes.parameter()).toMatchObject({
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
    expect(sync.delivered.get('111111111111/research-compute')).toEqual({
      revision: '100',
      digest: parameterDigest(spokes.values.get('111111111111/research-compute') ?? ''),
      at: '2026-11-23T12:00:00.000Z',
    });
  });

  it('writes the report the spoke sent before the delivery was recorded over its own DELIVERED', async () => {
    const { sync, deps } = setup();
    const applied = heldReport('100', 'budget created');
    sync.held.set('111111111111/research-compute', applied);

    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '100' }), deps);

    expect(sync.writes.map((w) => w.status)).toEqual(['DELIVERED', 'APPLIED']);
    expect(sync.writes[1]).toMatchObject(applied);
    expect(sync.held.size).toBe(0);
  });

  it('drops a held report of another revision (the delivery takes it off the item, writes nothing of it)', async () => {
    const { sync, deps, alerts } = setup();
    sync.held.set('111111111111/research-compute', heldReport('90', 'older'));

    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '100' }), deps);

    expect(sync.writes.map((w) => w.status)).toEqual(['DELIVERED']);
    expect(sync.held.size).toBe(0);
    expect(alerts).toEqual([]);
  });

  it('tells the central team of a held report of a revision beyond the one delivered (made in the member account)', async () => {
    const { sync, deps, alerts } = setup();
    sync.held.set('111111111111/research-compute', heldReport('9'.repeat(38), 'forged'));

    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '100' }), deps);

    expect(sync.writes.map((w) => w.status)).toEqual(['DELIVERED']);
    expect(alerts).toEqual([
      expect.objectContaining({
        subject: 'org-budgets: 111111111111/research-compute: a report of a revision the hub never delivered',
        message: expect.stringContaining(`reported APPLIED for revision ${'9'.repeat(38)}`),
      }),
    ]);
  });

  it('ignores a change of only a held report (earlyReport, a system attribute)', () => {
    const record = budgetItemRecord(
      budgetItem({ earlyReport: { status: 'APPLIED', stage: 'apply', revision: 5, message: 'm', updatedAt: 't' } }),
      { oldImage: budgetItem() },
    );

    expect(budgetEditFromRecord(record).kind).toBe('sync-only');
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

    expect(spokes.parameter()).toMatchObject({ amount: 100, revision: '1' });
  });

  it('ignores a change of only the sync attribute (the loop guard)', async () => {
    const { spokes, sync, deps } = setup();
    const before = budgetItem({ sync: { status: 'DELIVERED', revision: 1 } });
    const after = budgetItem({ sync: { status: 'APPLIED', revision: 1 } });

    const outcome = await propagate(budgetItemRecord(after, { oldImage: before }), deps);

    expect(outcome).toEqual({ result: 'ignored', reason: 'only system attributes changed' });
    expect(spokes.calls).toEqual([]);
    expect(sync.writes).toEqual([]);
  });

  it('propagates a MODIFY that changes a budget attribute', async () => {
    const { spokes, deps } = setup();

    await propagate(budgetItemRecord(budgetItem({ amount: 200 }), { oldImage: budgetItem({ amount: 100 }) }), deps);

    expect(spokes.parameter()).toMatchObject({ amount: 200 });
  });

  it('never overwrites a newer delivery with a stale record (the item says what was delivered)', async () => {
    const { spokes, sync, deps } = setup();
    await propagate(budgetItemRecord(budgetItem({ amount: 300 }), { sequenceNumber: '20' }), deps);

    const outcome = await propagate(budgetItemRecord(budgetItem({ amount: 100 }), { sequenceNumber: '19' }), deps);

    expect(outcome).toEqual({ result: 'stale', deliveredRevision: '20' });
    expect(spokes.parameter()).toMatchObject({ amount: 300, revision: '20' });
    expect(sync.writes).toHaveLength(1);
  });

  it('delivers whatever revision the spoke claims: a forged 38-digit revision locks nothing', async () => {
    const { spokes, alerts, deps } = setup();
    await propagate(budgetItemRecord(budgetItem({ amount: 100 }), { sequenceNumber: '20' }), deps);
    const forged = { ...spokes.parameter(), amount: 1, revision: '9'.repeat(38) };
    spokes.values.set('111111111111/research-compute', JSON.stringify(forged));

    const outcome = await propagate(
      budgetItemRecord(budgetItem({ amount: 200 }), { oldImage: budgetItem({ amount: 100 }), sequenceNumber: '21' }),
      deps,
    );

    expect(outcome).toEqual({ result: 'delivered', parameterRevision: '21' });
    expect(spokes.parameter()).toMatchObject({ amount: 200, revision: '21' });
    expect(alerts).toEqual([
      {
        subject: 'org-budgets: parameter changed in account 111111111111',
        message: expect.stringContaining(`claims revision ${'9'.repeat(38)}`) as string,
      },
    ]);
  });

  it('knows what it delivered from the old image when finance replaced the whole item (the console’s put)', async () => {
    const { spokes, sync, alerts, deps } = setup();
    await propagate(budgetItemRecord(budgetItem({ amount: 100 }), { sequenceNumber: '20' }), deps);
    const delivered = sync.delivered.get('111111111111/research-compute');
    sync.delivered.clear(); // the put dropped `delivered`
    spokes.values.set('111111111111/research-compute', JSON.stringify({ ...spokes.parameter(), amount: 1 }));

    await propagate(
      budgetItemRecord(budgetItem({ amount: 200 }), {
        oldImage: budgetItem({ amount: 100, delivered: { ...delivered, revision: 20 } }),
        sequenceNumber: '21',
      }),
      deps,
    );

    expect(spokes.parameter()).toMatchObject({ amount: 200, revision: '21' });
    expect(alerts).toHaveLength(1);
  });

  it('replaces a parameter that claims the delivered revision but holds other content, and says so', async () => {
    const { spokes, alerts, deps } = setup();
    const record = budgetItemRecord(budgetItem({ amount: 100 }), { sequenceNumber: '20' });
    await propagate(record, deps);
    spokes.values.set('111111111111/research-compute', JSON.stringify({ ...spokes.parameter(), amount: 99999 }));

    const outcome = await propagate(record, deps);

    expect(outcome).toEqual({ result: 'delivered', parameterRevision: '20' });
    expect(spokes.parameter()).toMatchObject({ amount: 100 });
    expect(alerts).toHaveLength(1);
  });

  it('skips an edit of an item deleted since (its removal follows in the stream)', async () => {
    const { spokes, sync, deps } = setup();
    sync.deleted.add('111111111111/research-compute');

    const outcome = await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '22' }), deps);

    expect(outcome).toEqual({ result: 'superseded' });
    // Only the read made beside the item's state (unused): nothing written or deleted.
    expect(spokes.calls).toEqual(['get 111111111111/research-compute']);
  });

  it('records the delivery failure when the read of what the spoke holds fails', async () => {
    const { spokes, sync, deps } = setup();
    spokes.failWith = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });

    await expect(propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '23' }), deps)).rejects.toThrow(
      'not authorized',
    );
    expect(sync.writes.at(-1)).toMatchObject({ status: 'FAILED', stage: 'deliver' });
  });

  it('leaves a failed read of what the spoke holds unheard when the item is gone', async () => {
    const { spokes, sync, deps } = setup();
    sync.deleted.add('111111111111/research-compute');
    spokes.failWith = new Error('throttled');

    await expect(propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '24' }), deps)).resolves.toEqual({
      result: 'superseded',
    });
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
    spokes.values.set('111111111111/research-compute', 'not json');

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
    const table = new FakeTable();
    table.write = () => Promise.reject(new Error('table unavailable'));
    deps.syncStatus = table;

    await expect(propagate(budgetItemRecord(budgetItem()), deps)).rejects.toThrow('throttled');
  });

  it('deletes the parameter when the item is removed', async () => {
    const { spokes, sync, deps } = setup();
    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '50' }), deps);
    sync.deleted.add('111111111111/research-compute');

    const outcome = await propagate(removeRecord(budgetItem(), '51'), deps);

    expect(outcome).toEqual({ result: 'deleted' });
    expect(spokes.values.size).toBe(0);
  });

  it('does not delete the parameter of an item created again since the removal', async () => {
    const { spokes, deps } = setup();
    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '61' }), deps);

    const outcome = await propagate(removeRecord(budgetItem(), '60'), deps);

    expect(outcome).toEqual({ result: 'superseded' });
    expect(spokes.values.size).toBe(1);
  });

  it('deletes the parameter when the item was created again but invalid (it has no last good budget)', async () => {
    const { spokes, sync, deps } = setup();
    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '64' }), deps);
    sync.contents.set('111111111111/research-compute', budgetItem({ amount: -1 }));

    await expect(propagate(removeRecord(budgetItem(), '65'), deps)).resolves.toEqual({ result: 'deleted' });
    expect(spokes.values.size).toBe(0);
  });

  it('deletes the parameter whatever revision the spoke claims', async () => {
    const { spokes, sync, deps } = setup();
    await propagate(budgetItemRecord(budgetItem(), { sequenceNumber: '62' }), deps);
    spokes.values.set(
      '111111111111/research-compute',
      JSON.stringify({ ...spokes.parameter(), revision: '9'.repeat(38) }),
    );
    sync.deleted.add('111111111111/research-compute');

    await expect(propagate(removeRecord(budgetItem(), '63'), deps)).resolves.toEqual({ result: 'deleted' });
    expect(spokes.values.size).toBe(0);
  });

  it('treats the removal of an item with no parameter as done', async () => {
    const { sync, deps } = setup();
    sync.deleted.add('111111111111/research-compute');

    await expect(propagate(removeRecord(budgetItem()), deps)).resolves.toEqual({ result: 'already-absent' });
  });

  it('does not reach for the spoke of an account that left the organization, and tells the central team', async () => {
    const { spokes, alerts, deps } = setup();
    spokes.values.set('111111111111/research-compute', JSON.stringify(spokes.parameter()));
    const reason = 'account 111111111111 is no longer a member of the organization';

    const outcome = await propagate(
      removeRecord(budgetItem({ inheritedFrom: 'ou-ab12-cd34ef56', outOfReach: reason })),
      deps,
    );

    expect(outcome).toEqual({ result: 'out-of-reach', reason });
    expect(spokes.values.size).toBe(1);
    expect(alerts).toEqual([
      {
        subject: 'org-budgets: 111111111111/research-compute removed, account out of reach',
        message: expect.stringContaining('/org-budgets/budgets/research-compute and its AWS Budget stay there'),
      },
    ]);
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

  it('fails clearly on a sequence number longer than a DynamoDB number holds', () => {
    const record = budgetItemRecord(budgetItem(), { sequenceNumber: '1'.repeat(39) });

    expect(() => budgetEditFromRecord(record)).toThrow(RevisionTooLongError);
  });

  it('ignores a change of only delivered and repair (system attributes)', () => {
    const record = budgetItemRecord(budgetItem({ delivered: { revision: 2, digest: 'b' }, repair: { attempts: 1 } }), {
      oldImage: budgetItem({ delivered: { revision: 1, digest: 'a' } }),
    });

    expect(budgetEditFromRecord(record).kind).toBe('sync-only');
  });

  it('ignores a change of only editedBy (the command line marks an item before deleting it)', () => {
    const record = budgetItemRecord(
      budgetItem({ editedBy: { by: 'arn:b', via: 'org-budgets CLI', action: 'delete' } }),
      {
        oldImage: budgetItem({ editedBy: { by: 'arn:a', via: 'org-budgets CLI' } }),
      },
    );

    expect(budgetEditFromRecord(record).kind).toBe('sync-only');
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
    expect(spokes.parameter()).toMatchObject({ revision: '90' });
  });

  it('propagates a second PENDING request for an item still PENDING (the reconciler asks again)', async () => {
    const { deps } = setup();
    const before = budgetItem({ sync: { status: 'PENDING', revision: 1, updatedAt: '2026-11-23T10:00:00Z' } });
    const after = budgetItem({ sync: { status: 'PENDING', revision: 1, updatedAt: '2026-11-23T10:30:00Z' } });

    const outcome = await propagate(budgetItemRecord(after, { oldImage: before, sequenceNumber: '91' }), deps);

    expect(outcome.result).toBe('delivered');
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
