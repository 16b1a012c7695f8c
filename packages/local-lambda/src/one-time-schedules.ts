import { randomUUID } from 'node:crypto';
import type { ScheduleId, SchedulerSchedule } from '@org-budgets/aws-emulator';
import type { DestinationMessage } from './destinations';
import { FunctionNotFoundError } from './function-loader';
import type { RuntimeLog } from './runtime-log';
import { parseAtExpression } from './schedule-expression';

export interface OneTimeSchedulesOptions {
  /** Hands `event` to a Lambda function for an asynchronous invocation; FunctionNotFoundError when there is none. */
  invokeAsync(functionArn: string, event: unknown): Promise<unknown>;
  /** Sends a message to an SQS queue or an SNS topic: a target, or a dead-letter queue. */
  send(arn: string, message: DestinationMessage): Promise<void>;
  /** Deletes the schedule at Scheduler (ActionAfterCompletion DELETE). */
  deleteSchedule(schedule: ScheduleId): Promise<void>;
  /** How far the functions' clock runs ahead of this machine's (ms): at() times are on the functions' clock. */
  clockOffsetMs(): number;
  log: RuntimeLog;
  /** Wait before each retry of a failed delivery; 200 ms (Scheduler backs off for minutes). */
  retryDelayMs?: number | undefined;
  /** Deliver each schedule at its time (true, the default), or only through `fireNow` (false). */
  timers?: boolean | undefined;
  /** This machine's clock (epoch ms); Date.now by default. */
  now?: () => number;
}

/** A one-time schedule waiting for its time. */
export interface PendingOneTimeSchedule {
  arn: string;
  name: string;
  /** Its at() time, on the functions' clock. */
  at: Date;
  targetArn: string;
}

interface Entry {
  schedule: SchedulerSchedule;
  /** The at() instant (epoch ms, functions' clock). */
  at: number;
  timer?: NodeJS.Timeout;
}

/** setTimeout takes at most this many milliseconds. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Scheduler's default RetryPolicy (moto fills in the same). */
const DEFAULT_RETRIES = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** Errors no retry mends: the target does not exist. */
const NOT_FOUND_ERRORS = new Set([
  'FunctionNotFoundError',
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NotFoundException',
  'NotFound',
]);

/**
 * EventBridge Scheduler's one-time schedules (`at(yyyy-mm-ddThh:mm:ss)`), which moto keeps but
 * never runs: each is delivered at its time on the functions' clock (at − the clock offset on this
 * machine's; an at() already past at once) to its target, a Lambda function (an asynchronous
 * invocation with JSON.parse(Input) as the event, the raw Input when it is not JSON) or an SQS
 * queue or SNS topic (Input as the message). A delivery that fails is retried per the target's
 * RetryPolicy, except when the target does not exist; one that fails for good goes to the
 * target's DeadLetterConfig queue (see deadLetterMessage) and to the runtime log. With
 * ActionAfterCompletion DELETE the schedule is deleted at Scheduler afterwards.
 *
 * rate() and cron() schedules of Scheduler are not run here (a line in the runtime log says so);
 * neither are disabled ones. Timers do not keep the process alive and are cleared on `stop`.
 */
export class OneTimeSchedules {
  private readonly entries = new Map<string, Entry>();
  private readonly firing = new Set<Promise<void>>();
  private readonly waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  private readonly notRun = new Set<string>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: OneTimeSchedulesOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Deliveries under way (their retries, dead letters and deletes included). */
  get pending(): ReadonlySet<Promise<void>> {
    return this.firing;
  }

