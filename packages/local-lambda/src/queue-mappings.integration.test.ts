import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSRecord } from 'aws-lambda';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { zipSync } from 'fflate';
import { startFrontDoor, startMotoServer, type FrontDoor, type MotoServer } from '@org-budgets/aws-emulator';
import { stopAll } from '@org-budgets/aws-emulator/testing';
import { AccountCredentials } from './account-credentials';
import { LocalLambdaRuntime } from './local-lambda-runtime';

const HUB = '123456789012';
const MEMBER = '222222222222';
const REGION = 'us-east-1';
const FIXTURE_CODE = readFileSync(join(__dirname, 'fixtures', 'test-function.cjs'));
/** Generous: the machine may be busy; nothing here measures speed. */
const WAIT_MS = 60_000;

/**
 * SQS event source mappings on moto behind the front door: a queue whose redrive policy moves a
 * message to its dead-letter queue after two receives, mapped to the fixture function (batches
 * of 10, ReportBatchItemFailures), and one created by CloudFormation with a filter.
 */
describe('LocalLambdaRuntime polling SQS queues on moto', () => {
  let moto: MotoServer;
  let frontDoor: FrontDoor;
  let credentials: AccountCredentials;
  let runtime: LocalLambdaRuntime;
  let workDir: string;
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;
  let mappingUuid: string;
  const clientConfig = (account: string) => ({
    region: REGION,
    endpoint: frontDoor.endpoint,
    credentials: () => credentials.forAccount(account),
  });
  const queueArn = (account: string, name: string) => `arn:aws:sqs:${REGION}:${account}:${name}`;

  /** The SQS records the fixture function was invoked with, one entry per invocation. */
  const invocations = (): { records: SQSRecord[]; threw: boolean }[] => {
    const file = join(workDir, `record-${HUB}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; records: SQSRecord[]; threw: boolean })
      .filter((entry) => entry.kind === 'queue');
  };
  const deliveriesOf = (messageId: string | undefined): SQSRecord[] =>
    invocations().flatMap((entry) => entry.records.filter((record) => record.messageId === messageId));

  async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }

  async function messageCounts(url: string): Promise<{ visible: number; inFlight: number }> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  }

  async function deployFixture(account: string, name: string): Promise<string> {
    const config = clientConfig(account);
    const { Role } = await new IAMClient(config).send(
      new CreateRoleCommand({
        RoleName: `${name}-role`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const bucket = `fixture-deployments-${account}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const key = `serverless/fixture/local/1/${name}.zip`;
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: zipSync({ 'src/handler.js': FIXTURE_CODE }) }),
    );
    const { FunctionArn } = await new LambdaClient(config).send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: Role?.Arn,
        Handler: 'src/handler.handler',
        Code: { S3Bucket: bucket, S3Key: key },
        Timeout: 10,
        Environment: { Variables: { RECORD_FILE: join(workDir, `record-${account}.jsonl`) } },
      }),
    );
    return FunctionArn as string;
  }

  async function createQueue(account: string, name: string, attributes: Record<string, string> = {}) {
    const { QueueUrl } = await new SQSClient(clientConfig(account)).send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    return QueueUrl as string;
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'local-lambda-queues-'));
    moto = await startMotoServer();
    frontDoor = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
    credentials = new AccountCredentials({ endpoint: frontDoor.endpoint, region: REGION });
    sqs = new SQSClient(clientConfig(HUB));

    const functionArn = await deployFixture(HUB, 'queue-fixture');
    dlqUrl = await createQueue(HUB, 'checks-dlq');
    queueUrl = await createQueue(HUB, 'checks', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(HUB, 'checks-dlq'), maxReceiveCount: 2 }),
    });
    const mapping = await new LambdaClient(clientConfig(HUB)).send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'queue-fixture',
        EventSourceArn: queueArn(HUB, 'checks'),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    mappingUuid = mapping.UUID as string;

    // What serverless generates for an `sqs` event (with a filter), created by moto's CloudFormation.
    await new CloudFormationClient(clientConfig(HUB)).send(
      new CreateStackCommand({
        StackName: 'stacked-checks',
        TemplateBody: JSON.stringify({
          Resources: {
            StackedQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'stacked-checks' } },
            QueueFixtureEventSourceMappingSQSStackedQueue: {
              Type: 'AWS::Lambda::EventSourceMapping',
              Properties: {
                BatchSize: 10,
                Enabled: true,
                EventSourceArn: { 'Fn::GetAtt': ['StackedQueue', 'Arn'] },
                FunctionName: functionArn,
                FunctionResponseTypes: ['ReportBatchItemFailures'],
                FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['check'] } }) }] },
              },
            },
          },
        }),
      }),
    );

    // A member account the runtime does not serve: its mapping is polled by no one.
    await deployFixture(MEMBER, 'member-fixture');
    await createQueue(MEMBER, 'unpolled-dlq');
    await createQueue(MEMBER, 'unpolled', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(MEMBER, 'unpolled-dlq'), maxReceiveCount: 2 }),
    });
    await new LambdaClient(clientConfig(MEMBER)).send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'member-fixture',
        EventSourceArn: queueArn(MEMBER, 'unpolled'),
      }),
    );

    runtime = await LocalLambdaRuntime.start({
      endpoint: frontDoor.endpoint,
      accounts: [HUB],
      region: REGION,
      workDir,
      pollIntervalMs: 50,
      queueWaitTimeSeconds: 1,
      scheduleTimers: false,
    });
    runtime.connect(frontDoor);
  });

  afterAll(() =>
    stopAll(
      () => runtime?.stop(),
      () => sqs?.destroy(),
      () => credentials?.close(),
      () => frontDoor?.stop(),
      () => moto?.stop(),
      () => workDir && rmSync(workDir, { recursive: true, force: true }),
    ),
  );

  it('finds both queue mappings, the one made by CloudFormation included', () => {
    const inventory = runtime.inventory();

    expect(inventory.queueMappings.map((m) => m.queueArn).sort()).toEqual([
      queueArn(HUB, 'checks'),
      queueArn(HUB, 'stacked-checks'),
    ]);
    expect(inventory.skipped).toEqual([]);
  });

  it('runs the function with a message as Lambda’s SQS event, then deletes it', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ check: 'budget' }),
        MessageAttributes: { accountId: { DataType: 'String', StringValue: MEMBER } },
      }),
    );

    await runtime.settled(WAIT_MS);

    expect(deliveriesOf(sent.MessageId)).toEqual([
      expect.objectContaining({
        messageId: sent.MessageId,
        receiptHandle: expect.any(String),
        body: '{"check":"budget"}',
        md5OfBody: sent.MD5OfMessageBody,
        attributes: expect.objectContaining({
          ApproximateReceiveCount: '1',
          SentTimestamp: expect.stringMatching(/^\d+$/),
        }),
        messageAttributes: {
          accountId: { stringValue: MEMBER, stringListValues: [], binaryListValues: [], dataType: 'String' },
        },
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn(HUB, 'checks'),
        awsRegion: REGION,
      }),
    ]);
    expect(await messageCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('delivers a message sent with DelaySeconds only once its delay is over', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ delayed: true }), DelaySeconds: 2 }),
    );

    await waitFor('the delayed message is delivered', () => deliveriesOf(sent.MessageId).length > 0);
    await runtime.settled(WAIT_MS);

    const [delivery] = deliveriesOf(sent.MessageId);
    // moto's own clock: the first receive came at least the delay after the send.
    const { SentTimestamp, ApproximateFirstReceiveTimestamp } = delivery?.attributes ?? {};
    expect(Number(ApproximateFirstReceiveTimestamp) - Number(SentTimestamp)).toBeGreaterThanOrEqual(2000);
    expect(await messageCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('deletes the messages a batch did not report, and leaves a reported one to be redelivered, then dead-lettered', async () => {
    const { Successful } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'good', MessageBody: JSON.stringify({ n: 1 }) },
          { Id: 'bad', MessageBody: JSON.stringify({ n: 2, fail: 'report' }) },
        ],
      }),
    );
    const idOf = (entry: string) => Successful?.find((s) => s.Id === entry)?.MessageId;

    await waitFor('the reported message reaches the dead-letter queue', async () => {
      return (await messageCounts(dlqUrl)).visible === 1;
    });

    expect(deliveriesOf(idOf('good')).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1']);
    // maxReceiveCount 2: delivered twice (after the visibility timeout), then moved by moto.
    expect(deliveriesOf(idOf('bad')).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 0 }));
    expect(Messages?.map((m) => m.MessageId)).toEqual([idOf('bad')]);
    expect(await messageCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('deletes nothing of a batch whose invocation failed: the message comes back, then goes to the dead-letter queue', async () => {
    const before = (await messageCounts(dlqUrl)).visible + (await messageCounts(dlqUrl)).inFlight;
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"fail":"throw"}' }));

    await waitFor('the failing message reaches the dead-letter queue', async () => {
      const counts = await messageCounts(dlqUrl);
      return counts.visible + counts.inFlight === before + 1;
    });

    expect(deliveriesOf(sent.MessageId).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(invocations().filter((entry) => entry.records.some((r) => r.messageId === sent.MessageId))).toEqual([
      expect.objectContaining({ threw: true }),
      expect.objectContaining({ threw: true }),
    ]);
  });

  it('applies the filter of the CloudFormation mapping: a message that matches none is deleted unseen', async () => {
    const stackedUrl = queueUrl.replace(/checks$/, 'stacked-checks');
    const matching = await sqs.send(
      new SendMessageCommand({ QueueUrl: stackedUrl, MessageBody: JSON.stringify({ kind: 'check' }) }),
    );
    const other = await sqs.send(
      new SendMessageCommand({ QueueUrl: stackedUrl, MessageBody: JSON.stringify({ kind: 'other' }) }),
    );

    await runtime.settled(WAIT_MS);

    expect(deliveriesOf(matching.MessageId)).toHaveLength(1);
    expect(deliveriesOf(other.MessageId)).toEqual([]);
    expect(await messageCounts(stackedUrl)).toEqual({ visible: 0, inFlight: 0 });
    const stacked = runtime.queueStats().find((s) => s.queueArn === queueArn(HUB, 'stacked-checks'));
    expect(stacked).toMatchObject({ received: 2, filtered: 1, processed: 1, pending: 0 });
  });

  it('leaves the messages of a mapping no runtime polls in the queue: moto does not receive them itself', async () => {
    const member = new SQSClient(clientConfig(MEMBER));
    const url = queueUrl.replace(HUB, MEMBER).replace(/checks$/, 'unpolled');
    for (const n of [1, 2, 3]) await member.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${n}` }));

    const { Messages } = await member.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    member.destroy();

    // Without the launcher's patch moto receives them on each send, and the first two would be dead-lettered.
    expect(Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['m1', '1'],
      ['m2', '1'],
      ['m3', '1'],
    ]);
  });

  it('counts every message received: nothing was lost', () => {
    for (const stats of runtime.queueStats()) {
      expect(stats.received).toBe(stats.filtered + stats.processed + stats.returned + stats.pending);
      expect(stats.deleteErrors).toBe(0);
    }
  });

  it('stops polling a mapping once it is disabled', async () => {
    await new LambdaClient(clientConfig(HUB)).send(
      new UpdateEventSourceMappingCommand({ UUID: mappingUuid, Enabled: false }),
    );

    const inventory = await runtime.refresh();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"after":"disabled"}' }));
    await runtime.settled(WAIT_MS);

    expect(inventory.queueMappings.map((m) => m.queueArn)).toEqual([queueArn(HUB, 'stacked-checks')]);
    expect(inventory.skipped).toEqual([`event source mapping ${mappingUuid} is Disabled`]);
    expect(await messageCounts(queueUrl)).toEqual({ visible: 1, inFlight: 0 });
  });
});
