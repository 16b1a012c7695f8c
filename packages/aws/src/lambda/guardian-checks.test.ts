import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { GuardianCheckUnreadableError } from '../errors';
import 'aws-sdk-client-mock-jest';
import { lazyLambdaClient, lazySchedulerClient } from './lazy-clients';
import {
  checkScheduleName,
  createGuardianChecks,
  isGuardianCheck,
  readGuardianCheck,
  GUARDIAN_CHECK_SOURCE,
  MAX_SCHEDULE_PREFIX_LENGTH,
  MAX_WAIT_SECONDS,
  schedulerFireMinute,
} from './guardian-checks';

const lambda = mockClient(LambdaClient);
const scheduler = mockClient(SchedulerClient);
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111111111111:function:org-budgets-spoke-prod-enforceSpend';
const DELAY_ARN = 'arn:aws:lambda:us-east-1:111111111111:function:org-budgets-spoke-prod-delayGuardianCheck';
const SCHEDULES = {
  roleArn: 'arn:aws:iam::111111111111:role/org-budgets-spoke-prod-guardian-check-scheduler',
  deadLetterQueueArn: 'arn:aws:sqs:us-east-1:111111111111:org-budgets-prod-spoke-dlq',
  namePrefix: 'org-budgets-prod-check-',
};
const NOW = new Date('2026-12-03T10:00:05.250Z');
const checks = (withSchedules = true) =>
  createGuardianChecks(
    new LambdaClient({ region: 'us-east-1' }),
    {
      functionArn: FUNCTION_ARN,
      delayFunctionArn: DELAY_ARN,
      ...(withSchedules ? { schedules: { ...SCHEDULES, client: new SchedulerClient({ region: 'us-east-1' }) } } : {}),
    },
    () => NOW,
  );
const payloadOf = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;

beforeEach(() => {
  lambda.reset();
  scheduler.reset();
});

describe('createGuardianChecks', () => {
  it('asks for a check due now as an asynchronous invocation of enforce-spend, with no schedule', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    await checks().request('team a', 0, 'job j1 started near a threshold');

    expect(scheduler).not.toHaveReceivedAnyCommand();
    const call = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(call).toMatchObject({ FunctionName: FUNCTION_ARN, InvocationType: 'Event' });
    expect(payloadOf(call.Payload as Uint8Array)).toEqual({
      source: GUARDIAN_CHECK_SOURCE,
      budgetName: 'team a',
      reason: 'job j1 started near a threshold',
      requestedAt: NOW.toISOString(),
      notBefore: NOW.toISOString(),
    });
  });

  it('asks for a check due within two minutes as an invocation of delay-guardian-check, which waits until notBefore', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    await checks().request('team a', MAX_WAIT_SECONDS, 'crossing');

    const call = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(call).toMatchObject({ FunctionName: DELAY_ARN, InvocationType: 'Event' });
    expect(payloadOf(call.Payload as Uint8Array)).toMatchObject({ notBefore: '2026-12-03T10:02:05.250Z' });
    expect(scheduler).not.toHaveReceivedAnyCommand();
  });

  it('fails when Lambda does not accept the invocation, naming the function and the budget', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled' });

    await expect(checks().request('team a', 0, 'r')).rejects.toThrow(
      /lambda:Invoke of arn:aws:lambda:.*enforceSpend \(Event\) for a check of "team a" answered 200 \(Unhandled\), not 202/,
    );
  });

  it('asks for a later check as a one-time schedule of delay-guardian-check that fires before notBefore and deletes itself', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });

    await checks().request('team a', 200, 'running jobs expected to cross');

    expect(lambda).not.toHaveReceivedAnyCommand();
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    // notBefore 10:03:25.250: the minute that ends before it, less Scheduler's 60 s: 10:02.
    expect(input).toMatchObject({
      Name: checkScheduleName(SCHEDULES.namePrefix, 'team a', new Date('2026-12-03T10:03:25.250Z')),
      GroupName: 'default',
      ScheduleExpression: 'at(2026-12-03T10:02:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: DELAY_ARN,
        RoleArn: SCHEDULES.roleArn,
        DeadLetterConfig: { Arn: SCHEDULES.deadLetterQueueArn },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 },
      },
    });
    expect(JSON.parse(input.Target!.Input!)).toMatchObject({
      source: GUARDIAN_CHECK_SOURCE,
      budgetName: 'team a',
      notBefore: '2026-12-03T10:03:25.250Z',
    });
  });

  it('takes the same schedule asked for twice (a retried run) as asked for', async () => {
    scheduler.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule already exists',
        Message: 'Schedule already exists',
        $metadata: {},
      }),
    );

    await expect(checks().request('team a', 600, 'r')).resolves.toBeUndefined();
  });

  it('fails, saying why, when a later check is asked of a function without schedules (the tracker)', async () => {
    await expect(checks(false).request('team a', 121, 'r')).rejects.toThrow(
      'a check of "team a" in 121 s needs a schedule, and this function has no schedules configured (checks within 120 s only)',
    );
    expect(lambda).not.toHaveReceivedAnyCommand();
  });

  it('fails on any other Scheduler error', async () => {
    scheduler.on(CreateScheduleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(checks().request('team a', 600, 'r')).rejects.toThrow('denied');
  });
});