  /** A schedule Scheduler created or replaced (UpdateSchedule): armed, re-armed, or left alone with a log line. */
  created(schedule: SchedulerSchedule): void {
    if (this.stopped) return;
    this.cancel(schedule.arn);
    const expression = schedule.scheduleExpression.trim();
    if (!expression.startsWith('at(')) {
      if (!this.notRun.has(schedule.arn)) {
        this.notRun.add(schedule.arn);
        this.options.log('Scheduler schedule not run: only one-time at() schedules are emulated', {
          scheduleArn: schedule.arn,
          expression,
        });
      }
      return;
    }
    if (schedule.state === 'DISABLED') {
      this.options.log('one-time schedule not run: it is disabled', { scheduleArn: schedule.arn });
      return;
    }
    const service = schedule.target.arn.split(':')[2];
    if (service !== 'lambda' && service !== 'sqs' && service !== 'sns') {
      this.options.log('one-time schedule not run: only Lambda, SQS and SNS targets are delivered locally', {
        scheduleArn: schedule.arn,
        targetArn: schedule.target.arn,
      });
      return;
    }
    let at: Date;
    try {
      at = parseAtExpression(expression, schedule.scheduleExpressionTimezone);
    } catch (error) {
      this.options.log('one-time schedule not run', { scheduleArn: schedule.arn, error: String(error) });
      return;
    }
    const entry: Entry = { schedule, at: at.getTime() };
    this.entries.set(schedule.arn, entry);
    this.options.log('one-time schedule armed', {
      scheduleArn: schedule.arn,
      at: at.toISOString(),
      targetArn: schedule.target.arn,
    });
    this.arm(entry);
  }

  /** A schedule Scheduler deleted: it will not run. */
  deleted(schedule: ScheduleId): void {
    if (this.cancel(schedule.arn))
      this.options.log('one-time schedule deleted before its time', { scheduleArn: schedule.arn });
  }

  /** The functions' clock moved (LocalLambdaRuntime.setClockOffset): every timer is set again. */
  clockMoved(): void {
    for (const entry of this.entries.values()) this.arm(entry);
  }

  /** The schedules waiting for their time, soonest first. */
  list(): PendingOneTimeSchedule[] {
    return [...this.entries.values()]
      .sort((a, b) => a.at - b.at)
      .map(({ schedule, at }) => ({
        arn: schedule.arn,
        name: schedule.name,
        at: new Date(at),
        targetArn: schedule.target.arn,
      }));
  }

  /** Delivers the waiting schedules whose ARN or name is `nameOrArn` now. Returns how many. */
  fireNow(nameOrArn: string): number {
    const due = [...this.entries.values()].filter((e) => e.schedule.arn === nameOrArn || e.schedule.name === nameOrArn);
    for (const entry of due) this.fire(entry);
    return due.length;
  }

  /** Clears every timer (and retry wait): nothing is delivered any more. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.entries.clear();
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.done();
    }
    this.waits.clear();
  }

  /** Waits for the deliveries under way. */
  async drain(): Promise<void> {
    while (this.firing.size > 0) await Promise.allSettled([...this.firing]);
  }

  private cancel(arn: string): boolean {
    const entry = this.entries.get(arn);
    if (!entry) return false;
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(arn);
    return true;
  }

  private arm(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    if (this.options.timers === false) return;
    const delay = entry.at - this.options.clockOffsetMs() - this.now();
    entry.timer = setTimeout(() => this.onTimer(entry), Math.max(0, Math.min(MAX_TIMEOUT_MS, delay)));
    entry.timer.unref();
  }

  private onTimer(entry: Entry): void {
    if (this.entries.get(entry.schedule.arn) !== entry) return;
    // Beyond setTimeout's reach (some 24.8 days), or the clock moved back: wait on.
    if (this.now() + this.options.clockOffsetMs() < entry.at) {
      this.arm(entry);
      return;
    }
    this.fire(entry);
  }

  private fire(entry: Entry): void {
    this.cancel(entry.schedule.arn);
    const work = this.deliver(entry.schedule).catch((error: unknown) =>
      this.options.log('one-time schedule failed in the runtime', {
        scheduleArn: entry.schedule.arn,
        error: String(error),
      }),
    );
    this.firing.add(work);
    void work.finally(() => this.firing.delete(work));
  }

