import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamFailureRecord } from './failure-records';
import type { InvokeResult } from './function-container';
import { StreamMappingPoller, type StreamMappingConfig } from './stream-mapping-poller';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/budgets/stream/2026-11-23T00:00:00.000';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:propagate';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:hub-dlq';
const NOW = new Date('2026-11-23T12:00:00Z');

/** A stream record with sequence number `seq`; `fail` tells the fake function what to do with it. */
function streamRecord(
  seq: number,
  options: { fail?: 'report' | 'throw'; ageSeconds?: number; name?: string } = {},
): DynamoDBRecord {
  return {
    eventID: `event-${seq}`,
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: NOW.getTime() / 1000 - (options.ageSeconds ?? 1),
      SequenceNumber: String(1000 + seq),
      Keys: { accountId: { S: '111111111111' }, budgetName: { S: options.name ?? `b${seq}` } },
      NewImage: {
        budgetName: { S: options.name ?? `b${seq}` },
        ...(options.fail ? { fail: { S: options.fail } } : {}),
      },
    },
  };
}

const seqOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? '';

/** The function under the mapping: throws for a `throw` record, reports `report` records as failed. */
function fakeFunction(options: { badIdentifier?: boolean } = {}) {
  const batches: string[][] = [];
  let n = 0;
  const invoke = async (event: DynamoDBStreamEvent): Promise<InvokeResult> => {
    n += 1;
    const requestId = `request-${n}`;
    batches.push(event.Records.map(seqOf));
    const fails = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.['fail']?.S;
    if (event.Records.some((record) => fails(record) === 'throw')) {
      return {
        ok: false,
        requestId,
        error: { errorType: 'Error', errorMessage: 'boom', trace: [] },
        durationMs: 1,
        coldStart: false,
      };
    }
    const failed = event.Records.filter((record) => fails(record) === 'report');
    const batchItemFailures = failed.map((record) => ({ itemIdentifier: options.badIdentifier ? '' : seqOf(record) }));
    return { ok: true, requestId, payload: { batchItemFailures }, durationMs: 1, coldStart: false };
  };
  return { batches, invoke };
}

function poller(records: DynamoDBRecord[], config: Partial<StreamMappingConfig> = {}, fn = fakeFunction()) {
  const sent: { arn: string; record: StreamFailureRecord }[] = [];
  let pending = [...records];
  const created = new StreamMappingPoller(
    {
      uuid: 'mapping-1',
      functionArn: FUNCTION_ARN,
      streamArn: STREAM_ARN,
      batchSize: 100,
      maximumRetryAttempts: 2,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: true,
      filterPatterns: [],
      onFailureDestination: DLQ,
      ...config,
    },
    {
      read: async (max) => {
        const out = pending.slice(0, max);
        pending = pending.slice(max);
        return out;
      },
      invoke: fn.invoke,
      sendToDestination: async (arn, record) => {
        sent.push({ arn, record });
      },
      shardOf: () => 'shardId-0001',
      now: () => NOW,
    },
  );
  return { poller: created, sent, batches: fn.batches };
}

function balanced(stats: StreamMappingPoller['stats']): boolean {
  return stats.recordsIn === stats.filtered + stats.processed + stats.deadLettered + stats.discarded + stats.pending;
}

