import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { startFrontDoor, type FrontDoor, type ScheduleId, type SchedulerSchedule } from './front-door';
import { startMotoServer, type MotoServer } from './moto-server';
import { stopAll } from './test-support';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:enforce-spend`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:checks-dlq`;

describe('front door: EventBridge Scheduler schedules for a runtime', () => {
  let moto: MotoServer;
  let door: FrontDoor;
  let scheduler: SchedulerClient;
  const created: SchedulerSchedule[] = [];
  const deleted: ScheduleId[] = [];
  const offs: (() => void)[] = [];

  const oneTime = (name: string): CreateScheduleCommandInput => ({
    Name: name,
    ScheduleExpression: 'at(2026-12-03T10:15:00)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: FUNCTION_ARN,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler`,
      Input: JSON.stringify({ check: name }),
      DeadLetterConfig: { Arn: DLQ_ARN },
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
    },
  });

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
    scheduler = new SchedulerClient({
      endpoint: door.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    offs.push(door.onScheduleCreated((schedule) => void created.push(schedule)));
    offs.push(door.onScheduleDeleted((schedule) => void deleted.push(schedule)));
  });
  afterAll(() =>
    stopAll(
      () => scheduler?.destroy(),
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );
  beforeEach(() => {
    created.length = 0;
    deleted.length = 0;
  });

  it('tells of a schedule moto created, with its target, after the call was answered', async () => {
    const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand(oneTime('org-budgets-local-check-a')));
    await door.eventsSettled();

    expect(ScheduleArn).toBe(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/org-budgets-local-check-a`);
    expect(created).toEqual([
      {
        arn: ScheduleArn,
        accountId: ACCOUNT,
        region: REGION,
        groupName: 'default',
        name: 'org-budgets-local-check-a',
        operation: 'CreateSchedule',
        scheduleExpression: 'at(2026-12-03T10:15:00)',
        scheduleExpressionTimezone: 'UTC',
        actionAfterCompletion: 'DELETE',
        target: {
          arn: FUNCTION_ARN,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler`,
          input: '{"check":"org-budgets-local-check-a"}',
          deadLetterArn: DLQ_ARN,
          maximumRetryAttempts: 3,
          maximumEventAgeInSeconds: 600,
        },
      },
    ]);
    // moto keeps it: Get answers as moto does.
    const got = await scheduler.send(new GetScheduleCommand({ Name: 'org-budgets-local-check-a' }));
    expect(got.Target?.Input).toBe('{"check":"org-budgets-local-check-a"}');
  });

  it('tells of nothing moto refused: a schedule that exists already, a delete of none', async () => {
    await scheduler.send(new CreateScheduleCommand(oneTime('org-budgets-local-check-b')));
    await door.eventsSettled();
    created.length = 0;

    const again = await scheduler
      .send(new CreateScheduleCommand(oneTime('org-budgets-local-check-b')))
      .catch((caught: unknown) => caught);
    const none = await scheduler
      .send(new DeleteScheduleCommand({ Name: 'org-budgets-local-check-none' }))
      .catch((caught: unknown) => caught);
    await door.eventsSettled();

    expect(again).toBeInstanceOf(ConflictException);
    expect(none).toBeInstanceOf(ResourceNotFoundException);
    expect(created).toEqual([]);
    expect(deleted).toEqual([]);
  });

  it('tells of a replaced schedule (UpdateSchedule) and of a deleted one', async () => {
    await scheduler.send(new CreateScheduleCommand(oneTime('org-budgets-local-check-c')));
    await scheduler.send(
      new UpdateScheduleCommand({
        ...oneTime('org-budgets-local-check-c'),
        ScheduleExpression: 'rate(5 minutes)',
        State: 'DISABLED',
      }),
    );
    await scheduler.send(new DeleteScheduleCommand({ Name: 'org-budgets-local-check-c', GroupName: 'default' }));
    await door.eventsSettled();

    expect(created.map((s) => [s.operation, s.scheduleExpression, s.state])).toEqual([
      ['CreateSchedule', 'at(2026-12-03T10:15:00)', undefined],
      ['UpdateSchedule', 'rate(5 minutes)', 'DISABLED'],
    ]);
    expect(deleted).toEqual([
      {
        arn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/org-budgets-local-check-c`,
        accountId: ACCOUNT,
        region: REGION,
        groupName: 'default',
        name: 'org-budgets-local-check-c',
      },
    ]);
    const gone = await scheduler
      .send(new GetScheduleCommand({ Name: 'org-budgets-local-check-c' }))
      .catch((caught: unknown) => caught);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });

  it('tells no one once the listeners unsubscribed', async () => {
    for (const off of offs.splice(0)) off();

    await scheduler.send(new CreateScheduleCommand(oneTime('org-budgets-local-check-d')));
    await scheduler.send(new DeleteScheduleCommand({ Name: 'org-budgets-local-check-d' }));
    await door.eventsSettled();

    expect(created).toEqual([]);
    expect(deleted).toEqual([]);
  });
});
