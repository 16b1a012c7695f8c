import { createHash } from 'node:crypto';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GuardianCheckUnreadableError } from '../errors';
import { loadLambdaSdk, loadSchedulerSdk } from './lazy-clients';

/**
 * Checks of one budget by enforce-spend between its scheduled runs: at once when a job starts near
 * a threshold, at the end of the tracker's debounce window, or at the moment running jobs are
 * expected to cross a threshold. Nothing stands and waits for them (no queue, no poller): a check
 * costs only when it is asked for.
 *
 * - Due now: an asynchronous invocation of enforce-spend (lambda:Invoke, InvocationType Event).
 * - Due within `MAX_WAIT_SECONDS`: an asynchronous invocation of delay-guardian-check, a 128 MB
 *   function that waits until `notBefore` and then invokes enforce-spend with the check (waiting
 *   there costs a quarter of what it would in enforce-spend's 512 MB).
 * - Later: a one-time EventBridge Scheduler schedule (`at(...)`, UTC, deleted by Scheduler after
 *   its one invocation) of delay-guardian-check with the same check. Scheduler fires somewhere in
 *   the minute it names ("60 second precision"), so the schedule names the minute that ends at
 *   least `SCHEDULER_PRECISION_SECONDS` before `notBefore`: it fires early, never late, and
 *   delay-guardian-check waits the rest (at most two minutes).
 *
 * Failures: an invocation that fails after Lambda's retries goes to its function's OnFailure
 * destination; a schedule that cannot invoke goes to the schedule's dead-letter queue. All are the
 * spoke's dead-letter queue, which alarms. A request that cannot be made throws.
 *
 * The commands (and the Lambda and Scheduler schemas) are imported at the first request, not at
 * load; give it `lazyLambdaClient(...)` and `lazySchedulerClient(...)` so that the clients'
 * modules wait as well. A module that cannot be loaded fails the request.
 */
export interface GuardianChecks {
  request(budgetName: string, delaySeconds: number, reason: string): Promise<void>;
}

/** What enforce-spend receives for a check (the Lambda event, from an invocation or a schedule). */
export interface GuardianCheckEvent {
  source: typeof GUARDIAN_CHECK_SOURCE;
  budgetName: string;
  reason: string;
  requestedAt: string;
  /** Not to be checked before this time (ISO 8601). */
  notBefore: string;
}

export const GUARDIAN_CHECK_SOURCE = 'org-budgets.guardian-check';

/** A check due within this many seconds is an invocation that waits; a later one is a schedule. */
export const MAX_WAIT_SECONDS = 120;
/** How far before its named minute's end EventBridge Scheduler may fire (it fires within the minute). */
export const SCHEDULER_PRECISION_SECONDS = 60;
/** The farthest a check is asked for: past the guardian's schedule the next scheduled run comes first. */
export const MAX_CHECK_DELAY_SECONDS = 86_400;

export interface GuardianChecksTarget {
  /** enforce-spend's ARN: invoked for a check due now. */
  functionArn: string;
  /** delay-guardian-check's ARN: invoked (or scheduled) for a check due later; it waits, then invokes enforce-spend. */
  delayFunctionArn: string;
  /** How checks later than `MAX_WAIT_SECONDS` are scheduled; without it such a request fails. */
  schedules?: {
    client: Pick<SchedulerClient, 'send'>;
    /** The role EventBridge Scheduler assumes to invoke enforce-spend and to dead-letter. */
    roleArn: string;
    /** Where a schedule that cannot invoke enforce-spend sends the check (the spoke's dead-letter queue). */
    deadLetterQueueArn: string;
    /** The schedules' name prefix (`org-budgets-<stage>-check-`); the functions may create only these. */
    namePrefix: string;
  };
}

/** The longest schedule name prefix: the name adds a 12-character digest, a dash and 10 digits (64 in all). */
export const MAX_SCHEDULE_PREFIX_LENGTH = 41;

