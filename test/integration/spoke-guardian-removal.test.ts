/**
 * The spoke's removal custom resource (release-guardian-queues) on moto: the guardian ledger in
 * moto's DynamoDB (the table of GuardianLedgerTable), AWS Batch job queues in moto, and
 * CloudFormation's requests as the function gets them, with a loopback HTTP server standing in
 * for the pre-signed ResponseURL. What CloudFormation itself does around it (sending the Delete
 * before deleting the table, stopping on FAILED) is not in this test: see docs/deploy.md.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobQueuesCommand,
  UpdateJobQueueCommand,
} from '@aws-sdk/client-batch';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateTableCommand, DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startMotoServer, type MotoServer } from '@org-budgets/aws-emulator';
import {
  ACTIVITY_INDEX,
  createGuardianLedger,
  type CustomResourceResponse,
  type GuardianLedger,
} from '@org-budgets/aws';
import type { GuardianState } from '@org-budgets/guardian';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { createReleaseGuardianQueuesHandler } from '../../services/spoke/src/functions/release-guardian-queues/create-handler';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012'; // moto's default account
const TABLE = 'org-budgets-spoke-it-GuardianLedgerTable-ABC123';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ENV_KEYS = ['AWS_ENDPOINT_URL', 'AWS_REGION'] as const;

let moto: MotoServer;
let responses: ResponseUrlServer;
let dynamodb: DynamoDBClient;
let batch: BatchClient;
let ledger: GuardianLedger;
let computeEnvironmentArn: string | undefined;
const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

/** A stand-in for CloudFormation's pre-signed S3 URL, on a free loopback port: keeps each answer PUT to it. */
interface ResponseUrlServer {
  urlFor(requestId: string): string;
  answers: Map<string, CustomResourceResponse>;
  close(): Promise<void>;
}

async function startResponseUrlServer(): Promise<ResponseUrlServer> {
  const answers = new Map<string, CustomResourceResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const requestId = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.split('/').at(-1) ?? '';
      if (req.method === 'PUT')
        answers.set(requestId, JSON.parse(Buffer.concat(chunks).toString('utf8')) as CustomResourceResponse);
      res.statusCode = req.method === 'PUT' ? 200 : 405;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (requestId) => `http://127.0.0.1:${port}/cloudformation-response/${requestId}?X-Amz-Signature=test`,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  moto = await startMotoServer();
  responses = await startResponseUrlServer();
  Object.assign(process.env, { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION });
  const clientConfig = { region: REGION, endpoint: moto.endpoint, credentials };
  dynamodb = new DynamoDBClient(clientConfig);
  batch = new BatchClient(clientConfig);
  // GuardianLedgerTable's keys and index (services/spoke/serverless.yml).
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'activity', 'activityAt'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: ACTIVITY_INDEX,
          KeySchema: [
            { AttributeName: 'activity', KeyType: 'HASH' },
            { AttributeName: 'activityAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  ledger = createGuardianLedger(dynamodb, TABLE);
  // A job queue needs a compute environment; an unmanaged one needs no VPC.
  const iam = new IAMClient(clientConfig);
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: 'AWSBatchServiceRole', AssumeRolePolicyDocument: '{}' }),
    );
    ({ computeEnvironmentArn } = await batch.send(
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: 'lab',
        type: 'UNMANAGED',
        state: 'ENABLED',
        serviceRole: Role?.Arn,
      }),
    ));
  } finally {
    iam.destroy();
  }
});

afterAll(async () => {
  dynamodb?.destroy();
  batch?.destroy();
  await responses?.close();
  await moto?.stop();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

async function createQueue(name: string, state: 'ENABLED' | 'DISABLED', guarded = true): Promise<string> {
  const { jobQueueArn } = await batch.send(
    new CreateJobQueueCommand({
      jobQueueName: name,
      state: 'ENABLED',
      priority: 1,
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: computeEnvironmentArn }],
      tags: guarded ? { 'org-budgets:guard': 'true' } : { team: 'ops' },
    }),
  );
  if (state === 'DISABLED') await batch.send(new UpdateJobQueueCommand({ jobQueue: name, state: 'DISABLED' }));
  return jobQueueArn ?? '';
}

async function queueStates(names: string[]): Promise<Record<string, string | undefined>> {
  const { jobQueues = [] } = await batch.send(new DescribeJobQueuesCommand({ jobQueues: names }));
  return Object.fromEntries(jobQueues.map((q): [string, string | undefined] => [q.jobQueueName ?? '', q.state]));
}

function stateHolding(held: { name: string; arn: string; dryRun?: boolean }[]): GuardianState {
  return {
    periodStart: '2026-11-01T00:00:00.000Z',
    budgetAmount: 10,
    disableQueuesAt: 80,
    episode: 1,
    over: true,
    heldQueues: held.map((h) => ({
      name: h.name,
      arn: h.arn,
      since: '2026-11-23T10:00:00.000Z',
      dryRun: h.dryRun ?? false,
    })),
    terminationRequests: [],
    notices: [],
  };
}

