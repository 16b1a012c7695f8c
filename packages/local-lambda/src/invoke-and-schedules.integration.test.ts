import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { zipSync } from 'fflate';
import { startFrontDoor, startMotoServer, type FrontDoor, type MotoServer } from '@org-budgets/aws-emulator';
import { stopAll } from '@org-budgets/aws-emulator/testing';
import { AccountCredentials } from './account-credentials';
import { LocalLambdaRuntime } from './local-lambda-runtime';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const FIXTURE_CODE = readFileSync(join(__dirname, 'fixtures', 'test-function.cjs'));
/** Generous: the machine may be busy; nothing here measures speed. */
const WAIT_MS = 60_000;
const DAY = 86_400_000;

/**
 * Functions calling Lambda's Invoke, and EventBridge Scheduler's one-time schedules, on moto
 * behind the front door with the runtime connected: the two ways the spoke's cost guardian
 * schedules its checks.
 */
describe('LocalLambdaRuntime: Lambda Invoke and one-time schedules through the front door', () => {
  let moto: MotoServer;
  let frontDoor: FrontDoor;
  let credentials: AccountCredentials;
  let runtime: LocalLambdaRuntime;
  let workDir: string;
  let scheduler: SchedulerClient;
  let sqs: SQSClient;
  let callerArn: string;
  let targetArn: string;
  let dlqUrl: string;
  const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  const dlqArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:checks-dlq`;
  const clientConfig = () => ({
    region: REGION,
    endpoint: frontDoor.endpoint,
    credentials: () => credentials.forAccount(ACCOUNT),
  });

  /** The actions the fixture function `name` was invoked with, in order. */
  const actionsOf = (name: string): string[] => {
    const file = join(workDir, `record-${name}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; action?: string })
      .filter((entry) => entry.kind === 'action')
      .map((entry) => entry.action ?? '');
  };

  async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }

  async function deployFixture(name: string, roleArn: string): Promise<string> {
    const config = clientConfig();
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const lambda = new LambdaClient(config);
    try {
      const key = `serverless/fixture/local/1/${name}.zip`;
      await s3.send(
        new PutObjectCommand({
          Bucket: 'fixture-deployments',
          Key: key,
          Body: zipSync({ 'src/handler.js': FIXTURE_CODE }),
        }),
      );
      const { FunctionArn } = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Role: roleArn,
          Handler: 'src/handler.handler',
          Code: { S3Bucket: 'fixture-deployments', S3Key: key },
          Timeout: 10,
          Environment: {
            Variables: {
              RECORD_FILE: join(workDir, `record-${name}.jsonl`),
              LAMBDA_CLIENT_MODULE: require.resolve('@aws-sdk/client-lambda'),
            },
          },
        }),
      );
      return FunctionArn as string;
    } finally {
      s3.destroy();
      lambda.destroy();
    }
  }

  /** `at(...)` of the instant `ms` (epoch) in UTC, to the second. */
  const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;

  const oneTime = (name: string, expression: string, target: string, input: unknown): CreateScheduleCommandInput => ({
    Name: name,
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: target,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler`,
      Input: JSON.stringify(input),
      DeadLetterConfig: { Arn: dlqArn },
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
    },
  });

  const scheduleExists = (name: string) =>
    scheduler.send(new GetScheduleCommand({ Name: name })).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      },
    );

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'local-lambda-invoke-'));
    moto = await startMotoServer();
    frontDoor = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
    credentials = new AccountCredentials({ endpoint: frontDoor.endpoint, region: REGION });
    scheduler = new SchedulerClient(clientConfig());
    sqs = new SQSClient(clientConfig());

    const iam = new IAMClient(clientConfig());
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    try {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'fixture-role',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          }),
        }),
      );
      await s3.send(new CreateBucketCommand({ Bucket: 'fixture-deployments' }));
      callerArn = await deployFixture('track-batch-jobs', Role?.Arn as string);
      targetArn = await deployFixture('enforce-spend', Role?.Arn as string);
    } finally {
      iam.destroy();
      s3.destroy();
    }
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'checks-dlq' }));
    dlqUrl = QueueUrl as string;

    runtime = await LocalLambdaRuntime.start({
      endpoint: frontDoor.endpoint,
      accounts: [ACCOUNT],
      region: REGION,
      workDir,
      scheduleTimers: false,
      shiftableClock: true,
    });
    runtime.connect(frontDoor);
  });

  afterAll(() =>
    stopAll(
      () => runtime?.stop(),
      () => scheduler?.destroy(),
      () => sqs?.destroy(),
      () => credentials?.close(),
      () => frontDoor?.stop(),
      () => moto?.stop(),
      () => workDir && rmSync(workDir, { recursive: true, force: true }),
    ),
  );

  it('runs the function another function invoked with InvocationType Event', async () => {
    const result = await runtime.invoke('track-batch-jobs', {
      action: 'invoke',
      functionName: targetArn,
      invocationType: 'Event',
      payload: { action: 'checked-by-event' },
    });

    expect(result).toMatchObject({ ok: true, payload: { statusCode: 202, functionError: null, payload: null } });
    await runtime.settled(WAIT_MS);
    expect(actionsOf('enforce-spend')).toEqual(['checked-by-event']);
    expect(frontDoor.calls()).toContainEqual(
      expect.objectContaining({ service: 'lambda', operation: 'Invoke', status: 202, accountId: ACCOUNT }),
    );
  });

  it('answers RequestResponse with the result or the function’s error, and an unknown function with ResourceNotFoundException', async () => {
    const ran = await runtime.invoke(callerArn, {
      action: 'invoke',
      functionName: 'enforce-spend',
      invocationType: 'RequestResponse',
      payload: { action: 'answer-me' },
    });
    const failed = await runtime.invoke(callerArn, {
      action: 'invoke',
      functionName: 'enforce-spend',
      invocationType: 'RequestResponse',
      payload: { action: 'throw', message: 'over budget' },
    });
    const missing = await runtime.invoke(callerArn, {
      action: 'invoke',
      functionName: functionArn('no-such-function'),
      invocationType: 'Event',
      payload: {},
    });

    expect(ran).toMatchObject({
      ok: true,
      payload: { statusCode: 200, functionError: null, payload: JSON.stringify({ echo: { action: 'answer-me' } }) },
    });
    expect(failed).toMatchObject({ ok: true, payload: { statusCode: 200, functionError: 'Unhandled' } });
    const failure = (failed as { payload: { payload: string } }).payload.payload;
    expect(JSON.parse(failure)).toMatchObject({ errorType: 'FixtureError', errorMessage: 'over budget' });
    expect(missing).toMatchObject({
      ok: false,
      error: {
        errorType: 'ResourceNotFoundException',
        errorMessage: `Function not found: ${functionArn('no-such-function')}`,
      },
    });
  });

  it('runs a function that calls itself with RequestResponse in a second container, beside the waiting first', async () => {
    const result = await runtime.invoke(callerArn, {
      action: 'invoke',
      functionName: callerArn,
      invocationType: 'RequestResponse',
      payload: { action: 'answer-myself' },
    });

    expect(result).toMatchObject({
      ok: true,
      payload: { statusCode: 200, functionError: null, payload: JSON.stringify({ echo: { action: 'answer-myself' } }) },
    });
  });

  it('runs a one-time schedule’s function with its Input at its time on the functions’ clock, then deletes the schedule', async () => {
    // The functions live ten days ahead: the schedule is 2 s ahead of their clock.
    runtime.setClockOffset(10 * DAY);
    try {
      const name = 'org-budgets-local-check-soon';
      await scheduler.send(
        new CreateScheduleCommand(
          oneTime(name, at(Date.now() + 10 * DAY + 2000), targetArn, { action: 'scheduled-soon' }),
        ),
      );
      await frontDoor.eventsSettled();
      expect(runtime.pendingOneTimeSchedules().map((s) => s.name)).toEqual([name]);

      await waitFor('the scheduled invocation', () =>
        actionsOf('enforce-spend').includes('scheduled-soon') ? true : undefined,
      );
      await runtime.settled(WAIT_MS);

      expect(await scheduleExists(name)).toBe(false);
      expect(runtime.pendingOneTimeSchedules()).toEqual([]);
    } finally {
      runtime.setClockOffset(0);
    }
  });

  it('runs a schedule whose at() has passed at once', async () => {
    const name = 'org-budgets-local-check-past';
    await scheduler.send(
      new CreateScheduleCommand(oneTime(name, at(Date.now() - 120_000), targetArn, { action: 'scheduled-past' })),
    );

    await waitFor('the scheduled invocation', () =>
      actionsOf('enforce-spend').includes('scheduled-past') ? true : undefined,
    );
    await runtime.settled(WAIT_MS);

    expect(await scheduleExists(name)).toBe(false);
  });

  it('leaves a message on the dead-letter queue for a schedule whose function does not exist', async () => {
    const name = 'org-budgets-local-check-nowhere';
    const { ScheduleArn } = await scheduler.send(
      new CreateScheduleCommand(
        oneTime(name, at(Date.now() - 60_000), functionArn('no-such-function'), { check: 'nowhere' }),
      ),
    );

    const message = await waitFor<Message>('the dead letter', async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      return Messages?.[0];
    });
    await runtime.settled(WAIT_MS);

    expect(message.Body).toBe('{"check":"nowhere"}');
    const attributes = Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue]),
    );
    expect(attributes).toEqual({
      ERROR_CODE: 'ResourceNotFoundException',
      ERROR_MESSAGE: `Function not found: ${functionArn('no-such-function')}`,
      EXECUTION_ID: expect.any(String),
      RETRY_ATTEMPTS: '0',
      SCHEDULE_ARN: ScheduleArn,
      TARGET_ARN: functionArn('no-such-function'),
    });
    expect(await scheduleExists(name)).toBe(false);
    const log = readFileSync(join(workDir, 'logs', 'runtime.log'), 'utf8');
    expect(log).toContain('"message":"one-time schedule could not deliver"');
  });

  it('does not run a schedule deleted before its time', async () => {
    const name = 'org-budgets-local-check-cancelled';
    await scheduler.send(
      new CreateScheduleCommand(oneTime(name, at(Date.now() + DAY), targetArn, { action: 'never' })),
    );
    await frontDoor.eventsSettled();
    expect(runtime.pendingOneTimeSchedules().map((s) => s.name)).toContain(name);

    await scheduler.send(new DeleteScheduleCommand({ Name: name }));
    await frontDoor.eventsSettled();

    expect(runtime.pendingOneTimeSchedules().map((s) => s.name)).not.toContain(name);
  });
});
