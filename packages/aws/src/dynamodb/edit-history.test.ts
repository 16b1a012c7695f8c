import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createEditHistoryStore, queryEditHistory } from './edit-history';

const ddb = mockClient(DynamoDBClient);
const key = { accountId: '111111111111', budgetName: 'team-a' };
const entry = {
  ...key,
  revision: '1100000000017454423009',
  kind: 'changed' as const,
  at: '2026-12-03T10:00:00.000Z',
  changes: [
    { attribute: 'amount', old: 1000, new: 1500 },
    { attribute: 'emails', new: new Set(['b@example.org', 'a@example.org']) },
  ],
  editedBy: 'arn:aws:sts::123456789012:assumed-role/Finance/alice (org-budgets CLI)',
  expiresAt: 1830000000,
};
const outcome = { status: 'APPLIED', stage: 'apply', message: 'ok', at: 't', sequence: '1100000000017454423012' };

beforeEach(() => ddb.reset());

describe('createEditHistoryStore', () => {
  it('writes an entry by item key and revision, values as JSON text, without touching its outcome', async () => {
    const store = createEditHistoryStore(new DynamoDBClient({}), 'history');

    await store.recordEdit(entry);

    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: 'history',
      Key: { itemKey: { S: '111111111111/team-a' }, revision: { N: '1100000000017454423009' } },
      ExpressionAttributeValues: expect.objectContaining({
        ':changes': {
          L: [
            { M: { attribute: { S: 'amount' }, old: { S: '1000' }, new: { S: '1500' } } },
            { M: { attribute: { S: 'emails' }, new: { S: '["a@example.org","b@example.org"]' } } },
          ],
        },
        ':editedBy': { S: entry.editedBy },
        ':expiresAt': { N: '1830000000' },
      }),
    });
    const update = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input.UpdateExpression ?? '';
    expect(update).not.toMatch(/outcome/);
  });

  it('writes an outcome only onto an existing entry, over an older one, never the hub’s over the spoke’s', async () => {
    const store = createEditHistoryStore(new DynamoDBClient({}), 'history');

    await expect(store.recordOutcome(key, entry.revision, outcome)).resolves.toBe('written');

    const condition = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input.ConditionExpression ?? '';
    expect(condition).toContain('attribute_exists(itemKey)');
    expect(condition).toContain('#outcome.#sequence < :sequence');
    expect(condition).toContain('#outcome.#stage <> :apply');
  });

  it('says superseded when the condition fails', async () => {
    ddb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    const store = createEditHistoryStore(new DynamoDBClient({}), 'history');

    await expect(store.recordOutcome(key, entry.revision, outcome)).resolves.toBe('superseded');
  });
});

describe('queryEditHistory', () => {
  it('reads every page, newest first, back into entries', async () => {
    const stored = {
      itemKey: { S: '111111111111/team-a' },
      revision: { N: entry.revision },
      accountId: { S: key.accountId },
      budgetName: { S: key.budgetName },
      kind: { S: 'changed' },
      at: { S: entry.at },
      changes: { L: [{ M: { attribute: { S: 'amount' }, old: { S: '1000' }, new: { S: '1500' } } }] },
      expiresAt: { N: '1830000000' },
      outcome: {
        M: {
          status: { S: 'APPLIED' },
          stage: { S: 'apply' },
          message: { S: 'ok' },
          at: { S: 't' },
          sequence: { N: '5' },
        },
      },
    };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored], LastEvaluatedKey: { itemKey: { S: 'k' }, revision: { N: '1' } } })
      .resolvesOnce({ Items: [] });

    const entries = await queryEditHistory(new DynamoDBClient({}), 'history', key);

    expect(entries).toEqual([
      {
        ...key,
        revision: entry.revision,
        kind: 'changed',
        at: entry.at,
        changes: [{ attribute: 'amount', old: 1000, new: 1500 }],
        expiresAt: 1830000000,
        outcome: { status: 'APPLIED', stage: 'apply', message: 'ok', at: 't', sequence: '5' },
      },
    ]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ScanIndexForward: false });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  });
});

describe('recordSpokeDeletionOutcome', () => {
  const deleted = { status: 'DELETED' as const, stage: 'apply' as const, message: 'deleted', at: 't' };

  it('reads only the key and kind of the entries (what record-spoke-status may read) and writes only the outcome', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ itemKey: { S: 'k' }, revision: { N: '12' }, kind: { S: 'deleted' } }] });
    const store = createEditHistoryStore(new DynamoDBClient({}), 'history');

    await expect(store.recordSpokeDeletionOutcome(key, '10', deleted)).resolves.toEqual({
      result: 'written',
      revision: '12',
    });

    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      Select: 'SPECIFIC_ATTRIBUTES',
      ProjectionExpression: '#k, #r, #kind',
      ExpressionAttributeNames: { '#k': 'itemKey', '#r': 'revision', '#kind': 'kind' },
      ExpressionAttributeValues: expect.objectContaining({ ':after': { N: '10' } }),
      ScanIndexForward: false,
    });
    const update = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.Key).toEqual({ itemKey: { S: '111111111111/team-a' }, revision: { N: '12' } });
    expect(update?.UpdateExpression).toBe('SET #outcome = :outcome');
  });

  it('writes nothing when the item has no deletion after the revision', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    const store = createEditHistoryStore(new DynamoDBClient({}), 'history');

    await expect(store.recordSpokeDeletionOutcome(key, '10', deleted)).resolves.toEqual({ result: 'no-entry' });
    expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 0);
  });
});
