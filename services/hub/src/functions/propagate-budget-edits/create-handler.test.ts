import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { budgetItem, budgetItemRecord, streamEvent } from '@org-budgets/test-fixtures';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createPropagateHandler } from './create-handler';

const sts = mockClient(STSClient);
const ssm = mockClient(SSMClient);
const ddb = mockClient(DynamoDBClient);

const config = {
  tableName: 'org-budgets-test',
  spokeRoleName: 'org-budgets-spoke',
  spokeExternalId: 'ext',
  partition: 'aws',
  maxConcurrency: 4,
  alertsTopicArn: 'arn:aws:sns:us-east-1:123456789012:org-budgets-test-alerts',
  historyTableName: 'org-budgets-test-history',
  historyRetentionDays: 400,
};
const context = {
  functionName: 'propagate',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

beforeEach(() => {
  sts.reset();
  ssm.reset();
  ddb.reset();
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: 'AKIA',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: new Date(Date.now() + 3600_000),
    },
  });
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'none', $metadata: {} }));
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
  ddb.on(UpdateItemCommand).resolves({});
  ddb.on(GetItemCommand).resolves({ Item: { accountId: { S: '111111111111' } } });
});

describe('propagate-budget-edits handler', () => {
  it('reports only the record of the account whose role cannot be assumed', async () => {
    sts
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::333333333333:role/org-budgets-spoke' })
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const records = ['111111111111', '222222222222', '333333333333', '444444444444'].map((accountId) =>
      budgetItemRecord(budgetItem({ accountId })),
    );
    const handler = createPropagateHandler(config);

    const response = await handler(streamEvent(...records), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[2]?.dynamodb?.SequenceNumber }]);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 3);
    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { accountId: { S: '333333333333' }, budgetName: { S: 'research-compute' } },
      ExpressionAttributeValues: expect.objectContaining({
        ':sync': { M: expect.objectContaining({ status: { S: 'FAILED' } }) },
      }),
    });
  });

  it('fails the later edits of an item whose earlier edit failed, and only those', async () => {
    ssm
      .on(PutParameterCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({});
    const first = budgetItemRecord(budgetItem({ amount: 1 }));
    const second = budgetItemRecord(budgetItem({ amount: 2 }), { oldImage: budgetItem({ amount: 1 }) });
    const other = budgetItemRecord(budgetItem({ accountId: '222222222222' }));
    const handler = createPropagateHandler({ ...config, maxConcurrency: 1 });

    const response = await handler(streamEvent(first, second, other), context);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      first.dynamodb?.SequenceNumber,
      second.dynamodb?.SequenceNumber,
    ]);
  });

  it('raises when every record fails, so that Lambda bisects and retries the batch', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const handler = createPropagateHandler(config);

    await expect(handler(streamEvent(budgetItemRecord(budgetItem())), context)).rejects.toThrow(/All records failed/);
  });

  it('assumes each account’s role once for several budgets of that account', async () => {
    const records = ['a', 'b', 'c'].map((budgetName) => budgetItemRecord(budgetItem({ budgetName })));
    const handler = createPropagateHandler(config);

    await handler(streamEvent(...records), context);

    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('writes each edit’s history entry beside its delivery', async () => {
    const record = budgetItemRecord(budgetItem({ amount: 2 }), { oldImage: budgetItem({ amount: 1 }) });
    const handler = createPropagateHandler(config);

    const response = await handler(streamEvent(record), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: 'org-budgets-test-history',
      Key: { itemKey: { S: '111111111111/research-compute' }, revision: { N: record.dynamodb?.SequenceNumber } },
      ExpressionAttributeValues: expect.objectContaining({
        ':kind': { S: 'changed' },
        ':changes': { L: [{ M: { attribute: { S: 'amount' }, old: { S: '1' }, new: { S: '2' } } }] },
      }),
    });
  });

  it('fails a record whose history entry could not be written, after delivering it', async () => {
    const record = budgetItemRecord(budgetItem());
    const other = budgetItemRecord(budgetItem({ accountId: '222222222222' }));
    ddb
      .on(UpdateItemCommand, {
        TableName: 'org-budgets-test-history',
        Key: {
          itemKey: { S: '111111111111/research-compute' },
          revision: { N: record.dynamodb?.SequenceNumber ?? '' },
        },
      })
      .rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const handler = createPropagateHandler(config);

    const response = await handler(streamEvent(record, other), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb?.SequenceNumber }]);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 2);
  });
});