  private async deliver(schedule: SchedulerSchedule): Promise<void> {
    const { target } = schedule;
    const executionId = randomUUID();
    const maxRetries = target.maximumRetryAttempts ?? DEFAULT_RETRIES;
    const maxAgeMs = (target.maximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    const retryDelayMs = this.options.retryDelayMs ?? 200;
    const started = this.now();
    let attempts = 0;
    let lastError: unknown;
    let delivered = false;
    for (;;) {
      attempts += 1;
      try {
        await this.handOver(schedule);
        delivered = true;
        break;
      } catch (error) {
        lastError = error;
      }
      if (isNotFound(lastError) || attempts > maxRetries || this.stopped) break;
      if (this.now() + retryDelayMs - started > maxAgeMs) break;
      await this.wait(retryDelayMs);
      if (this.stopped) break;
    }
    if (delivered) {
      this.options.log('one-time schedule delivered', {
        scheduleArn: schedule.arn,
        targetArn: target.arn,
        executionId,
        attempts,
      });
    } else {
      const letter = deadLetterMessage(schedule, lastError, attempts, executionId);
      this.options.log('one-time schedule could not deliver', {
        scheduleArn: schedule.arn,
        targetArn: target.arn,
        executionId,
        attempts,
        error: letter.attributes?.['ERROR_MESSAGE'],
        deadLetterArn: target.deadLetterArn ?? null,
      });
      if (target.deadLetterArn) {
        try {
          await this.options.send(target.deadLetterArn, letter);
        } catch (error) {
          this.options.log('the dead-letter queue of a one-time schedule refused its message', {
            scheduleArn: schedule.arn,
            deadLetterArn: target.deadLetterArn,
            error: String(error),
          });
        }
      }
    }
    if (schedule.actionAfterCompletion === 'DELETE' && !this.stopped) {
      try {
        await this.options.deleteSchedule(schedule);
      } catch (error) {
        // Deleted meanwhile (DeleteSchedule by its owner): nothing left to do.
        if ((error as Error).name !== 'ResourceNotFoundException') {
          this.options.log('a one-time schedule could not be deleted after it ran', {
            scheduleArn: schedule.arn,
            error: String(error),
          });
        }
      }
    }
  }

  private async handOver(schedule: SchedulerSchedule): Promise<void> {
    const { target } = schedule;
    if (target.arn.split(':')[2] === 'lambda') {
      await this.options.invokeAsync(target.arn, inputEvent(target.input));
      return;
    }
    await this.options.send(target.arn, { body: target.input ?? '{}' });
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolveWait) => {
      const wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolveWait();
        }, ms),
        done: () => resolveWait(),
      };
      wait.timer.unref();
      this.waits.add(wait);
    });
  }
}

/** A Lambda target's event: its Input parsed as JSON, the raw text when it is not JSON, `{}` without one. */
function inputEvent(input: string | undefined): unknown {
  if (input === undefined) return {};
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof FunctionNotFoundError || NOT_FOUND_ERRORS.has((error as Error | undefined)?.name ?? '');
}

/**
 * The message a schedule that could not deliver leaves on its dead-letter queue, as EventBridge
 * Scheduler's dead-letter events are: the body is what the target was to get (the Input, `{}`
 * without one), the message attributes say why — ERROR_CODE (e.g. ResourceNotFoundException for
 * a function that does not exist), ERROR_MESSAGE, EXECUTION_ID, RETRY_ATTEMPTS (retries after
 * the first attempt), SCHEDULE_ARN and TARGET_ARN.
 */
export function deadLetterMessage(
  schedule: SchedulerSchedule,
  error: unknown,
  attempts: number,
  executionId: string,
): DestinationMessage {
  const code =
    error instanceof FunctionNotFoundError
      ? 'ResourceNotFoundException'
      : ((error as Error | undefined)?.name ?? 'Error');
  const message =
    error instanceof FunctionNotFoundError
      ? `Function not found: ${schedule.target.arn}`
      : error instanceof Error
        ? error.message
        : String(error);
  return {
    body: schedule.target.input ?? '{}',
    attributes: {
      ERROR_CODE: code,
      ERROR_MESSAGE: message,
      EXECUTION_ID: executionId,
      RETRY_ATTEMPTS: String(attempts - 1),
      SCHEDULE_ARN: schedule.arn,
      TARGET_ARN: schedule.target.arn,
    },
  };
}
