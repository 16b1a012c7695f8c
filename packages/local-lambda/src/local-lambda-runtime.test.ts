import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { zipSync } from 'fflate';
import {
  startFrontDoor,
  startMotoServer,
  type FrontDoor,
  type MotoServer,
  type SnsPublish,
} from '@org-budgets/aws-emulator';
import { stopAll } from '@org-budgets/aws-emulator/testing';
import { AccountCredentials } from './account-credentials';
import type { TemporaryCredentials } from './function-container';
import { DEFAULT_FUNCTION_CONCURRENCY } from './function-container-pool';
import { LocalLambdaRuntime } from './local-lambda-runtime';

const HUB = '123456789012';
const MEMBER = '222222222222';
const REGION = 'us-east-1';
const FIXTURE_CODE = readFileSync(join(__dirname, 'fixtures', 'test-function.cjs'));

jest.setTimeout(60_000);

/**
 * The runtime on moto behind the front door, with a fixture function deployed as serverless
 * deploys (code in an S3 bucket of the account, CreateFunction from it) in two accounts, a
 * DynamoDB stream mapping, EventBridge rules across accounts, a schedule, queues and a topic.
 */
describe('LocalLambdaRuntime on moto', () => {
  let moto: MotoServer;
  let frontDoor: FrontDoor;
  let credentials: AccountCredentials;
  let runtime: LocalLambdaRuntime;
  let workDir: string;
  let streamDlqUrl: string;
  let asyncDlqUrl: string;
  let topicArn: string;
  const recordFile = (account: string) => join(workDir, `record-${account}.jsonl`);
  const records = (account: string): Record<string, unknown>[] =>
    existsSync(recordFile(account))
      ? readFileSync(recordFile(account), 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>)
      : [];
  const clientConfig = (account: string) => ({
    region: REGION,
    endpoint: frontDoor.endpoint,
    credentials: () => credentials.forAccount(account),
  });

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
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
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
        MemorySize: 256,
        Environment: { Variables: { RECORD_FILE: recordFile(account), GREETING: `hello from ${account}` } },
      }),
    );
    return FunctionArn as string;
  }

  async function receiveAll(account: string, queueUrl: string) {
    const { Messages } = await new SQSClient(clientConfig(account)).send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    return Messages ?? [];
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'local-lambda-runtime-'));
    moto = await startMotoServer();
    frontDoor = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
    credentials = new AccountCredentials({ endpoint: frontDoor.endpoint, region: REGION });

    const hubFunction = await deployFixture(HUB, 'hub-fixture');
    await deployFixture(MEMBER, 'member-fixture');
    const sqs = new SQSClient(clientConfig(HUB));
    streamDlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'stream-dlq' }))).QueueUrl as string;
    asyncDlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'async-dlq' }))).QueueUrl as string;

    // A table whose stream runs hub-fixture: batches of 10, bisect, one retry, failures to stream-dlq.
    const ddb = new DynamoDBClient(clientConfig(HUB));
    await ddb.send(
      new CreateTableCommand({
        TableName: 'fixture-table',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    // moto creates tables ACTIVE at once.
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'fixture-table' }));
    const lambda = new LambdaClient(clientConfig(HUB));
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'hub-fixture',
        EventSourceArn: Table?.LatestStreamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        MaximumRetryAttempts: 1,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:${REGION}:${HUB}:stream-dlq` } },
      }),
    );
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'hub-fixture',
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:${REGION}:${HUB}:async-dlq` } },
      }),
    );

    // Member default bus → hub status bus → hub-fixture; SSM changes in the member → member-fixture; an hourly schedule.
    const hubEvents = new EventBridgeClient(clientConfig(HUB));
    await hubEvents.send(new CreateEventBusCommand({ Name: 'status' }));
    await hubEvents.send(
      new PutRuleCommand({
        Name: 'record-status',
        EventBusName: 'status',
        EventPattern: JSON.stringify({ source: ['fixture.spoke'] }),
      }),
    );
    await hubEvents.send(
      new PutTargetsCommand({
        Rule: 'record-status',
        EventBusName: 'status',
        Targets: [{ Id: 'fn', Arn: hubFunction }],
      }),
    );
    await hubEvents.send(new PutRuleCommand({ Name: 'hourly-fixture', ScheduleExpression: 'rate(1 hour)' }));
    await hubEvents.send(new PutTargetsCommand({ Rule: 'hourly-fixture', Targets: [{ Id: 'fn', Arn: hubFunction }] }));
    const memberEvents = new EventBridgeClient(clientConfig(MEMBER));
    await memberEvents.send(
      new PutRuleCommand({ Name: 'forward', EventPattern: JSON.stringify({ source: ['fixture.spoke'] }) }),
    );
    await memberEvents.send(
      new PutTargetsCommand({
        Rule: 'forward',
        Targets: [{ Id: 'hub', Arn: `arn:aws:events:${REGION}:${HUB}:event-bus/status` }],
      }),
    );
    await memberEvents.send(
      new PutRuleCommand({
        Name: 'parameters',
        EventPattern: JSON.stringify({ source: ['aws.ssm'], 'detail-type': ['Parameter Store Change'] }),
      }),
    );
    await memberEvents.send(
      new PutTargetsCommand({
        Rule: 'parameters',
        Targets: [{ Id: 'fn', Arn: `arn:aws:lambda:${REGION}:${MEMBER}:function:member-fixture` }],
      }),
    );

    const sns = new SNSClient(clientConfig(HUB));
    topicArn = (
      await sns.send(new CreateTopicCommand({ Name: 'alerts', Attributes: { DisplayName: 'fixture alerts' } }))
    ).TopicArn as string;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'Finance@Example.org' }));

    runtime = await LocalLambdaRuntime.start({
      endpoint: frontDoor.endpoint,
      accounts: [HUB, MEMBER],
      region: REGION,
      workDir,
      pollIntervalMs: 50,
      streamRetryDelayMs: 0,
      asyncRetryDelaysMs: [0],
      targetRetryDelayMs: 0,
      scheduleTimers: false,
      shiftableClock: true,
      // An invocation of the `hold` fixture marked `deferred` only waits for its release file.
      deferredInvocation: ({ event }) => {
        const held = event as { deferred?: boolean; release?: string };
        return held.deferred === true && typeof held.release === 'string' && !existsSync(held.release);
      },
    });
    runtime.connect(frontDoor);
  });

  afterAll(() =>
    stopAll(
      () => runtime?.stop(),
      () => credentials?.close(),
      () => frontDoor?.stop(),
      () => moto?.stop(),
      () => workDir && rmSync(workDir, { recursive: true, force: true }),
    ),
  );

  it('finds the functions, their mapping, rules and schedule in both accounts', () => {
    const inventory = runtime.inventory();

    expect(inventory.functions.map((f) => `${f.account}/${f.functionName}`).sort()).toEqual([
      `${HUB}/hub-fixture`,
      `${MEMBER}/member-fixture`,
    ]);
    expect(runtime.findFunction('hub-fixture').eventInvokeConfig).toEqual({
      maximumRetryAttempts: 1,
      maximumEventAgeInSeconds: 21_600,
      onFailure: `arn:aws:sqs:${REGION}:${HUB}:async-dlq`,
    });
    expect(inventory.streamMappings).toHaveLength(1);
    expect(inventory.rules.map((r) => `${r.account}/${r.busName}/${r.name}`).sort()).toEqual([
      `${HUB}/default/hourly-fixture`,
      `${HUB}/status/record-status`,
      `${MEMBER}/default/forward`,
      `${MEMBER}/default/parameters`,
    ]);
  });

  it('runs a function with its own role’s credentials in its own account, and keeps its log', async () => {
    const result = await runtime.invoke('member-fixture', { action: 'describe' });

    expect(result.ok).toBe(true);
    const { env } = (result as { payload: { env: Record<string, string> } }).payload;
    expect(env['GREETING']).toBe(`hello from ${MEMBER}`);
    const identity = await new STSClient({
      region: REGION,
      endpoint: env['AWS_ENDPOINT_URL'],
      credentials: {
        accessKeyId: env['AWS_ACCESS_KEY_ID'] as string,
        secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] as string,
        sessionToken: env['AWS_SESSION_TOKEN'] as string,
      } satisfies TemporaryCredentials,
    }).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(MEMBER);
    expect(identity.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/member-fixture-role/member-fixture`);
    expect(readFileSync(join(workDir, 'logs', MEMBER, 'member-fixture.log'), 'utf8')).toContain(
      `START RequestId: ${result.requestId}`,
    );
  });

  it('polls the stream: retries a reported failure from its record, bisects to the bad record and sends its failure record to the queue', async () => {
    const ddb = new DynamoDBClient(clientConfig(HUB));
    // One request, so that the three records are in the stream before the poller (every 50 ms)
    // reads it: one batch of three, whatever the machine's load.
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          'fixture-table': (
            [
              ['ok', undefined],
              ['flaky', 'once'],
              ['poison', 'throw'],
            ] as const
          ).map(([id, fail]) => ({
            PutRequest: { Item: { id: { S: id }, ...(fail ? { fail: { S: fail } } : {}) } },
          })),
        },
      }),
    );

    await runtime.settled();

    const [stats] = runtime.streamStats();
    expect(stats).toMatchObject({
      recordsIn: 3,
      processed: 2,
      deadLettered: 1,
      discarded: 0,
      pending: 0,
      bisections: 1,
      partialFailures: 1,
    });
    const messages = await receiveAll(HUB, streamDlqUrl);
    expect(messages).toHaveLength(1);
    const failure = JSON.parse(messages[0]?.Body ?? '{}') as Record<string, Record<string, unknown>>;
    expect(failure['requestContext']).toMatchObject({
      functionArn: `arn:aws:lambda:${REGION}:${HUB}:function:hub-fixture`,
      condition: 'RetryAttemptsExhausted',
      // Invocations whose batch held the record: the first batch of three, then it alone twice.
      approximateInvokeCount: 3,
    });
    expect(failure['DDBStreamBatchInfo']).toMatchObject({
      batchSize: 1,
      shardId: expect.stringMatching(/^shardId-/),
      streamArn: expect.stringContaining(':table/fixture-table/stream/'),
    });
    const streamCalls = records(HUB)
      .filter((r) => r['kind'] === 'stream')
      .map((r) => (r['records'] as string[]).length);
    // [ok, flaky, poison] fails → [ok, flaky] reports flaky → [flaky] → [poison] → [poison] again.
    expect(streamCalls).toEqual([3, 2, 1, 1, 1]);
  });

  it('routes a member’s event through its forwarding rule to the hub’s bus and function, keeping the member’s account', async () => {
    const { Entries } = await new EventBridgeClient(clientConfig(MEMBER)).send(
      new PutEventsCommand({
        Entries: [{ Source: 'fixture.spoke', DetailType: 'Status', Detail: JSON.stringify({ n: 1 }) }],
      }),
    );

    await runtime.settled();

    const delivered = records(HUB)
      .filter((r) => r['kind'] === 'event')
      .map((r) => r['event'] as Record<string, unknown>);
    expect(delivered).toContainEqual(
      expect.objectContaining({ id: Entries?.[0]?.EventId, account: MEMBER, source: 'fixture.spoke' }),
    );
  });

  it('retries a failing asynchronous invocation per its EventInvokeConfig, then sends Lambda’s record to the OnFailure queue', async () => {
    await new EventBridgeClient(clientConfig(MEMBER)).send(
      new PutEventsCommand({
        Entries: [{ Source: 'fixture.spoke', DetailType: 'Status', Detail: JSON.stringify({ fail: true }) }],
      }),
    );

    await runtime.settled();

    const messages = await receiveAll(HUB, asyncDlqUrl);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]?.Body ?? '{}')).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: `arn:aws:lambda:${REGION}:${HUB}:function:hub-fixture:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: { source: 'fixture.spoke', account: MEMBER, detail: { fail: true } },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'FixtureError' },
    });
  });

  it('runs the member’s function on the Parameter Store Change the front door emits', async () => {
    await new SSMClient(clientConfig(MEMBER)).send(
      new PutParameterCommand({ Name: '/fixture/a', Value: '1', Type: 'String' }),
    );

    await runtime.settled();

    const delivered = records(MEMBER)
      .filter((r) => r['kind'] === 'event')
      .map((r) => r['event'] as Record<string, unknown>);
    expect(delivered).toContainEqual(
      expect.objectContaining({
        source: 'aws.ssm',
        account: MEMBER,
        detail: expect.objectContaining({ name: '/fixture/a', operation: 'Create' }),
      }),
    );
  });

  it('moves the functions’ clock on request (setClockOffset), and back', async () => {
    const clock = async () =>
      ((await runtime.invoke('member-fixture', { action: 'clock' })) as { payload: { now: number } }).payload.now;
    const nextYear = 366 * 86_400_000;
    runtime.setClockOffset(nextYear);
    try {
      const before = Date.now();
      expect(await clock()).toBeGreaterThanOrEqual(before + nextYear);
      expect(runtime.clockOffsetMs).toBe(nextYear);
    } finally {
      runtime.setClockOffset(0);
    }
    expect(await clock()).toBeLessThanOrEqual(Date.now());
  });

  it('fires a schedule now on request, with a Scheduled Event naming the rule', async () => {
    expect(runtime.fireSchedule('hourly-fixture')).toBe(1);

    await runtime.settled();

    const scheduled = records(HUB)
      .filter((r) => r['kind'] === 'event')
      .map((r) => r['event'] as Record<string, unknown>);
    expect(scheduled).toContainEqual(
      expect.objectContaining({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        account: HUB,
        resources: [`arn:aws:events:${REGION}:${HUB}:rule/hourly-fixture`],
      }),
    );
  });

  it('delivers an SNS publish to the topic’s email subscriptions as a file in the outbox', async () => {
    const listeners: ((publish: SnsPublish) => void | Promise<void>)[] = [];
    const disconnect = runtime.connect({
      onSnsPublish: (listener) => {
        listeners.push(listener);
        return () => undefined;
      },
    });
    const { MessageId } = await new SNSClient(clientConfig(HUB)).send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'Edit dead-lettered',
        Message: 'One edit could not be delivered.',
      }),
    );
    // What the front door does after moto accepted the Publish.
    for (const listener of listeners) {
      void listener({
        topicArn,
        subject: 'Edit dead-lettered',
        message: 'One edit could not be delivered.',
        messageId: MessageId as string,
      });
    }

    await runtime.settled();
    disconnect();

    const [email] = await runtime.outbox.read('finance@example.org');
    expect(email).toMatchObject({
      to: 'Finance@Example.org',
      from: 'fixture alerts <no-reply@sns.amazonaws.com>',
      subject: 'Edit dead-lettered',
      headers: { 'X-SNS-Topic-Arn': topicArn, 'X-SNS-Message-Id': MessageId },
    });
    expect(email?.body).toMatch(
      /^One edit could not be delivered\.\n\n--\nIf you wish to stop receiving notifications/,
    );
    expect(email?.file.startsWith(join(workDir, 'outbox', 'finance@example.org'))).toBe(true);
  });

  it('runs asynchronous invocations of one function at once, up to its reserved concurrency (read on refresh)', async () => {
    const lambda = new LambdaClient(clientConfig(MEMBER));
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'member-fixture', ReservedConcurrentExecutions: 3 }),
    );
    await runtime.refresh();
    expect(runtime.findFunction('member-fixture').concurrency).toBe(3);
    expect(runtime.findFunction('hub-fixture').concurrency).toBe(DEFAULT_FUNCTION_CONCURRENCY);
    const meeting = join(workDir, 'meeting');
    mkdirSync(meeting);
    const before = records(MEMBER).length;

    // Each ends only once all three have begun: they run at once, or they time out and fail.
    for (const name of ['a', 'b', 'c']) {
      await runtime.invokeAsync('member-fixture', { action: 'rendezvous', dir: meeting, name, count: 3 });
    }
    await runtime.settled();

    expect(records(MEMBER).slice(before)).toEqual([
      expect.objectContaining({ action: 'rendezvous' }),
      expect.objectContaining({ action: 'rendezvous' }),
      expect.objectContaining({ action: 'rendezvous' }),
    ]);
    expect(runtime.asyncFailures).toEqual([]);
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'member-fixture' }));
    await runtime.refresh();
    expect(runtime.findFunction('member-fixture').concurrency).toBe(DEFAULT_FUNCTION_CONCURRENCY);
  });

  it('settles without an invocation that only waits for a later time (deferred), and waits for it once its time came', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deferred-'));
    const started = join(dir, 'started');
    const release = join(dir, 'release');
    try {
      await runtime.invokeAsync('member-fixture', { action: 'hold', started, release, deferred: true });
      for (let i = 0; i < 3000 && !existsSync(started); i++) await new Promise((r) => setTimeout(r, 10));
      expect(existsSync(started)).toBe(true);

      await runtime.settled(30_000); // returns although the held invocation still runs
      expect(runtime.pendingInvocations().map((p) => p.functionName)).toEqual(['member-fixture']);

      writeFileSync(release, '');
      await runtime.settled(30_000); // its time came: waited for
      expect(runtime.pendingInvocations()).toEqual([]);
      expect(records(MEMBER).at(-1)).toMatchObject({ action: 'hold' });
    } finally {
      writeFileSync(release, '');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives up settling at its timeout while an asynchronous invocation still runs, and says which', async () => {
    await runtime.invokeAsync('member-fixture', { action: 'sleep', ms: 5000 });

    await expect(runtime.settled(300)).rejects.toThrow(
      /did not settle within 300 ms: 1 asynchronous invocation\(s\) still running or waiting: member-fixture \(for \d+ s\)/,
    );
    await runtime.settled();
  });

  it('on refresh takes a changed configuration (a cold start with the new environment) and keeps rules added by hand', async () => {
    runtime.router.addRule({
      name: 'by-hand',
      account: HUB,
      region: REGION,
      busName: 'default',
      pattern: { source: ['by.hand'] },
      targets: [],
    });
    await new LambdaClient(clientConfig(MEMBER)).send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'member-fixture',
        Environment: { Variables: { RECORD_FILE: recordFile(MEMBER), GREETING: 'updated' } },
      }),
    );

    await runtime.refresh();
    const result = await runtime.invoke('member-fixture', { action: 'describe' });

    expect(result).toMatchObject({ ok: true, coldStart: true, payload: { env: { GREETING: 'updated' } } });
    expect(runtime.router.listRules().map((rule) => rule.name)).toContain('by-hand');
    expect(runtime.inventory().streamMappings).toHaveLength(1);
  });

  it('counts every record and invocation: nothing was lost', () => {
    const [stats] = runtime.streamStats();
    expect(stats && stats.recordsIn).toBe(
      stats && stats.filtered + stats.processed + stats.deadLettered + stats.discarded + stats.pending,
    );
    expect(runtime.asyncFailures).toEqual([]);
    expect(runtime.deadLetters).toEqual([]);
  });
});
