import { CreateTableCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { parseBatchJobEvent, type GuardianState } from '@org-budgets/guardian';
import { startMotoServer, type MotoServer } from '@org-budgets/aws-emulator';
import { fargateJobEvent } from '@org-budgets/guardian/testing';
import {
  ACTIVITY_INDEX,
  ACTIVITY_SHARDS,
  createGuardianLedger,
  createGuardianWatches,
  FINISHED_READ_CONCURRENCY,
  StateWriteConflictError,
  type GuardianLedger,
} from '@org-budgets/aws';

// The guardian ledger on moto's DynamoDB: the same keys and index as GuardianLedgerTable in
// services/spoke/serverless.yml.
let moto: MotoServer;
let dynamodb: DynamoDBClient;
let ledger: GuardianLedger;
const TABLE = 'guardian-ledger-it';
/** The ledger's clock: when it records a write. */
let clockNow = Date.parse('2026-11-23T12:00:00Z');

beforeAll(async () => {
  moto = await startMotoServer();
  dynamodb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'activity', AttributeType: 'S' },
        { AttributeName: 'activityAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: ACTIVITY_INDEX,
          KeySchema: [
            { AttributeName: 'activity', KeyType: 'HASH' },
            { AttributeName: 'activityAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  ledger = createGuardianLedger(dynamodb, TABLE, () => clockNow);
});

afterAll(async () => {
  dynamodb?.destroy();
  await moto?.stop();
});

const t = (iso: string) => Date.parse(iso);

describe('the guardian ledger on DynamoDB', () => {
  it('merges repeated, late and concurrent events of a job into one record', async () => {
    const jobId = 'aaaaaaaa-0000-4000-8000-000000000001';
    const running = fargateJobEvent({
      jobId,
      status: 'RUNNING',
      time: '2026-11-23T10:01:00Z',
      startedAt: t('2026-11-23T10:01:00Z'),
    });
    const starting = fargateJobEvent({ jobId, status: 'STARTING', time: '2026-11-23T10:00:30Z' });
    const succeeded = fargateJobEvent({
      jobId,
      status: 'SUCCEEDED',
      time: '2026-11-23T11:00:00Z',
      startedAt: t('2026-11-23T10:01:00Z'),
      stoppedAt: t('2026-11-23T11:00:00Z'),
      attempts: [{ startedAt: t('2026-11-23T10:01:00Z'), stoppedAt: t('2026-11-23T11:00:00Z') }],
    });
    // Succeeded first, the others late and at the same time, one of them twice.
    expect(await ledger.recordObservation(parseBatchJobEvent(succeeded))).toBe(true);
    const results = await Promise.all(
      [running, starting, running].map((event) => ledger.recordObservation(parseBatchJobEvent(event))),
    );
    expect(results.filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(await ledger.recordObservation(parseBatchJobEvent(succeeded))).toBe(false);

    const [job] = (await ledger.jobsFinishedSince(new Date('2026-11-23T11:59:00Z'), new Date('2026-11-23T12:00:00Z')))
      .map((f) => f.job)
      .filter((j) => j.jobId === jobId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', stoppedAt: t('2026-11-23T11:00:00Z') });
    // STARTING seen: billing counts from the image pull, 10:00:30.
    expect(job?.currentRun?.since).toBe(t('2026-11-23T10:00:30Z'));
  });

  it('finds unfinished jobs, and finished jobs by when their finish was recorded, across days', async () => {
    const event = (jobId: string, status: string, stoppedAt?: string) =>
      parseBatchJobEvent(
        fargateJobEvent({
          jobId,
          status,
          time: stoppedAt ?? '2026-11-20T08:00:00Z',
          startedAt: t('2026-11-20T08:00:00Z'),
          ...(stoppedAt ? { stoppedAt: t(stoppedAt) } : {}),
        }),
      );
    const recordAt = async (iso: string, observation: ReturnType<typeof event>) => {
      clockNow = t(iso);
      await ledger.recordObservation(observation);
    };
    await recordAt('2026-11-20T08:00:05Z', event('bbbbbbbb-0000-4000-8000-000000000001', 'RUNNING'));
    await recordAt(
      '2026-11-21T23:59:02Z',
      event('bbbbbbbb-0000-4000-8000-000000000002', 'SUCCEEDED', '2026-11-21T23:59:00Z'),
    );
    await recordAt(
      '2026-11-22T00:30:01Z',
      event('bbbbbbbb-0000-4000-8000-000000000003', 'FAILED', '2026-11-22T00:30:00Z'),
    );
    await recordAt(
      '2026-11-21T10:00:01Z',
      event('bbbbbbbb-0000-4000-8000-000000000004', 'SUCCEEDED', '2026-11-21T10:00:00Z'),
    );
    // Stopped long ago, but its final event came late: recorded now, so a run reading from now finds it.
    await recordAt(
      '2026-11-22T05:00:00Z',
      event('bbbbbbbb-0000-4000-8000-000000000005', 'SUCCEEDED', '2026-11-20T09:00:00Z'),
    );

    const ours = (ids: string[]) => ids.filter((id) => id.startsWith('bbbbbbbb')).sort();
    expect(ours((await ledger.activeJobs()).map((j) => j.jobId))).toEqual(['bbbbbbbb-0000-4000-8000-000000000001']);
    const finished = await ledger.jobsFinishedSince(new Date('2026-11-21T12:00:00Z'), new Date('2026-11-22T06:00:00Z'));
    expect(ours(finished.map((f) => f.job.jobId))).toEqual([
      'bbbbbbbb-0000-4000-8000-000000000002',
      'bbbbbbbb-0000-4000-8000-000000000003',
      'bbbbbbbb-0000-4000-8000-000000000005',
    ]);
    expect(finished.find((f) => f.job.jobId.endsWith('5'))?.recordedAt).toBe(t('2026-11-22T05:00:00Z'));
  });

  it('reads finished jobs over a long window with a bounded number of index queries at once', async () => {
    // A window of two months is 61 days × 8 shards of the index: all at once, they would exhaust
    // the client's sockets (on the local cloud, an annual budget's first run failed on connection timeouts).
    let inFlight = 0;
    let most = 0;
    let queries = 0;
    const counting = new Proxy(dynamodb, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
        return async (command: Parameters<DynamoDBClient['send']>[0]) => {
          const query = command instanceof QueryCommand;
          if (query) {
            queries += 1;
            inFlight += 1;
            most = Math.max(most, inFlight);
          }
          try {
            return await target.send(command);
          } finally {
            if (query) inFlight -= 1;
          }
        };
      },
    });
    const reader = createGuardianLedger(counting, TABLE, () => clockNow);

    const finished = await reader.jobsFinishedSince(new Date('2026-09-23T00:00:00Z'), new Date('2026-11-22T06:00:00Z'));

    expect(
      finished
        .map((f) => f.job.jobId)
        .filter((id) => id.startsWith('bbbbbbbb'))
        .sort(),
    ).toEqual([
      'bbbbbbbb-0000-4000-8000-000000000002',
      'bbbbbbbb-0000-4000-8000-000000000003',
      'bbbbbbbb-0000-4000-8000-000000000004',
      'bbbbbbbb-0000-4000-8000-000000000005',
    ]);
    expect(queries).toBe(61 * ACTIVITY_SHARDS);
    expect(most).toBe(FINISHED_READ_CONCURRENCY);
  });

  it('saves a guardian state only over the version it read', async () => {
    const state: GuardianState = {
      periodStart: '2026-11-01T00:00:00.000Z',
      budgetAmount: 100,
      disableQueuesAt: 80,
      episode: 1,
      over: true,
      heldQueues: [],
      terminationRequests: [],
      notices: [],
    };
    expect(await ledger.saveState('research', state, undefined)).toBe(1);
    await expect(ledger.saveState('research', state, undefined)).rejects.toThrow(StateWriteConflictError);
    expect(await ledger.saveState('research', { ...state, episode: 2 }, 1)).toBe(2);
    await expect(ledger.saveState('research', state, 1)).rejects.toThrow(StateWriteConflictError);
    expect(await ledger.getState('research')).toEqual({ state: { ...state, episode: 2 }, version: 2 });
    expect(await ledger.budgetsWithState()).toEqual(['research']);
    await expect(ledger.deleteState('research', 1)).rejects.toThrow(StateWriteConflictError);
    await ledger.deleteState('research', 2);
    expect(await ledger.getState('research')).toBeUndefined();
  });

  it('keeps the watches in one item, and debounces check requests without dropping one', async () => {
    const watches = createGuardianWatches(dynamodb, TABLE);
    const watch = {
      estimate: 79,
      at: '2026-11-23T12:00:00.000Z',
      level: 'BELOW' as const,
      disableAt: 80,
      terminateAt: 100,
      coverage: { queues: ['research-a'] },
      runningRate: 2.5,
    };
    await watches.save('research', watch);
    await watches.save('ops', { ...watch, estimate: 10, coverage: {} });
    expect([...(await watches.read()).entries()]).toEqual(
      expect.arrayContaining([
        ['research', watch],
        ['ops', { ...watch, estimate: 10, coverage: {} }],
      ]),
    );

    const at = (iso: string) => new Date(iso);
    // At once; within the window, once more at its end; then nothing until the window is over.
    expect(await watches.claimCheck('research', at('2026-11-23T12:00:00Z'), 10_000)).toEqual({ delaySeconds: 0 });
    expect(await watches.claimCheck('research', at('2026-11-23T12:00:01Z'), 10_000)).toEqual({ delaySeconds: 10 });
    expect(await watches.claimCheck('research', at('2026-11-23T12:00:05Z'), 10_000)).toBeUndefined();
    expect(await watches.claimCheck('ops', at('2026-11-23T12:00:05Z'), 10_000)).toEqual({ delaySeconds: 0 });
    expect(await watches.claimCheck('research', at('2026-11-23T12:00:12Z'), 10_000)).toEqual({ delaySeconds: 0 });

    await watches.remove('research');
    expect([...(await watches.read()).keys()]).toEqual(['ops']);
  });
});
