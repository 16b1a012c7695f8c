import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { StreamReader } from '@org-budgets/local-lambda';
import { classifyRecord, SyncTimeoutError, SyncWatcher } from './sync-watcher';

type Image = Record<string, AttributeValue>;
const KEY = { accountId: '111111111111', budgetName: 'compute' };
const keys: Image = { accountId: { S: KEY.accountId }, budgetName: { S: KEY.budgetName } };
const sync = (status: string, revision: string): Image => ({
  sync: { M: { status: { S: status }, revision: { N: revision }, message: { S: `${status} ${revision}` } } },
});

function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  seq: string,
  newImage?: Image,
  oldImage?: Image,
): DynamoDBRecord {
  return {
    eventName,
    dynamodb: {
      Keys: keys,
      SequenceNumber: seq,
      ...(newImage ? { NewImage: { ...keys, ...newImage } } : {}),
      ...(oldImage ? { OldImage: { ...keys, ...oldImage } } : {}),
    },
  };
}

/** A reader that hands out what the test queues. */
function fakeReader(): StreamReader & { push(...records: DynamoDBRecord[]): void } {
  let queued: DynamoDBRecord[] = [];
  return {
    open: () => Promise.resolve(),
    readAvailable: () => {
      const out = queued;
      queued = [];
      return Promise.resolve(out);
    },
    close: () => undefined,
    push: (...records) => queued.push(...records),
  };
}

describe('classifyRecord', () => {
  it('tells edits, deletions and redelivery requests from the pipeline’s own sync writes', () => {
    const amount = (n: number): Image => ({ amount: { N: String(n) } });

    expect(classifyRecord(record('INSERT', '1', amount(5)))).toEqual({ kind: 'upsert', revision: '1' });
    expect(classifyRecord(record('MODIFY', '2', amount(6), amount(5)))).toEqual({ kind: 'upsert', revision: '2' });
    expect(classifyRecord(record('REMOVE', '3', undefined, amount(6)))).toEqual({ kind: 'remove', revision: '3' });
    expect(
      classifyRecord(
        record('MODIFY', '4', { ...amount(6), ...sync('APPLIED', '2') }, { ...amount(6), ...sync('DELIVERED', '2') }),
      ),
    ).toEqual({
      kind: 'sync',
      revision: '4',
      sync: { status: 'APPLIED', revision: '2', message: 'APPLIED 2' },
    });
    expect(
      classifyRecord(
        record('MODIFY', '5', { ...amount(6), ...sync('PENDING', '2') }, { ...amount(6), ...sync('FAILED', '2') }),
      ),
    ).toEqual({ kind: 'redeliver', revision: '5' });
  });
});

describe('SyncWatcher', () => {
  // Stopped after each test, also one that timed out (a finally block would not run then).
  const started: SyncWatcher[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((watcher) => watcher.stop()));
  });
  const start = async () => {
    const reader = fakeReader();
    const watcher = await SyncWatcher.start({
      // Never called: the fake reader stands in for the stream (an address nobody answers on).
      endpoint: 'http://192.0.2.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      tableName: 'org-budgets-test',
      reader,
      pollIntervalMs: 5,
    });
    started.push(watcher);
    return { reader, watcher };
  };

  it('resolves when the status of the latest edit’s revision arrives, not an older one’s', async () => {
    const { reader, watcher } = await start();
    reader.push(record('INSERT', '10', { amount: { N: '1' } }));
    const waiting = watcher.waitFor([KEY], { timeoutMs: 2000 });
    reader.push(
      record('MODIFY', '11', { amount: { N: '2' } }, { amount: { N: '1' } }),
      record('MODIFY', '12', { amount: { N: '2' }, ...sync('APPLIED', '10') }, { amount: { N: '2' } }),
    );
    await watcher.poll();
    reader.push(record('MODIFY', '13', { amount: { N: '2' }, ...sync('APPLIED', '11') }, { amount: { N: '2' } }));

    const outcome = (await waiting).get('111111111111/compute');

    expect(outcome).toMatchObject({ kind: 'upsert', revision: '11', status: 'APPLIED', message: 'APPLIED 11' });
    expect(watcher.item(KEY)?.statuses.map((s) => s.status)).toEqual(['APPLIED']);
  });

  it('ends a deletion when it is read, and names what is still open on a timeout', async () => {
    const { reader, watcher } = await start();
    const other = { accountId: '222222222222', budgetName: 'compute' };
    reader.push(record('REMOVE', '20', undefined, { amount: { N: '1' } }));

    await expect(watcher.waitFor([KEY], { timeoutMs: 1000 })).resolves.toEqual(
      new Map([['111111111111/compute', expect.objectContaining({ status: 'REMOVED', revision: '20' })]]),
    );
    const timeout = watcher.waitFor([other], { timeoutMs: 50 });
    await expect(timeout).rejects.toBeInstanceOf(SyncTimeoutError);
    await expect(timeout).rejects.toThrow('222222222222/compute: edit not seen on the stream');
  });

  it('rejects the waits still open when it stops', async () => {
    const { watcher } = await start();
    const waiting = watcher.waitFor([KEY], { timeoutMs: 60_000 });

    await watcher.stop();

    await expect(waiting).rejects.toThrow('the sync watcher was stopped');
  });
});
