import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  deleteBudgetItemIfUnchanged,
  queryBudgetItemImages,
  readBudgetItemImages,
  scanBudgetItemImages,
  writeBudgetItemIfUnchanged,
} from './budget-item-edits';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1' });
const key = { accountId: '111111111111', budgetName: 'gpu' };
const stored = {
  accountId: { S: '111111111111' },
  budgetName: { S: 'gpu' },
  amount: { N: '500' },
  emails: { SS: ['a@example.org'] },
  sync: { M: { status: { S: 'APPLIED' }, revision: { N: '12' } } },
};
const key0 = { accountId: stored.accountId, budgetName: stored.budgetName };
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

beforeEach(() => ddb.reset());

describe('scanBudgetItemImages', () => {
  it('reads every page, strongly consistent', async () => {
    ddb
      .on(ScanCommand)
      .resolvesOnce({ Items: [stored], LastEvaluatedKey: { accountId: { S: '1' } } })
      .resolvesOnce({ Items: [{ ...stored, budgetName: { S: 'cpu' } }] });

    const items = await scanBudgetItemImages(client, 'budgets');

    expect(items.map((item) => item['budgetName']?.S)).toEqual(['gpu', 'cpu']);
    expect(ddb).toHaveReceivedNthCommandWith(2, ScanCommand, {
      TableName: 'budgets',
      ConsistentRead: true,
      ExclusiveStartKey: { accountId: { S: '1' } },
    });
  });
});

describe('queryBudgetItemImages', () => {
  it("reads one account's items, every page, strongly consistent", async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored], LastEvaluatedKey: { accountId: { S: '1' } } })
      .resolvesOnce({ Items: [] });

    const items = await queryBudgetItemImages(client, 'budgets', '111111111111');

    expect(items).toEqual([stored]);
    expect(ddb).toHaveReceivedNthCommandWith(1, QueryCommand, {
      KeyConditionExpression: '#a = :a',
      ExpressionAttributeValues: { ':a': { S: '111111111111' } },
      ConsistentRead: true,
    });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  });
});

describe('readBudgetItemImages', () => {
  it('reads 100 keys per call and asks again for the unprocessed ones', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => ({ accountId: '111111111111', budgetName: `b${i}` }));
    const image = (name: string) => ({ accountId: { S: '111111111111' }, budgetName: { S: name } });
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { budgets: [image('b0')] },
        UnprocessedKeys: { budgets: { Keys: [{ accountId: { S: '111111111111' }, budgetName: { S: 'b1' } }] } },
      })
      .resolvesOnce({ Responses: { budgets: [image('b1')] } })
      .resolvesOnce({ Responses: { budgets: [image('b120')] } });

    const found = await readBudgetItemImages(client, 'budgets', keys);

    expect([...found.keys()]).toEqual(['111111111111/b0', '111111111111/b1', '111111111111/b120']);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetItemCommand, 3);
    const first = ddb.commandCalls(BatchGetItemCommand)[0]?.args[0].input;
    expect(first?.RequestItems?.['budgets']?.Keys).toHaveLength(100);
    expect(first?.RequestItems?.['budgets']?.ConsistentRead).toBe(true);
  });

  it('names the keys left unprocessed after its rounds', async () => {
    ddb.on(BatchGetItemCommand).resolves({ UnprocessedKeys: { budgets: { Keys: [{ accountId: { S: '1' } }] } } });

    await expect(readBudgetItemImages(client, 'budgets', [key], 1)).rejects.toThrow(
      'DynamoDB left 1 key(s) of budgets unprocessed after 1 reads',
    );
  });
});

describe('writeBudgetItemIfUnchanged', () => {
  it('sets and removes content only if the watched attributes are as read and none appeared', async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: stored });

    const result = await writeBudgetItemIfUnchanged(
      client,
      'budgets',
      key,
      {
        set: { ...key0, amount: { N: '600' }, notes: { S: 'x' }, sync: stored.sync },
        remove: ['emails'],
      },
      stored,
      ['amount', 'emails', 'notes', 'period'],
    );

    expect(result).toEqual({ outcome: 'written', before: stored });
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe('SET #s0 = :s0, #s1 = :s1 REMOVE #r0');
    expect(input?.ConditionExpression).toBe(
      'attribute_exists(#k0) AND #c0 = :c0 AND #c1 = :c1 AND attribute_not_exists(#a0) AND attribute_not_exists(#a1)',
    );
    expect(input?.ExpressionAttributeNames).toMatchObject({
      '#s0': 'amount',
      '#s1': 'notes',
      '#c0': 'amount',
      '#c1': 'emails',
      '#a0': 'notes',
      '#a1': 'period',
      '#r0': 'emails',
    });
    // The hub's system attributes are neither compared nor written.
    expect(Object.values(input?.ExpressionAttributeNames ?? {})).not.toContain('sync');
    expect(input?.ExpressionAttributeValues?.[':c0']).toEqual({ N: '500' });
    expect(input?.ReturnValues).toBe('ALL_OLD');
  });

  it('creates an item with one put, only if it does not exist', async () => {
    ddb.on(PutItemCommand).resolves({});

    const result = await writeBudgetItemIfUnchanged(
      client,
      'budgets',
      key,
      { set: { amount: { N: '1' }, sync: stored.sync }, remove: [] },
      undefined,
      [],
    );

    expect(result).toEqual({ outcome: 'written', before: undefined });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: { amount: { N: '1' }, accountId: { S: '111111111111' }, budgetName: { S: 'gpu' } },
      ConditionExpression: 'attribute_not_exists(#k0)',
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('reports an item created by someone else meanwhile', async () => {
    ddb.on(PutItemCommand).rejects(conditionFailed());

    await expect(
      writeBudgetItemIfUnchanged(client, 'budgets', key, { set: { amount: { N: '1' } }, remove: [] }, undefined, []),
    ).resolves.toEqual({ outcome: 'changed-since-read' });
  });

  it('reports an item changed since it was read instead of overwriting it', async () => {
    ddb.on(UpdateItemCommand).rejects(conditionFailed());

    await expect(
      writeBudgetItemIfUnchanged(client, 'budgets', key, { set: { amount: { N: '1' } }, remove: [] }, stored, []),
    ).resolves.toEqual({ outcome: 'changed-since-read' });
  });

  it('rethrows any other failure', async () => {
    ddb.on(UpdateItemCommand).rejects(new Error('throttled'));

    await expect(
      writeBudgetItemIfUnchanged(client, 'budgets', key, { set: { amount: { N: '1' } }, remove: [] }, stored, []),
    ).rejects.toThrow('throttled');
  });
});

describe('deleteBudgetItemIfUnchanged', () => {
  it('deletes only if the watched attributes are as read', async () => {
    ddb.on(DeleteItemCommand).resolves({ Attributes: stored });

    const result = await deleteBudgetItemIfUnchanged(client, 'budgets', key, stored, ['amount', 'notes']);

    expect(result).toEqual({ outcome: 'written', before: stored });
    expect(ddb).toHaveReceivedCommandWith(DeleteItemCommand, {
      ConditionExpression: 'attribute_exists(#k0) AND #c0 = :c0 AND attribute_not_exists(#a0)',
    });
  });

  it('reports a concurrent change', async () => {
    ddb.on(DeleteItemCommand).rejects(conditionFailed());

    await expect(deleteBudgetItemIfUnchanged(client, 'budgets', key, stored, [])).resolves.toEqual({
      outcome: 'changed-since-read',
    });
  });
});
