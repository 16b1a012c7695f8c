import {
  isTerminalStatus,
  JOB_STATUSES,
  type AttemptTimes,
  type CapacityType,
  type JobFacts,
  type JobObservation,
  type JobStatus,
} from './batch-job-event';
import { LedgerJobMismatchError } from './errors';
import { stableJson } from './spend-memory';

/**
 * The guardian ledger: one record per Batch job, built from Batch Job State Change events.
 *
 * `applyObservation` is a merge, not a replay: every field is combined with an order-free rule
 * (latest progress wins, earliest start wins, known beats unknown, more attempts win), so the
 * same set of events gives the same record whatever order, and however often, they arrive.
 * EventBridge delivers at least once and in no particular order; Lambda retries re-deliver.
 *
 * Progress of a job, compared in this order:
 *   1. finished (SUCCEEDED or FAILED) beats unfinished: a RUNNING after SUCCEEDED never reopens it;
 *   2. more started attempts beat fewer: a retried job goes RUNNING -> RUNNABLE -> … again, and
 *      the RUNNABLE of the second attempt lists the first attempt, so it is later;
 *   3. status rank SUBMITTED < PENDING < RUNNABLE < STARTING < RUNNING < SUCCEEDED/FAILED;
 *   4. event time, then status name, only to break ties deterministically.
 * Facts that only accumulate (startedAt, stoppedAt, attempts, the start of the current run,
 * Spot or on-demand once known) are merged from every event, even a late one.
 *
 * Writing it to DynamoDB: read the record, call `applyObservation`, and if it returns a record,
 * put it with the condition from `ledgerWriteCondition(current)` — `attribute_not_exists(jobId)`
 * for a new record, `version = :expectedVersion` otherwise. On ConditionalCheckFailed, read again
 * and re-apply: the merge makes the retry safe. `undefined` means nothing to write.
 */

const STATUS_RANK: Record<JobStatus, number> = Object.fromEntries(JOB_STATUSES.map((s, i) => [s, i])) as Record<
  JobStatus,
  number
>;

export interface JobRecord extends JobFacts {
  /**
   * The attempt seen STARTING or RUNNING last (0 = first), and the earliest evidence that it had
   * started: the time of its STARTING or RUNNING event, or its `startedAt`, whichever is earlier.
   * Fargate bills from the image pull, which happens in STARTING, so the STARTING event is the
   * better start of billing when it was seen.
   */
  currentRun?: { attempt: number; since: number };
  /** Time of the event that set `status` (epoch ms). */
  statusEventTime: number;
  /** Latest event time merged into the record (epoch ms). */
  lastEventTime: number;
  /**
   * Optimistic-concurrency counter: 1 for a new record, +1 for every change. The conditional write
   * expects the version that was read.
   */
  version: number;
}

export type LedgerWriteCondition = { kind: 'create' } | { kind: 'update'; expectedVersion: number };

/** The condition the DynamoDB write of a record derived from `current` must carry. */
export function ledgerWriteCondition(current: JobRecord | undefined): LedgerWriteCondition {
  return current ? { kind: 'update', expectedVersion: current.version } : { kind: 'create' };
}

/**
 * The record after one observation, or `undefined` when the observation adds nothing (a repeated
 * or superseded event): then there is nothing to write.
 */
export function applyObservation(current: JobRecord | undefined, observation: JobObservation): JobRecord | undefined {
  if (current && current.jobId !== observation.jobId) {
    throw new LedgerJobMismatchError(current.jobId, observation.jobId);
  }
  const incoming = recordFromObservation(observation);
  if (!current) return incoming;
  const merged = mergeRecords(current, incoming);
  return sameContent(current, merged) ? undefined : { ...merged, version: current.version + 1 };
}

/** A record holding just one observation (version 1). */
export function recordFromObservation(observation: JobObservation): JobRecord {
  const runs = observation.status === 'STARTING' || observation.status === 'RUNNING';
  const attempt = observation.attempts.length;
  const lastStop = observation.attempts.at(-1)?.stoppedAt;
  // Batch's startedAt belongs to this run only when it is later than the previous attempt's stop.
  const startedThisRun =
    observation.startedAt !== undefined && (lastStop === undefined || observation.startedAt > lastStop)
      ? observation.startedAt
      : undefined;
  return compact({
    jobId: observation.jobId,
    jobName: observation.jobName,
    jobArn: observation.jobArn,
    jobQueueArn: observation.jobQueueArn,
    jobQueueName: observation.jobQueueName,
    status: observation.status,
    statusReason: observation.statusReason,
    kind: observation.kind,
    billable: observation.billable,
    resources: observation.resources,
    platform: observation.platform,
    architecture: observation.architecture,
    capacity: observation.capacity,
    createdAt: observation.createdAt,
    startedAt: observation.startedAt,
    stoppedAt: observation.stoppedAt,
    attempts: observation.attempts.map((a) => ({ ...a })),
    tags: observation.tags ? { ...observation.tags } : undefined,
    currentRun: runs
      ? { attempt, since: Math.min(observation.eventTime, startedThisRun ?? observation.eventTime) }
      : undefined,
    statusEventTime: observation.eventTime,
    lastEventTime: observation.eventTime,
    version: 1,
  });
}

