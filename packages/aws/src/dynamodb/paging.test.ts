import { DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { queryAll, queryPages, scanAll } from './paging';

const ddb = mockClient(DynamoDBClient);
const client = () => new DynamoDBClient({ region: 'us-east-1' });
const item = (n: number) => ({ id: { N: String(n) } });

beforeEach(() => ddb.reset());

describe('paging', () => {
  it('reads every page of a Query, each from the last one’s LastEvaluatedKey, keeping the input', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1), item(2)], LastEvaluatedKey: item(2) })
      .resolvesOnce({ Items: [item(3)], LastEvaluatedKey: item(3) })
      .resolves({});
    const input = { TableName: 't', KeyConditionExpression: 'id = :id', ConsistentRead: true };

    await expect(queryAll(client(), input)).resolves.toEqual([item(1), item(2), item(3)]);

    const calls = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([input, { ...input, ExclusiveStartKey: item(2) }, { ...input, ExclusiveStartKey: item(3) }]);
  });

  it('reads every page of a Scan', async () => {
    ddb
      .on(ScanCommand)
      .resolvesOnce({ Items: [item(1)], LastEvaluatedKey: item(1) })
      .resolves({ Items: [item(2)] });
    await expect(scanAll(client(), { TableName: 't', Limit: 1 })).resolves.toEqual([item(1), item(2)]);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
  });

  it('reads no further page than the caller asks for', async () => {
    ddb.on(QueryCommand).resolves({ Items: [item(1)], LastEvaluatedKey: item(1) });
    for await (const page of queryPages(client(), { TableName: 't' })) {
      expect(page.Items).toEqual([item(1)]);
      break;
    }
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
  });
});