describe('StreamMappingPoller', () => {
  it('sends records in order, in batches of at most BatchSize', async () => {
    const { poller: p, batches } = poller(
      [1, 2, 3, 4, 5].map((n) => streamRecord(n)),
      { batchSize: 2 },
    );

    await p.drain();

    expect(batches).toEqual([['1001', '1002'], ['1003', '1004'], ['1005']]);
    expect(p.stats).toMatchObject({ recordsIn: 5, processed: 5, pending: 0, invocations: 3 });
  });

  it('drops records that match none of the filter criteria, and counts them', async () => {
    const { poller: p, batches } = poller([streamRecord(1, { name: 'keep' }), streamRecord(2, { name: 'skip' })], {
      filterPatterns: [JSON.stringify({ dynamodb: { NewImage: { budgetName: { S: ['keep'] } } } })],
    });

    await p.drain();

    expect(batches).toEqual([['1001']]);
    expect(p.stats).toMatchObject({ recordsIn: 2, filtered: 1, processed: 1 });
    expect(balanced(p.stats)).toBe(true);
  });

  it('on a partial batch failure checkpoints before the lowest failed record and retries from it', async () => {
    const records = [
      streamRecord(1),
      streamRecord(2),
      streamRecord(3, { fail: 'report' }),
      streamRecord(4),
      streamRecord(5, { fail: 'report' }),
    ];
    const fn = fakeFunction();
    let calls = 0;
    const healing = async (event: DynamoDBStreamEvent) => {
      calls += 1;
      // The failure goes away after the first attempt (a throttled spoke, say).
      if (calls > 1) for (const record of event.Records) delete record.dynamodb?.NewImage?.['fail'];
      return fn.invoke(event);
    };
    const { poller: p } = poller(records, {}, { batches: fn.batches, invoke: healing });

    await p.drain();

    expect(fn.batches).toEqual([
      ['1001', '1002', '1003', '1004', '1005'],
      ['1003', '1004', '1005'],
    ]);
    expect(p.stats).toMatchObject({ processed: 5, partialFailures: 1, deadLettered: 0 });
  });

  it('gives up after MaximumRetryAttempts and sends Lambda’s failure record for the records from the failed one on', async () => {
    const records = [streamRecord(1), streamRecord(2), streamRecord(3, { fail: 'report' }), streamRecord(4)];
    const { poller: p, sent, batches } = poller(records, { maximumRetryAttempts: 2 });

    await p.drain();

    expect(batches).toEqual([
      ['1001', '1002', '1003', '1004'],
      ['1003', '1004'],
      ['1003', '1004'],
    ]);
    expect(sent).toEqual([
      {
        arn: DLQ,
        record: {
          requestContext: {
            requestId: 'request-3',
            functionArn: FUNCTION_ARN,
            condition: 'RetryAttemptsExhausted',
            approximateInvokeCount: 3,
          },
          responseContext: { statusCode: 200, executedVersion: '$LATEST' },
          version: '1.0',
          timestamp: NOW.toISOString(),
          DDBStreamBatchInfo: {
            shardId: 'shardId-0001',
            startSequenceNumber: '1003',
            endSequenceNumber: '1004',
            approximateArrivalOfFirstRecord: '2026-11-23T11:59:59Z',
            approximateArrivalOfLastRecord: '2026-11-23T11:59:59Z',
            batchSize: 2,
            streamArn: STREAM_ARN,
          },
        },
      },
    ]);
    expect(p.stats).toMatchObject({ recordsIn: 4, processed: 2, deadLettered: 2, pending: 0 });
  });

  it('bisects a batch whose invocation failed, without spending retries, down to the bad record', async () => {
    const records = [streamRecord(1), streamRecord(2), streamRecord(3, { fail: 'throw' }), streamRecord(4)];
    const { poller: p, sent, batches } = poller(records, { bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 });

    await p.drain();

    expect(batches).toEqual([
      ['1001', '1002', '1003', '1004'],
      ['1001', '1002'],
      ['1003', '1004'],
      ['1003'],
      ['1003'],
      ['1004'],
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      responseContext: { functionError: 'Unhandled' },
      DDBStreamBatchInfo: { startSequenceNumber: '1003', endSequenceNumber: '1003', batchSize: 1 },
    });
    expect(p.stats).toMatchObject({ processed: 3, deadLettered: 1, bisections: 2, failedInvocations: 4 });
  });

  it('retries the whole batch when the function throws and bisecting is off', async () => {
    const records = [streamRecord(1), streamRecord(2, { fail: 'throw' })];
    const { poller: p, batches } = poller(records, { maximumRetryAttempts: 1 });

    await p.drain();

    expect(batches).toEqual([
      ['1001', '1002'],
      ['1001', '1002'],
    ]);
    expect(p.stats).toMatchObject({ processed: 0, deadLettered: 2 });
  });

  it('treats a response with an empty itemIdentifier as a failure of the whole batch', async () => {
    const records = [streamRecord(1), streamRecord(2, { fail: 'report' })];
    const { poller: p, batches } = poller(records, { maximumRetryAttempts: 0 }, fakeFunction({ badIdentifier: true }));

    await p.drain();

    expect(batches).toEqual([['1001', '1002']]);
    expect(p.stats).toMatchObject({ processed: 0, deadLettered: 2, failedInvocations: 1 });
  });

  it('ignores batchItemFailures when the mapping does not ReportBatchItemFailures', async () => {
    const { poller: p } = poller([streamRecord(1, { fail: 'report' })], { reportBatchItemFailures: false });

    await p.drain();

    expect(p.stats).toMatchObject({ processed: 1, deadLettered: 0 });
  });

  it('gives up on records older than MaximumRecordAgeInSeconds before invoking', async () => {
    const {
      poller: p,
      sent,
      batches,
    } = poller([streamRecord(1, { ageSeconds: 120 }), streamRecord(2)], {
      maximumRecordAgeInSeconds: 60,
    });

    await p.drain();

    expect(batches).toEqual([['1002']]);
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      DDBStreamBatchInfo: { startSequenceNumber: '1001', batchSize: 1 },
    });
    expect(sent[0]?.record.responseContext).toBeUndefined();
  });

  it('without a destination keeps and counts the records it gives up on', async () => {
    const { poller: p } = poller([streamRecord(1, { fail: 'throw' })], {
      onFailureDestination: undefined,
      maximumRetryAttempts: 0,
    });

    await p.drain();

    expect(p.stats).toMatchObject({ discarded: 1, deadLettered: 0 });
    expect(p.discardedRecords.map(seqOf)).toEqual(['1001']);
    expect(balanced(p.stats)).toBe(true);
  });

  it('keeps the failure record when the destination refuses it', async () => {
    const fn = fakeFunction();
    const p = new StreamMappingPoller(
      {
        uuid: 'm',
        functionArn: FUNCTION_ARN,
        streamArn: STREAM_ARN,
        batchSize: 10,
        maximumRetryAttempts: 0,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: false,
        reportBatchItemFailures: true,
        filterPatterns: [],
        onFailureDestination: DLQ,
      },
      {
        read: (() => {
          let done = false;
          return async () => (done ? [] : ((done = true), [streamRecord(1, { fail: 'throw' })]));
        })(),
        invoke: fn.invoke,
        sendToDestination: async () => {
          throw new Error('AWS.SimpleQueueService.NonExistentQueue');
        },
        shardOf: () => 'shardId-0001',
      },
    );

    await p.drain();

    expect(p.stats).toMatchObject({ deadLettered: 1, destinationErrors: 1 });
    expect(p.undeliverable[0]?.error).toContain('NonExistentQueue');
  });

  it('keeps records of different shards in different batches', async () => {
    const fn = fakeFunction();
    const p = new StreamMappingPoller(
      {
        uuid: 'm',
        functionArn: FUNCTION_ARN,
        streamArn: STREAM_ARN,
        batchSize: 10,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: false,
        reportBatchItemFailures: true,
        filterPatterns: [],
      },
      {
        read: (() => {
          let done = false;
          return async () => (done ? [] : ((done = true), [1, 2, 3, 4].map((n) => streamRecord(n))));
        })(),
        invoke: fn.invoke,
        sendToDestination: async () => undefined,
        shardOf: (seq) => (Number(seq) <= 1002 ? 'parent' : 'child'),
      },
    );

    await p.drain();

    expect(fn.batches).toEqual([
      ['1001', '1002'],
      ['1003', '1004'],
    ]);
  });
});