/** Order-free merge of two records of the same job; keeps `a.version`. */
export function mergeRecords(a: JobRecord, b: JobRecord): JobRecord {
  const [later, earlier] = compareProgress(a, b) >= 0 ? [a, b] : [b, a];
  return compact({
    jobId: a.jobId,
    jobName: later.jobName || earlier.jobName,
    jobArn: a.jobArn ?? b.jobArn,
    jobQueueArn: later.jobQueueArn,
    jobQueueName: later.jobQueueName,
    status: later.status,
    statusReason: later.statusReason ?? (later.status === earlier.status ? earlier.statusReason : undefined),
    kind: later.kind,
    billable: a.billable && b.billable,
    resources: later.resources ?? earlier.resources,
    platform: later.platform,
    architecture: later.architecture,
    capacity: mergeCapacity(a.capacity, b.capacity),
    createdAt: minDefined(a.createdAt, b.createdAt),
    startedAt: maxDefined(a.startedAt, b.startedAt),
    stoppedAt: maxDefined(a.stoppedAt, b.stoppedAt),
    attempts: mergeAttempts(a.attempts, b.attempts),
    // Batch reports the same tags on every event of a job; the later event's win if they differ.
    tags: later.tags ?? earlier.tags,
    currentRun: mergeRuns(a.currentRun, b.currentRun),
    statusEventTime: later.statusEventTime,
    lastEventTime: Math.max(a.lastEventTime, b.lastEventTime),
    version: a.version,
  });
}

/** > 0 when `a` is further along than `b` (see the rules at the top of this file). */
export function compareProgress(
  a: Pick<JobRecord, 'status' | 'attempts' | 'statusEventTime'>,
  b: Pick<JobRecord, 'status' | 'attempts' | 'statusEventTime'>,
): number {
  const finished = Number(isTerminalStatus(a.status)) - Number(isTerminalStatus(b.status));
  if (finished !== 0) return finished;
  const attempts = a.attempts.length - b.attempts.length;
  if (attempts !== 0) return attempts;
  const rank = STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (rank !== 0) return rank;
  const time = a.statusEventTime - b.statusEventTime;
  if (time !== 0) return time;
  return a.status < b.status ? -1 : a.status > b.status ? 1 : 0;
}

function mergeCapacity(a: CapacityType, b: CapacityType): CapacityType {
  if (a === b) return a;
  if (a === 'UNKNOWN') return b;
  if (b === 'UNKNOWN') return a;
  // Contradicting resolvers: on-demand is the dearer, so never under-count.
  return 'ON_DEMAND';
}

function mergeAttempts(a: AttemptTimes[], b: AttemptTimes[]): AttemptTimes[] {
  const length = Math.max(a.length, b.length);
  return Array.from({ length }, (_, i) => {
    const x = a[i];
    const y = b[i];
    if (!x || !y) return { ...(x ?? y)! };
    const stoppedAt = maxDefined(x.stoppedAt, y.stoppedAt);
    return { startedAt: Math.min(x.startedAt, y.startedAt), ...(stoppedAt !== undefined ? { stoppedAt } : {}) };
  });
}

function mergeRuns(a: JobRecord['currentRun'], b: JobRecord['currentRun']): JobRecord['currentRun'] {
  if (!a || !b) return a ?? b;
  if (a.attempt !== b.attempt) return a.attempt > b.attempt ? a : b;
  return { attempt: a.attempt, since: Math.min(a.since, b.since) };
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** Drops undefined properties so that records compare and serialize cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Equal apart from `version` and `lastEventTime` (a later copy of a known event is no news). */
function sameContent(a: JobRecord, b: JobRecord): boolean {
  return stableJson({ ...a, version: 0, lastEventTime: 0 }) === stableJson({ ...b, version: 0, lastEventTime: 0 });
}
