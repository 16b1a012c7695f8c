import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDefaultItemsStore, INHERITED_INDEX } from './default-items';

const ddb = mockClient(DynamoDBClient);
const conflict = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
const copy = {
  accountId: '111111111111',
  budgetName: 'baseline',
  amount: 100,
  emails: ['a@example.org'],
  inheritedFrom: 'r-ab12',
};

beforeEach(() => ddb.reset());

describe('createDefaultItemsStore', () => {
  const store = () => createDefaultItemsStore(new DynamoDBClient({ region: 'us-east-1' }), 'budgets');

  it('puts a new copy whole, only where the account has no item of that name', async () => {
    await expect(store().putCopy(copy)).resolves.toBe('written');
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'budgets',
      ConditionExpression: 'attribute_not_exists(accountId)',
      Item: expect.objectContaining({ amount: { N: '100' }, inheritedFrom: { S: 'r-ab12' } }),
    });
    ddb.on(PutItemCommand).rejects(conflict());
    await expect(store().putCopy(copy)).resolves.toBe('conflict');
  });

  it('rewrites a copy only while it is inherited from the expected default, removing what the default no longer has', async () => {
    await expect(store().putCopy(copy, 'ou-ab12-cdef3456')).resolves.toBe('written');
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('#from = :expectedFrom');
    expect(input?.ExpressionAttributeValues?.[':expectedFrom']).toEqual({ S: 'ou-ab12-cdef3456' });
    expect(input?.UpdateExpression).toMatch(/^SET .*#from = :from REMOVE /);
    // costFilter is not in the copy: it is removed from the item (the default lost it).
    const removed = (input?.UpdateExpression ?? '').split(' REMOVE ')[1]?.split(', ') ?? [];
    expect(removed.map((name) => input?.ExpressionAttributeNames?.[name])).toContain('costFilter');
    ddb.on(UpdateItemCommand).rejects(conflict());
    await expect(store().putCopy(copy, 'ou-ab12-cdef3456')).resolves.toBe('conflict');
  });

  it('deletes a copy only while it is inherited from that default', async () => {
    await expect(store().deleteCopy(copy, 'r-ab12')).resolves.toBe('written');
    expect(ddb).toHaveReceivedCommandWith(DeleteItemCommand, {
      ConditionExpression: '#from = :from',
      ExpressionAttributeValues: { ':from': { S: 'r-ab12' } },
    });
    ddb.on(DeleteItemCommand).rejects(conflict());
    await expect(store().deleteCopy(copy, 'r-ab12')).resolves.toBe('conflict');
  });

  it('marks a copy out of reach before it deletes it, under the same condition', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    await expect(store().deleteCopy(copy, 'r-ab12', 'account gone')).resolves.toBe('written');
    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'SET #outOfReach = :reason',
      ConditionExpression: '#from = :from',
      ExpressionAttributeValues: { ':from': { S: 'r-ab12' }, ':reason': { S: 'account gone' } },
    });
    expect(ddb).toHaveReceivedCommand(DeleteItemCommand);
    ddb.reset();
    ddb.on(UpdateItemCommand).rejects(conflict());
    await expect(store().deleteCopy(copy, 'r-ab12', 'account gone')).resolves.toBe('conflict');
    expect(ddb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('reads a default’s copies from the inherited index, every page, with their sync, spend and state', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [
          {
            accountId: { S: '111111111111' },
            budgetName: { S: 'baseline' },
            amount: { N: '5' },
            sync: { M: { status: { S: 'APPLIED' }, revision: { N: '12' } } },
            state: { S: 'Under' },
            spend: { M: { actual: { N: '1.5' }, currency: { S: 'USD' } } },
          },
        ],
        LastEvaluatedKey: { accountId: { S: '111111111111' } },
      })
      .resolvesOnce({ Items: [{ accountId: { S: '222222222222' }, budgetName: { S: 'baseline' } }] });

    const copies = await store().copiesOf('r-ab12', 'baseline');

    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.IndexName).toBe(INHERITED_INDEX);
    expect(copies).toEqual([
      {
        accountId: '111111111111',
        budgetName: 'baseline',
        content: { accountId: '111111111111', budgetName: 'baseline', amount: 5 },
        sync: { status: 'APPLIED', revision: '12' },
        spend: { actual: 1.5, currency: 'USD' },
        state: 'Under',
      },
      {
        accountId: '222222222222',
        budgetName: 'baseline',
        content: { accountId: '222222222222', budgetName: 'baseline' },
      },
    ]);
  });

  it('writes a default’s sync and rollup never over a newer revision’s status', async () => {
    await store().writeDefaultStatus(
      { accountId: 'r-ab12', budgetName: 'baseline' },
      { status: 'APPLIED', stage: 'deliver', revision: '7', message: 'ok', updatedAt: '2026-12-03T00:00:00.000Z' },
      { accounts: 1 },
    );
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toContain('#sync.#revision < :revision');
    expect(input?.ExpressionAttributeValues?.[':rollup']).toEqual({ M: { accounts: { N: '1' } } });
    ddb.on(UpdateItemCommand).rejects(conflict());
    await expect(
      store().writeDefaultStatus(
        { accountId: 'r-ab12', budgetName: 'baseline' },
        { status: 'APPLIED', stage: 'deliver', revision: '7', message: 'ok', updatedAt: 'x' },
        {},
      ),
    ).resolves.toBe('superseded');
  });
});