describe('createGuardianChecks with the clients imported on first use (lazyLambdaClient, lazySchedulerClient)', () => {
  const lazyChecks = () =>
    createGuardianChecks(
      lazyLambdaClient({ region: 'us-east-1' }),
      {
        functionArn: FUNCTION_ARN,
        delayFunctionArn: DELAY_ARN,
        schedules: { ...SCHEDULES, client: lazySchedulerClient({ region: 'us-east-1' }) },
      },
      () => NOW,
    );

  it('invokes and schedules as with clients created at load', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });

    await lazyChecks().request('team a', 0, 'now');
    await lazyChecks().request('team a', 600, 'later');

    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: FUNCTION_ARN, InvocationType: 'Event' });
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Target: expect.objectContaining({ Arn: DELAY_ARN }),
    });
  });

  it.each([
    ['Lambda', './lambda-sdk', 0],
    ['Scheduler', './scheduler-sdk', 600],
    ['Scheduler client', './scheduler-client-sdk', 600],
  ])('fails the request, loudly, when the %s module cannot be loaded', async (_client, sdkModule, delaySeconds) => {
    let isolated: {
      checks: typeof createGuardianChecks;
      lambda: typeof lazyLambdaClient;
      scheduler: typeof lazySchedulerClient;
    };
    jest.isolateModules(() => {
      jest.doMock(sdkModule, () => {
        throw new Error(`Cannot find module ${sdkModule}`);
      });
      /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module registry with the SDK module failing */
      const lazy = require('./lazy-clients') as typeof import('./lazy-clients');
      isolated = {
        checks: (require('./guardian-checks') as typeof import('./guardian-checks')).createGuardianChecks,
        lambda: lazy.lazyLambdaClient,
        scheduler: lazy.lazySchedulerClient,
      };
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    const failing = isolated!.checks(
      isolated!.lambda({ region: 'us-east-1' }),
      {
        functionArn: FUNCTION_ARN,
        delayFunctionArn: DELAY_ARN,
        schedules: { ...SCHEDULES, client: isolated!.scheduler({ region: 'us-east-1' }) },
      },
      () => NOW,
    );

    await expect(failing.request('team a', delaySeconds, 'r')).rejects.toThrow(`Cannot find module ${sdkModule}`);
    await expect(failing.request('team a', delaySeconds, 'r')).rejects.toThrow(`Cannot find module ${sdkModule}`);
    expect(lambda).not.toHaveReceivedAnyCommand();
    expect(scheduler).not.toHaveReceivedAnyCommand();
    jest.dontMock(sdkModule);
  });
});

describe('schedulerFireMinute', () => {
  it.each([
    ['2026-12-03T10:03:25.250Z', '2026-12-03T10:02:00.000Z'],
    ['2026-12-03T10:03:00.000Z', '2026-12-03T10:02:00.000Z'],
    ['2026-12-03T10:03:59.999Z', '2026-12-03T10:02:00.000Z'],
  ])('names, for notBefore %s, minute %s: fired anywhere in it, it is before notBefore', (notBefore, minute) => {
    const fire = schedulerFireMinute(new Date(notBefore));
    expect(fire.toISOString()).toBe(minute);
    expect(fire.getTime() + 59_999).toBeLessThan(Date.parse(notBefore));
    expect(Date.parse(notBefore) - fire.getTime()).toBeLessThanOrEqual(MAX_WAIT_SECONDS * 1000);
  });
});

describe('checkScheduleName', () => {
  it('is at most 64 characters Scheduler allows, whatever the budget name', () => {
    const name = checkScheduleName('x'.repeat(MAX_SCHEDULE_PREFIX_LENGTH), 'ü'.repeat(100), NOW);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9a-zA-Z\-_.]+$/);
  });
});

describe('readGuardianCheck', () => {
  const check = { source: GUARDIAN_CHECK_SOURCE, budgetName: 'b', notBefore: '2026-12-03T10:00:00.000Z' };

  it('reads a check', () => {
    expect(readGuardianCheck(check)).toEqual(check);
    expect(isGuardianCheck(check)).toBe(true);
  });

  it.each([
    ['no budget', { ...check, budgetName: undefined }],
    ['an empty budget', { ...check, budgetName: '' }],
    ['no time', { ...check, notBefore: undefined }],
    ['a time that is none', { ...check, notBefore: 'soon' }],
    ['another event', { source: 'aws.events' }],
    ['nothing', null],
  ])('fails on %s, naming what it expected', (_what, event) => {
    expect(() => readGuardianCheck(event)).toThrow(GuardianCheckUnreadableError);
    expect(() => readGuardianCheck(event)).toThrow(/names no budget or no time/);
  });

  it('tells a check from other events', () => {
    expect(isGuardianCheck({ source: 'aws.events' })).toBe(false);
    expect(isGuardianCheck(null)).toBe(false);
  });
});
