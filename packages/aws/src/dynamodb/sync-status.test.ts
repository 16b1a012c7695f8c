import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createSyncStatusStore, SYNC_CONDITION } from './sync-status';

const ddb = mockClient(DynamoDBClient);
const key = { accountId: '111111111111', budgetName: 'team-a' };
const sync = {
  status: 'DELIVERED',
  stage: 'deliver',
  message: 'ok',
  revision: '12',
  updatedAt: '2026-11-23T00:00:00Z',
} as const;

beforeEach(() => ddb.reset());

describe('createSyncStatusStore', () => {
  it('writes only the sync attribute, guarded by the revision condition', async () => {
    const store = createSyncStatusStore(new DynamoDBClient({}), 'org-budgets-test');

    await expect(store.write(key, sync)).resolves.toBe('written');

    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: 'org-budgets-test',
      Key: { accountId: { S: '111111111111' }, budgetName: { S: 'team-a' } },
      UpdateExpression: 'SET #sync = :sync',
      ConditionExpression: SYNC_CONDITION,
    });
  });

  it('reports superseded when the condition fails', async () => {
    ddb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    const store = createSyncStatusStore(new DynamoDBClient({}), 'org-budgets-test');

    await expect(store.write(key, sync)).resolves.toBe('superseded');
  });

  it('passes on other errors', async () => {
    ddb.on(UpdateItemCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalServerError' }));
    const store = createSyncStatusStore(new DynamoDBClient({}), 'org-budgets-test');

    await expect(store.write(key, sync)).rejects.toThrow('boom');
  });
});