async function ledgerItems(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: dynamodb }, { TableName: TABLE })) {
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
  }
  return items;
}

function deleteRequest(requestId: string, stackId: string): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Delete',
    ServiceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:org-budgets-spoke-it-releaseGuardianQueues`,
    ResponseURL: responses.urlFor(requestId),
    StackId: stackId,
    RequestId: requestId,
    LogicalResourceId: 'GuardianQueuesRelease',
    PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10',
    ResourceType: 'AWS::CloudFormation::CustomResource',
    ResourceProperties: { ServiceToken: 'x', LedgerTableName: TABLE },
  };
}

const context = {
  functionName: 'org-budgets-spoke-it-releaseGuardianQueues',
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:org-budgets-spoke-it-releaseGuardianQueues`,
  awsRequestId: 'lambda-request',
  logStreamName: '2026/11/23/[$LATEST]it',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

const handler = () => createReleaseGuardianQueuesHandler({ ledgerTableName: TABLE }, { credentials });

describe('the removal custom resource on moto', () => {
  it('when the stack is deleted, re-enables the queues the guardian holds, records REMOVAL and answers SUCCESS', async () => {
    const researchA = await createQueue('removal-research-a', 'DISABLED');
    const researchB = await createQueue('removal-research-b', 'DISABLED');
    await createQueue('removal-maintenance', 'DISABLED'); // disabled by someone else
    await ledger.saveState('batch-grant', stateHolding([{ name: 'removal-research-a', arn: researchA }]), undefined, {
      recipients: ['lab@example.org'],
    });
    await ledger.saveState(
      'gpu',
      stateHolding([
        { name: 'removal-research-b', arn: researchB },
        { name: 'removal-notify-only', arn: `${researchB}-x`, dryRun: true },
      ]),
      undefined,
    );
    // The stack's id as CloudFormation sends it; moto knows no such stack, as of a deleted one.
    const stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/StackSet-org-budgets-spoke-it-1/3b8a0f10-0000-4000-8000-00000000abcd`;

    const answer = await handler()(deleteRequest('delete-1', stackId), context);

    expect(responses.answers.get('delete-1')).toEqual({
      Status: 'SUCCESS',
      Reason: 'the cost guardian re-enabled 2 job queue(s): removal-research-a (batch-grant), removal-research-b (gpu)',
      PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10',
      StackId: stackId,
      RequestId: 'delete-1',
      LogicalResourceId: 'GuardianQueuesRelease',
    });
    expect(answer.Status).toBe('SUCCESS');
    expect(await queueStates(['removal-research-a', 'removal-research-b', 'removal-maintenance'])).toEqual({
      'removal-research-a': 'ENABLED',
      'removal-research-b': 'ENABLED',
      'removal-maintenance': 'DISABLED',
    });
    const items = await ledgerItems();
    const runs = items.filter((item) => item['level'] === 'REMOVAL');
    expect(runs.map((run) => [run['budgetName'], run['runId'], run['actions']])).toEqual([
      ['batch-grant', 'delete-1', [{ type: 'ENABLE_QUEUE', target: 'removal-research-a', outcome: 'DONE' }]],
      ['gpu', 'delete-1', [{ type: 'ENABLE_QUEUE', target: 'removal-research-b', outcome: 'DONE' }]],
    ]);
    const state = await ledger.getState('batch-grant');
    expect(state?.state.heldQueues).toEqual([]);
    expect(state?.recipients).toEqual(['lab@example.org']);
    expect(state?.lease?.owner).toBe('stack-removal:delete-1');
  });

  it('leaves the queues held when only the resource is removed and the stack stays', async () => {
    const held = await createQueue('stays-research', 'DISABLED');
    await ledger.saveState('stays', stateHolding([{ name: 'stays-research', arn: held }]), undefined);
    const cloudFormation = new CloudFormationClient({ region: REGION, endpoint: moto.endpoint, credentials });
    const { StackId } = await cloudFormation.send(
      new CreateStackCommand({
        StackName: 'org-budgets-spoke-it-live',
        TemplateBody: JSON.stringify({
          Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'removal-it-live' } } },
        }),
      }),
    );
    cloudFormation.destroy();

    await handler()(deleteRequest('delete-2', StackId ?? ''), context);

    expect(responses.answers.get('delete-2')).toMatchObject({
      Status: 'SUCCESS',
      Reason: expect.stringMatching(/the stack stays \(CREATE_COMPLETE\)/),
    });
    expect(await queueStates(['stays-research'])).toEqual({ 'stays-research': 'DISABLED' });
    expect((await ledger.getState('stays'))?.state.heldQueues.map((h) => h.name)).toEqual(['stays-research']);
  });
});
