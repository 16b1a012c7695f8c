import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseBatchJobEvent, type GuardianState } from '@org-budgets/guardian';
import { startMotoServer, type MotoServer } from '@org-budgets/aws-emulator';
import { fargateJobEvent } from '@org-budgets/guardian/testing';
import { ACTIVITY_INDEX, createGuardianLedger, StateWriteConflictError, type GuardianLedger } from '@org-budgets/aws';

// The guardian ledger on moto's DynamoDB: the same keys and index as GuardianLedgerTable in
// services/spoke/serverless.yml.
let moto: MotoServer;
let dynamodb: DynamoDBClient;
let ledger: GuardianLedger;
const TABLE = 'guardian-ledger-it';

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
  ledger = createGuardianLedger(dynamodb, TABLE);
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

    const [job] = (
      await ledger.jobsActiveSince(new Date('2026-11-23T10:30:00Z'), new Date('2026-11-23T12:00:00Z'))
    ).filter((j) => j.jobId === jobId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', stoppedAt: t('2026-11-23T11:00:00Z') });
    // STARTING seen: billing counts from the image pull, 10:00:30.
    expect(job?.currentRun?.since).toBe(t('2026-11-23T10:00:30Z'));
  });

  it('finds unfinished jobs and jobs stopped since a time, across days, and nothing older', async () => {
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
    await ledger.recordObservation(event('bbbbbbbb-0000-4000-8000-000000000001', 'RUNNING'));
    await ledger.recordObservation(event('bbbbbbbb-0000-4000-8000-000000000002', 'SUCCEEDED', '2026-11-21T23:59:00Z'));
    await ledger.recordObservation(event('bbbbbbbb-0000-4000-8000-000000000003', 'FAILED', '2026-11-22T00:30:00Z'));
    await ledger.recordObservation(event('bbbbbbbb-0000-4000-8000-000000000004', 'SUCCEEDED', '2026-11-21T10:00:00Z'));

    const found = await ledger.jobsActiveSince(new Date('2026-11-21T12:00:00Z'), new Date('2026-11-22T06:00:00Z'));
    const ids = found
      .map((j) => j.jobId)
      .filter((id) => id.startsWith('bbbbbbbb'))
      .sort();
    expect(ids).toEqual([
      'bbbbbbbb-0000-4000-8000-000000000001',
      'bbbbbbbb-0000-4000-8000-000000000002',
      'bbbbbbbb-0000-4000-8000-000000000003',
    ]);
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
});
