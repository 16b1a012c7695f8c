import { Logger } from '@aws-lambda-powertools/logger';
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { CustomResourceResponse } from '@org-budgets/aws';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ANSWER_RESERVE_MS, createReleaseGuardianQueuesHandler } from './create-handler';

const cloudFormation = mockClient(CloudFormationClient);
const dynamodb = mockClient(DynamoDBClient);
const batch = mockClient(BatchClient);

const ACCOUNT = '111111111111';
const STACK_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/org-budgets-spoke-test/3b8a0f10-0000-4000-8000-00000000abcd`;
const RESPONSE_URL = 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=s';

const contextWith = (remainingMs: number) =>
  ({
    functionName: 'org-budgets-spoke-test-releaseGuardianQueues',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:org-budgets-spoke-test-releaseGuardianQueues`,
    awsRequestId: 'lambda-req-1',
    logStreamName: '2026/11/23/[$LATEST]abc',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;

function request(requestType: 'Create' | 'Delete'): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:org-budgets-spoke-test-releaseGuardianQueues`,
    ResponseURL: RESPONSE_URL,
    StackId: STACK_ID,
    RequestId: 'cfn-req-1',
    LogicalResourceId: 'GuardianQueuesRelease',
    ResourceType: 'AWS::CloudFormation::CustomResource',
    ResourceProperties: { ServiceToken: 'x', LedgerTableName: 'ledger' },
  };
  return requestType === 'Create'
    ? { ...common, RequestType: 'Create' }
    : { ...common, RequestType: 'Delete', PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10' };
}

function handlerSendingTo(sent: { url: string; response: CustomResourceResponse }[]) {
  return createReleaseGuardianQueuesHandler(
    { ledgerTableName: 'ledger' },
    {
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' },
      sleep: () => Promise.resolve(),
      sendResponse: async (url, response) => {
        sent.push({ url, response });
      },
    },
  );
}

beforeEach(() => {
  cloudFormation.reset();
  dynamodb.reset();
  batch.reset();
});

describe('release-guardian-queues handler', () => {
  it('answers a Create with SUCCESS at the ResponseURL, without a call to AWS', async () => {
    const sent: { url: string; response: CustomResourceResponse }[] = [];
    await handlerSendingTo(sent)(request('Create'), contextWith(900_000));

    expect(sent).toEqual([
      {
        url: RESPONSE_URL,
        response: {
          Status: 'SUCCESS',
          Reason: expect.any(String),
          PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10-0000-4000-8000-00000000abcd',
          StackId: STACK_ID,
          RequestId: 'cfn-req-1',
          LogicalResourceId: 'GuardianQueuesRelease',
        },
      },
    ]);
    expect(cloudFormation.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('on the stack’s deletion reads the ledger and answers SUCCESS when nothing is held', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'org-budgets-spoke-test', StackStatus: 'DELETE_IN_PROGRESS', CreationTime: new Date() }],
    });
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    const sent: { url: string; response: CustomResourceResponse }[] = [];

    await handlerSendingTo(sent)(request('Delete'), contextWith(900_000));

    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, { TableName: 'ledger', IndexName: 'byActivity' });
    expect(sent[0]?.response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10',
    });
  });

  it('answers FAILED, with the error and the log stream, when a call fails', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform cloudformation:DescribeStacks'), { name: 'AccessDenied' }),
      );
    const sent: { url: string; response: CustomResourceResponse }[] = [];

    await handlerSendingTo(sent)(request('Delete'), contextWith(900_000));

    expect(sent[0]?.response).toMatchObject({
      Status: 'FAILED',
      Reason:
        'AccessDenied: not authorized to perform cloudformation:DescribeStacks (log stream 2026/11/23/[$LATEST]abc)',
      PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10',
    });
  });

  it('answers FAILED before the function’s own timeout when the work does not end', async () => {
    cloudFormation.on(DescribeStacksCommand).callsFake(() => new Promise(() => undefined)); // never answers
    const sent: { url: string; response: CustomResourceResponse }[] = [];

    // Only the time kept for the answer is left: the work gets none.
    await handlerSendingTo(sent)(request('Delete'), contextWith(ANSWER_RESERVE_MS));

    expect(sent[0]?.response).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/^RemovalTimedOutError: /),
    });
  });

  it('ends normally when the answer cannot be delivered (the failure is logged)', async () => {
    const sent: { url: string; response: CustomResourceResponse }[] = [];
    const logger = new Logger({ serviceName: 'org-budgets-spoke', logLevel: 'SILENT' });
    const logged = jest.spyOn(logger, 'error');
    const handler = createReleaseGuardianQueuesHandler(
      { ledgerTableName: 'ledger' },
      {
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' },
        logger,
        sendResponse: async (url, response) => {
          sent.push({ url, response });
          throw new Error('connect ETIMEDOUT');
        },
      },
    );

    await expect(handler(request('Create'), contextWith(900_000))).resolves.toMatchObject({ Status: 'SUCCESS' });
    expect(sent).toHaveLength(1);
    expect(logged).toHaveBeenCalledWith(
      'could not answer CloudFormation',
      expect.objectContaining({ status: 'SUCCESS' }),
    );
  });
});
