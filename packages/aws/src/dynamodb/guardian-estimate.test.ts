import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { guardianHoldsState, readLatestGuardianEstimate } from './guardian-estimate';

const ddb = mockClient(DynamoDBClient);
const read = () => readLatestGuardianEstimate(new DynamoDBClient({ region: 'us-east-1' }), 'ledger', 'research');

beforeEach(() => ddb.reset());

describe('readLatestGuardianEstimate', () => {
  it('reads the newest run of the budget that made an estimate', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { at: { S: '2026-12-03T12:05:00.000Z' }, estimate: { M: { reason: { S: 'parameter unreadable' } } } },
        { at: { S: '2026-12-03T12:00:00.000Z' }, estimate: { M: { total: { N: '8.41' } } } },
      ],
    });

    await expect(read()).resolves.toEqual({ amount: 8.41, at: '2026-12-03T12:00:00.000Z' });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'ledger',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
      ExpressionAttributeValues: { ':pk': { S: 'BUDGET#research' }, ':run': { S: 'RUN#' } },
      ScanIndexForward: false,
    });
  });

  it('is undefined before the guardian ran', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(read()).resolves.toBeUndefined();
  });
});

describe('guardianHoldsState', () => {
  const holds = () => guardianHoldsState(new DynamoDBClient({ region: 'us-east-1' }), 'ledger', 'research');

  it('is true when the budget has a guardian state item', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: { S: 'BUDGET#research' } }] });

    await expect(holds()).resolves.toBe(true);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'ledger',
      KeyConditionExpression: 'pk = :pk AND sk = :guardian',
      ExpressionAttributeValues: { ':pk': { S: 'BUDGET#research' }, ':guardian': { S: 'GUARDIAN' } },
    });
  });

  it('is false when it has none', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(holds()).resolves.toBe(false);
  });
});
