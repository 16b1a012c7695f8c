import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createBudgetSpendStore, type SpendWrite } from './budget-spend';

const ddb = mockClient(DynamoDBClient);
const KEY = { accountId: '111111111111', budgetName: 'research' };
const store = () => createBudgetSpendStore(new DynamoDBClient({ region: 'us-east-1' }), 'org-budgets-test');

const WRITE: SpendWrite = {
  spend: {
    actual: 250,
    currency: 'USD',
    actualPercent: 25,
    readAt: '2026-12-03T11:59:00.000Z',
    revision: '1100000000017454423020',
    periodStart: '2026-12-01',
    basis: 'MONTHLY USD all costs',
    updatedAt: '2026-12-03T12:00:00.000Z',
  },
  state: 'Under',
  stateDetail: {
    reason: 'actual 25%',
    since: '2026-12-03T12:00:00.000Z',
    thresholds: { unusedBelow: 1, onTargetAt: 80, overAt: 100, criticalAt: 90, shutdownAt: 100 },
    updatedAt: '2026-12-03T12:00:00.000Z',
  },
};

beforeEach(() => ddb.reset());

describe('createBudgetSpendStore', () => {
  it('reads the item strongly consistent: content without system attributes, the revision exactly', async () => {
    ddb.on(GetItemCommand).resolves({
      Item: {
        accountId: { S: KEY.accountId },
        budgetName: { S: KEY.budgetName },
        amount: { N: '1000' },
        delivered: { M: { revision: { N: '1100000000017454423020' }, digest: { S: 'd' }, at: { S: 'x' } } },
        state: { S: 'Shutdown' },
        spend: { M: { actual: { N: '1037' }, currency: { S: 'USD' } } },
        lockdownStatus: { M: { status: { S: 'LOCKED' }, locked: { BOOL: true } } },
        sync: { M: { status: { S: 'APPLIED' } } },
      },
    });

    const item = await store().read(KEY);

    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
    expect(item).toEqual({
      content: { accountId: KEY.accountId, budgetName: KEY.budgetName, amount: 1000 },
      delivered: { revision: '1100000000017454423020', digest: 'd', at: 'x' },
      spend: { actual: 1037, currency: 'USD' },
      state: 'Shutdown',
      lockdownStatus: { status: 'LOCKED', locked: true },
    });
  });

  it('reads nothing for an item that is gone', async () => {
    ddb.on(GetItemCommand).resolves({});
    await expect(store().read(KEY)).resolves.toBeUndefined();
  });

  it('writes spend, state and stateDetail only for the delivered revision and never over later figures', async () => {
    ddb.on(UpdateItemCommand).resolves({});

    await expect(store().writeSpend(KEY, WRITE)).resolves.toBe('written');

    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'SET #spend = :spend, #state = :state, #stateDetail = :stateDetail',
      ConditionExpression:
        'attribute_exists(accountId) AND #delivered.#revision = :revision' +
        ' AND (attribute_not_exists(#spend.#readAt) OR #spend.#readAt <= :readAt)',
    });
    const values = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input.ExpressionAttributeValues;
    expect(values?.[':revision']).toEqual({ N: '1100000000017454423020' });
    expect(values?.[':state']).toEqual({ S: 'Under' });
  });

  it('says superseded when the condition fails', async () => {
    ddb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(store().writeSpend(KEY, WRITE)).resolves.toBe('superseded');
  });
});
