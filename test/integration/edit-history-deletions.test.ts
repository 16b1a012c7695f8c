import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startMotoServer, type MotoServer } from '@org-budgets/aws-emulator';
import {
  createEditHistoryStore,
  findDeletionRevision,
  queryEditHistory,
  readEditHistoryEntryAt,
  type EditHistoryEntry,
  type EditHistoryStore,
} from '@org-budgets/aws';

// The outcomes of deletions on moto's DynamoDB, with the keys of HistoryTable in
// services/hub/serverless.yml: what a member account's report may write (its own deletion's
// outcome) and what it may not (an entry, an edit's outcome, over its DELETED).
let moto: MotoServer;
let dynamodb: DynamoDBClient;
let store: EditHistoryStore;
const TABLE = 'org-budgets-it-history';
const key = { accountId: '111111111111', budgetName: 'research' };

function entry(revision: string, kind: EditHistoryEntry['kind']): Omit<EditHistoryEntry, 'outcome'> {
  return { ...key, revision, kind, at: '2026-12-03T14:00:00.000Z', changes: [], expiresAt: 1830000000 };
}

const spokeDeleted = {
  status: 'DELETED' as const,
  stage: 'apply' as const,
  message: 'budget research deleted in account 111111111111',
  at: '2026-12-03T14:00:05.000Z',
};
const spokeFailed = { ...spokeDeleted, status: 'FAILED' as const, message: 'could not delete the budget: denied' };
const hubDelivered = {
  status: 'DELIVERED' as const,
  stage: 'deliver' as const,
  message: "the hub deleted the budget's parameter",
  at: '2026-12-03T14:00:01.000Z',
};

beforeAll(async () => {
  moto = await startMotoServer();
  dynamodb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  store = createEditHistoryStore(dynamodb, TABLE);
}, 60_000);

beforeEach(async () => {
  await moto.reset();
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'itemKey', AttributeType: 'S' },
        { AttributeName: 'revision', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'itemKey', KeyType: 'HASH' },
        { AttributeName: 'revision', KeyType: 'RANGE' },
      ],
    }),
  );
  // Created (100), applied; deleted (200); created again (300), applied; deleted again (400).
  for (const [revision, kind] of [
    ['100', 'created'],
    ['200', 'deleted'],
    ['300', 'created'],
    ['400', 'deleted'],
  ] as const) {
    await store.recordEdit(entry(revision, kind));
  }
  await store.recordOutcome(key, '100', { ...spokeDeleted, status: 'APPLIED', sequence: '101' });
  await store.recordOutcome(key, '300', { ...spokeDeleted, status: 'APPLIED', sequence: '301' });
});

afterAll(async () => {
  dynamodb?.destroy();
  await moto?.stop();
});

const outcomeAt = async (revision: string) => (await readEditHistoryEntryAt(dynamodb, TABLE, key, revision))?.outcome;

describe('deletion outcomes in the edit history (moto)', () => {
  it('writes the spoke’s DELETED onto the newest deletion after the revision it had applied', async () => {
    await expect(store.recordSpokeDeletionOutcome(key, '300', spokeDeleted)).resolves.toEqual({
      result: 'written',
      revision: '400',
    });

    expect(await outcomeAt('400')).toMatchObject({ status: 'DELETED', stage: 'apply', message: spokeDeleted.message });
    expect(await outcomeAt('200')).toBeUndefined();
  });

  it('finds the oldest deletion after a revision for the command line, and none after the last', async () => {
    await expect(findDeletionRevision(dynamodb, TABLE, key, '150', 'oldest')).resolves.toBe('200');
    await expect(findDeletionRevision(dynamodb, TABLE, key, '250', 'oldest')).resolves.toBe('400');
    await expect(findDeletionRevision(dynamodb, TABLE, key, '400', 'oldest')).resolves.toBeUndefined();
  });

  it('lets the spoke’s DELETED replace its FAILED and the hub’s DELIVERED, but nothing replace its DELETED', async () => {
    await expect(store.recordHubDeletionOutcome(key, '400', hubDelivered)).resolves.toBe('written');
    await store.recordSpokeDeletionOutcome(key, '300', spokeFailed);
    expect(await outcomeAt('400')).toMatchObject({ status: 'FAILED', stage: 'apply' });

    await store.recordSpokeDeletionOutcome(key, '300', spokeDeleted);
    await expect(store.recordSpokeDeletionOutcome(key, '300', spokeFailed)).resolves.toEqual({
      result: 'superseded',
      revision: '400',
    });
    await expect(store.recordHubDeletionOutcome(key, '400', hubDelivered)).resolves.toBe('superseded');

    expect(await outcomeAt('400')).toMatchObject({ status: 'DELETED', stage: 'apply' });
  });

  it('never lets the hub’s outcome replace the spoke’s FAILED either', async () => {
    await store.recordSpokeDeletionOutcome(key, '300', spokeFailed);

    await expect(store.recordHubDeletionOutcome(key, '400', hubDelivered)).resolves.toBe('superseded');
    expect(await outcomeAt('400')).toMatchObject({ status: 'FAILED', stage: 'apply' });
  });

  it('makes no entry and touches no edit’s outcome, whatever revision a report names', async () => {
    const before = await queryEditHistory(dynamodb, TABLE, key);

    // After the last deletion: nothing to write onto.
    await expect(store.recordSpokeDeletionOutcome(key, '400', spokeDeleted)).resolves.toEqual({ result: 'no-entry' });
    // The hub's own outcome names a revision: only a deletion's entry takes it.
    await expect(store.recordHubDeletionOutcome(key, '300', hubDelivered)).resolves.toBe('superseded');
    await expect(store.recordHubDeletionOutcome(key, '350', hubDelivered)).resolves.toBe('superseded');
    // Another item of the same account has no deletion at all.
    await expect(store.recordSpokeDeletionOutcome({ ...key, budgetName: 'other' }, '0', spokeDeleted)).resolves.toEqual(
      { result: 'no-entry' },
    );

    expect(await queryEditHistory(dynamodb, TABLE, key)).toEqual(before);
    expect(await queryEditHistory(dynamodb, TABLE, { ...key, budgetName: 'other' })).toEqual([]);
  });
});