export function createGuardianChecks(
  lambda: Pick<LambdaClient, 'send'>,
  target: GuardianChecksTarget,
  now: () => Date = () => new Date(),
): GuardianChecks {
  return {
    async request(budgetName, delaySeconds, reason) {
      const asked = now();
      const delay = Math.max(0, Math.min(MAX_CHECK_DELAY_SECONDS, Math.ceil(delaySeconds)));
      const notBefore = new Date(asked.getTime() + delay * 1000);
      const check: GuardianCheckEvent = {
        source: GUARDIAN_CHECK_SOURCE,
        budgetName,
        reason,
        requestedAt: asked.toISOString(),
        notBefore: notBefore.toISOString(),
      };
      if (delay <= MAX_WAIT_SECONDS) {
        await invokeWithCheck(lambda, delay === 0 ? target.functionArn : target.delayFunctionArn, check);
        return;
      }
      const schedules = target.schedules;
      if (!schedules) {
        throw new Error(
          `a check of "${budgetName}" in ${delay} s needs a schedule, and this function has no schedules configured (checks within ${MAX_WAIT_SECONDS} s only)`,
        );
      }
      const { ConflictException, CreateScheduleCommand } = await loadSchedulerSdk();
      try {
        await schedules.client.send(
          new CreateScheduleCommand({
            Name: checkScheduleName(schedules.namePrefix, budgetName, notBefore),
            GroupName: 'default',
            ScheduleExpression: `at(${atMinute(schedulerFireMinute(notBefore))})`,
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Description: `org-budgets guardian: check budget ${budgetName} (${reason})`.slice(0, 512),
            Target: {
              Arn: target.delayFunctionArn,
              RoleArn: schedules.roleArn,
              Input: JSON.stringify(check),
              DeadLetterConfig: { Arn: schedules.deadLetterQueueArn },
              // Retried for up to 5 minutes: a check later than that is the next scheduled run's.
              RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 },
            },
          }),
        );
      } catch (error) {
        // The same budget and time asked for twice (a retried run): the schedule is there.
        if (error instanceof ConflictException || (error as { name?: string }).name === 'ConflictException') return;
        throw error;
      }
    },
  };
}

/** Invokes a function asynchronously with a check; fails unless Lambda accepted it (202). */
export async function invokeWithCheck(
  lambda: Pick<LambdaClient, 'send'>,
  functionArn: string,
  check: GuardianCheckEvent,
): Promise<void> {
  const { InvokeCommand } = await loadLambdaSdk();
  const { StatusCode, FunctionError } = await lambda.send(
    new InvokeCommand({
      FunctionName: functionArn,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(check)),
    }),
  );
  if (StatusCode !== 202 || FunctionError) {
    throw new Error(
      `lambda:Invoke of ${functionArn} (Event) for a check of "${check.budgetName}" answered ${String(StatusCode)}${FunctionError ? ` (${FunctionError})` : ''}, not 202`,
    );
  }
}

/**
 * The minute a schedule names so that it fires before `notBefore` whatever second of that minute
 * Scheduler picks: the minute that ends at least a second before it.
 */
export function schedulerFireMinute(notBefore: Date): Date {
  const latest = notBefore.getTime() - SCHEDULER_PRECISION_SECONDS * 1000;
  return new Date(Math.floor(latest / 60_000) * 60_000);
}

/** `yyyy-mm-ddThh:mm:ss`, UTC, as Scheduler's at() takes it. */
function atMinute(minute: Date): string {
  return minute.toISOString().slice(0, 19);
}

/**
 * A schedule's name: the prefix, a digest of the budget name (budget names may be 100 characters
 * of any kind; schedule names are at most 64 of [0-9a-zA-Z-_.]) and the time, so that the same
 * request twice is one schedule.
 */
export function checkScheduleName(prefix: string, budgetName: string, notBefore: Date): string {
  const digest = createHash('sha256').update(budgetName).digest('hex').slice(0, 12);
  return `${prefix}${digest}-${Math.floor(notBefore.getTime() / 1000)}`;
}

/** Whether an event is meant as a guardian check (its `source`), readable or not. */
export function isGuardianCheck(event: unknown): boolean {
  return (
    typeof event === 'object' && event !== null && (event as { source?: unknown }).source === GUARDIAN_CHECK_SOURCE
  );
}

/**
 * The check an event asks for. An event that is meant as one (its `source`) but names no budget
 * or no readable time throws GuardianCheckUnreadableError: someone's mistake, to fail visibly.
 */
export function readGuardianCheck(event: unknown): GuardianCheckEvent {
  const check = event as Partial<GuardianCheckEvent>;
  if (
    !isGuardianCheck(event) ||
    typeof check.budgetName !== 'string' ||
    check.budgetName === '' ||
    typeof check.notBefore !== 'string' ||
    Number.isNaN(Date.parse(check.notBefore))
  ) {
    throw new GuardianCheckUnreadableError(JSON.stringify(event) ?? String(event));
  }
  return check as GuardianCheckEvent;
}

/**
 * How long to wait before a check for `notBefore`: until then, but never so long that less than
 * `reserveMs` of the invocation is left (an early check is safe: it only looks).
 */
export function checkWaitMs(notBefore: Date, now: Date, remainingMs: number, reserveMs: number): number {
  return Math.max(0, Math.min(notBefore.getTime() - now.getTime(), remainingMs - reserveMs));
}
