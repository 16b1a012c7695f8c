import type { ScheduleId, SchedulerSchedule } from '@org-budgets/aws-emulator';
import type { DestinationMessage } from './destinations';
import { FunctionNotFoundError } from './function-loader';
import { OneTimeSchedules } from './one-time-schedules';

const ACCOUNT = '111111111111';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:enforce-spend`;
const DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:checks-dlq`;
/** The machine's clock at the start of every test (fake timers). */
const START = Date.parse('2026-12-03T10:00:00.000Z');
const HOUR = 3_600_000;

function schedule(name: string, overrides: Partial<SchedulerSchedule> = {}): SchedulerSchedule {
  return {
    arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/default/${name}`,
    accountId: ACCOUNT,
    region: 'us-east-1',
    groupName: 'default',
    name,
    operation: 'CreateSchedule',
    scheduleExpression: 'at(2026-12-03T10:00:30)',
    scheduleExpressionTimezone: 'UTC',
    actionAfterCompletion: 'DELETE',
    ...overrides,
    target: {
      arn: FUNCTION_ARN,
      input: JSON.stringify({ check: name }),
      deadLetterArn: DLQ_ARN,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      ...overrides.target,
    },
  };
}

describe('OneTimeSchedules', () => {
  let offset: number;
  let invoked: { arn: string; event: unknown; at: number }[];
  let sent: { arn: string; message: DestinationMessage }[];
  let deleted: ScheduleId[];
  let logged: { message: string; fields: Record<string, unknown> }[];
  let invokeAsync: (arn: string, event: unknown) => Promise<unknown>;
  let schedules: OneTimeSchedules;

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    offset = 0;
    invoked = [];
    sent = [];
    deleted = [];
    logged = [];
    invokeAsync = (arn, event) => {
      invoked.push({ arn, event, at: Date.now() });
      return Promise.resolve({ requestId: 'r' });
    };
    schedules = new OneTimeSchedules({
      invokeAsync: (arn, event) => invokeAsync(arn, event),
      send: (arn, message) => {
        sent.push({ arn, message });
        return Promise.resolve();
      },
      deleteSchedule: (id) => {
        deleted.push(id);
        return Promise.resolve();
      },
      clockOffsetMs: () => offset,
      log: (message, fields) => logged.push({ message, fields }),
      retryDelayMs: 100,
    });
  });
  afterEach(() => {
    schedules.stop();
    jest.useRealTimers();
  });

  /** Lets the fake clock run `ms`, then the deliveries under way finish. */
  async function advance(ms: number): Promise<void> {
    await jest.advanceTimersByTimeAsync(ms);
    while (schedules.pending.size > 0) {
      await jest.advanceTimersByTimeAsync(100);
    }
  }

  it('invokes the function asynchronously with the parsed Input at its time, then deletes the schedule', async () => {
    const check = schedule('org-budgets-local-check-a');
    schedules.created(check);

    await advance(29_999);
    expect(invoked).toEqual([]);
    expect(schedules.list()).toEqual([
      {
        arn: check.arn,
        name: check.name,
        at: new Date('2026-12-03T10:00:30Z'),
        targetArn: FUNCTION_ARN,
      },
    ]);

    await advance(1);
    expect(invoked).toEqual([{ arn: FUNCTION_ARN, event: { check: 'org-budgets-local-check-a' }, at: START + 30_000 }]);
    expect(deleted).toEqual([check]);
    expect(sent).toEqual([]);
    expect(schedules.list()).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps the schedule after it ran without ActionAfterCompletion DELETE, and passes Input that is not JSON as it is', async () => {
    schedules.created(
      schedule('plain', { actionAfterCompletion: 'NONE', target: { arn: FUNCTION_ARN, input: 'hello' } }),
    );

    await advance(30_000);

    expect(invoked.map((i) => i.event)).toEqual(['hello']);
    expect(deleted).toEqual([]);
  });

  it('reads at() on the functions’ clock: with the clock an hour ahead, an at() an hour ahead fires in 30 s', async () => {
    offset = HOUR;
    schedules.created(schedule('ahead', { scheduleExpression: 'at(2026-12-03T11:00:30)' }));

    await advance(29_999);
    expect(invoked).toEqual([]);
    await advance(1);
    expect(invoked.map((i) => i.at)).toEqual([START + 30_000]);
  });

  it('sets its timers again when the functions’ clock moves', async () => {
    schedules.created(schedule('moved', { scheduleExpression: 'at(2026-12-03T12:00:00)' }));
    await advance(1000);

    offset = 2 * HOUR;
    schedules.clockMoved();
    await advance(0);

    expect(invoked.map((i) => i.at)).toEqual([START + 1000]);
  });

  it('fires an at() already past at once, and reads the time zone', async () => {
    schedules.created(schedule('past', { scheduleExpression: 'at(2026-12-01T00:00:00)' }));
    // 11:00:30 in Paris (UTC+1 in December) is 10:00:30 UTC.
    schedules.created(
      schedule('paris', { scheduleExpression: 'at(2026-12-03T11:00:30)', scheduleExpressionTimezone: 'Europe/Paris' }),
    );

    await advance(0);
    expect(invoked.map((i) => (i.event as { check: string }).check)).toEqual(['past']);
    await advance(30_000);
    expect(invoked.map((i) => [(i.event as { check: string }).check, i.at])).toEqual([
      ['past', START],
      ['paris', START + 30_000],
    ]);
  });

  it('does not fire a schedule deleted before its time, and fires a replaced one at its new time', async () => {
    const gone = schedule('gone');
    schedules.created(gone);
    schedules.created(schedule('moved', { scheduleExpression: 'at(2026-12-03T10:00:10)' }));
    schedules.created(
      schedule('moved', { operation: 'UpdateSchedule', scheduleExpression: 'at(2026-12-03T10:01:00)' }),
    );
    schedules.deleted(gone);

    await advance(59_999);
    expect(invoked).toEqual([]);
    await advance(1);

    expect(invoked.map((i) => i.at)).toEqual([START + 60_000]);
    expect(logged).toContainEqual({
      message: 'one-time schedule deleted before its time',
      fields: { scheduleArn: gone.arn },
    });
  });

  it('sends a schedule whose function does not exist to its dead-letter queue at once, without retries', async () => {
    invokeAsync = (arn) => Promise.reject(new FunctionNotFoundError(`Function not found: ${arn}`));
    const check = schedule('missing');
    schedules.created(check);

    await advance(30_000);

    expect(sent).toEqual([
      {
        arn: DLQ_ARN,
        message: {
          body: '{"check":"missing"}',
          attributes: {
            ERROR_CODE: 'ResourceNotFoundException',
            ERROR_MESSAGE: `Function not found: ${FUNCTION_ARN}`,
            EXECUTION_ID: expect.any(String),
            RETRY_ATTEMPTS: '0',
            SCHEDULE_ARN: check.arn,
            TARGET_ARN: FUNCTION_ARN,
          },
        },
      },
    ]);
    expect(deleted).toEqual([check]);
    expect(logged).toContainEqual({
      message: 'one-time schedule could not deliver',
      fields: expect.objectContaining({ scheduleArn: check.arn, attempts: 1, deadLetterArn: DLQ_ARN }),
    });
  });

  it('retries a failed hand-over per the RetryPolicy, then dead-letters it', async () => {
    let attempts = 0;
    invokeAsync = () => {
      attempts += 1;
      return Promise.reject(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    };
    schedules.created(schedule('busy'));

    await advance(30_000);

    expect(attempts).toBe(3);
    expect(sent.map((s) => s.message.attributes)).toEqual([
      expect.objectContaining({
        ERROR_CODE: 'TooManyRequestsException',
        ERROR_MESSAGE: 'throttled',
        RETRY_ATTEMPTS: '2',
      }),
    ]);
  });

  it('delivers to an SQS target with Input as the message body', async () => {
    const queue = `arn:aws:sqs:us-east-1:${ACCOUNT}:work`;
    schedules.created(schedule('to-queue', { target: { arn: queue, input: '{"n":1}' } }));

    await advance(30_000);

    expect(sent).toEqual([{ arn: queue, message: { body: '{"n":1}' } }]);
    expect(invoked).toEqual([]);
  });

  it('leaves rate() and cron() schedules, disabled ones and bad expressions alone, logging rate() and cron() once', async () => {
    const rate = schedule('every-5', { scheduleExpression: 'rate(5 minutes)' });
    schedules.created(rate);
    schedules.created({ ...rate, operation: 'UpdateSchedule' });
    schedules.created(schedule('cron', { scheduleExpression: 'cron(0 * * * ? *)' }));
    schedules.created(schedule('off', { state: 'DISABLED' }));
    schedules.created(schedule('bad', { scheduleExpression: 'at(2026-13-40T10:00:00)' }));

    await advance(HOUR);

    expect(invoked).toEqual([]);
    expect(schedules.list()).toEqual([]);
    expect(logged.filter((l) => l.message.startsWith('Scheduler schedule not run'))).toHaveLength(2);
    expect(logged.map((l) => l.message)).toEqual(
      expect.arrayContaining(['one-time schedule not run: it is disabled', 'one-time schedule not run']),
    );
  });

  it('fires nothing after stop, and leaves no timer behind', async () => {
    schedules.created(schedule('late'));
    schedules.created(schedule('later', { scheduleExpression: 'at(2027-06-01T00:00:00)' }));
    expect(jest.getTimerCount()).toBe(2);

    schedules.stop();
    schedules.created(schedule('after-stop'));
    await advance(HOUR);

    expect(jest.getTimerCount()).toBe(0);
    expect(invoked).toEqual([]);
  });

  it('fires a schedule by hand with fireNow', async () => {
    schedules.created(schedule('by-hand', { scheduleExpression: 'at(2027-06-01T00:00:00)' }));

    expect(schedules.fireNow('by-hand')).toBe(1);
    await advance(0);

    expect(invoked).toHaveLength(1);
    expect(schedules.fireNow('by-hand')).toBe(0);
  });
});
