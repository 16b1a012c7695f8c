/**
 * EventBridge Scheduler's schedules as the front door sees them pass to moto (REST-JSON:
 * CreateSchedule `POST /schedules/{Name}`, UpdateSchedule `PUT`, DeleteSchedule `DELETE
 * /schedules/{Name}?groupName=`): moto keeps them but never runs them; a local runtime that
 * listens (FrontDoor.onScheduleCreated, onScheduleDeleted) does.
 */
import type { CallInfo } from '../aws-call';
import { partitionOfRegion } from '../budgets/partition';

/** Which schedule: account, region, group and name, and its ARN. */
export interface ScheduleId {
  /** `arn:partition:scheduler:region:account:schedule/group/name` */
  arn: string;
  accountId: string;
  region: string;
  groupName: string;
  name: string;
}

/** A schedule's target, as CreateSchedule / UpdateSchedule gave it. */
export interface ScheduleTarget {
  arn: string;
  roleArn?: string;
  /** The text the target gets (a Lambda function: its event, as JSON). */
  input?: string;
  /** DeadLetterConfig.Arn: the SQS queue of the events that could not be delivered. */
  deadLetterArn?: string;
  /** RetryPolicy; moto (and AWS) default to 185 retries and 86,400 s when left out. */
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
}

/** A schedule moto accepted (CreateSchedule) or replaced (UpdateSchedule, which replaces every setting). */
export interface SchedulerSchedule extends ScheduleId {
  operation: 'CreateSchedule' | 'UpdateSchedule';
  /** `at(yyyy-mm-ddThh:mm:ss)`, `rate(...)` or `cron(...)`. */
  scheduleExpression: string;
  /** The time zone of at() and cron(); UTC when left out. */
  scheduleExpressionTimezone?: string;
  /** ENABLED (when left out) or DISABLED. */
  state?: string;
  /** NONE (when left out) or DELETE: delete the schedule once its last invocation is done. */
  actionAfterCompletion?: string;
  target: ScheduleTarget;
}

/** The schedule operations the front door tells listeners about (once moto answered 200). */
export function isScheduleChange(call: CallInfo): boolean {
  return (
    call.service === 'scheduler' &&
    (call.operation === 'CreateSchedule' || call.operation === 'UpdateSchedule' || call.operation === 'DeleteSchedule')
  );
}

/** The schedule a successful DeleteSchedule call deleted. */
export function deletedScheduleOf(call: CallInfo, accountId: string): ScheduleId | undefined {
  const name = scheduleName(call);
  if (name === undefined) return undefined;
  return scheduleId(accountId, call.region ?? 'us-east-1', call.query['groupName'] || 'default', name);
}

/**
 * The schedule a successful CreateSchedule or UpdateSchedule call made (`response`: moto's
 * answer, `{ ScheduleArn }`); undefined when the request lacks an expression or a target ARN.
 */
export function scheduleOf(call: CallInfo, response: unknown, accountId: string): SchedulerSchedule | undefined {
  const name = scheduleName(call);
  const request = (call.body ?? {}) as Record<string, unknown>;
  const target = request['Target'] as Record<string, unknown> | undefined;
  const expression = request['ScheduleExpression'];
  if (name === undefined || typeof expression !== 'string' || typeof target?.['Arn'] !== 'string') return undefined;
  const groupName = typeof request['GroupName'] === 'string' && request['GroupName'] ? request['GroupName'] : 'default';
  const answered = (response as { ScheduleArn?: unknown } | undefined)?.ScheduleArn;
  // moto's ARN says which account and region it put the schedule in.
  const fromArn =
    typeof answered === 'string' ? /^arn:[\w-]+:scheduler:([a-z0-9-]+):(\d{12}):schedule\//.exec(answered) : null;
  const id = scheduleId(fromArn?.[2] ?? accountId, fromArn?.[1] ?? call.region ?? 'us-east-1', groupName, name);
  const retry = target['RetryPolicy'] as Record<string, unknown> | undefined;
  const deadLetter = target['DeadLetterConfig'] as Record<string, unknown> | undefined;
  return {
    ...id,
    ...(typeof answered === 'string' ? { arn: answered } : {}),
    operation: call.operation === 'UpdateSchedule' ? 'UpdateSchedule' : 'CreateSchedule',
    scheduleExpression: expression,
    ...stringField('scheduleExpressionTimezone', request['ScheduleExpressionTimezone']),
    ...stringField('state', request['State']),
    ...stringField('actionAfterCompletion', request['ActionAfterCompletion']),
    target: {
      arn: target['Arn'],
      ...stringField('roleArn', target['RoleArn']),
      ...stringField('input', target['Input']),
      ...stringField('deadLetterArn', deadLetter?.['Arn']),
      ...numberField('maximumRetryAttempts', retry?.['MaximumRetryAttempts']),
      ...numberField('maximumEventAgeInSeconds', retry?.['MaximumEventAgeInSeconds']),
    },
  };
}

function scheduleName(call: CallInfo): string | undefined {
  const encoded = /^\/schedules\/([^/]+)$/.exec(call.path)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function scheduleId(accountId: string, region: string, groupName: string, name: string): ScheduleId {
  return {
    arn: `arn:${partitionOfRegion(region)}:scheduler:${region}:${accountId}:schedule/${groupName}/${name}`,
    accountId,
    region,
    groupName,
    name,
  };
}

function stringField<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === 'string' ? { [key]: value } : {}) as { [P in K]?: string };
}

function numberField<K extends string>(key: K, value: unknown): { [P in K]?: number } {
  return (typeof value === 'number' ? { [key]: value } : {}) as { [P in K]?: number };
}
