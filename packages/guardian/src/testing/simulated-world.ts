/**
 * Test support only (not exported from the package): a simulated world for the property tests of
 * the spend estimate (estimate.property.test.ts) — AWS Batch jobs and what the guardian's ledger
 * shows of them at any time, a budget whose definition changes, and AWS Budgets' figure as it is
 * refreshed, zeroed by updates and reset after a period begins. Everything here is plain data and
 * plain functions; the arbitraries that draw worlds live in the test.
 *
 * Costs are those of the cost model (`accruedSince`): the "truth" of the tests is the cost model
 * applied to what really happened, so the tests check the estimate's bookkeeping, not prices.
 */
import type { Architecture, Platform } from '../batch-job-event';
import { accruedSince, type PriceBook } from '../cost-model';
import type { FinishedJob } from '../tracked-totals';
import type { JobRecord } from '../ledger';
import { spendDefinitionKey } from '../spend-memory';
import { jobRecord } from './job-records';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const QUEUES = ['cpu', 'gpu', 'etl'] as const;
export const TAG_VALUES = { project: ['alpha', 'beta'], team: ['x', 'y'] } as const;
export const EC2_SERVICE = 'Amazon Elastic Compute Cloud - Compute';
export const FARGATE_SERVICE = 'Amazon Elastic Container Service';
export const BATCH_SERVICE = 'AWS Batch';
/** A service no Batch job is billed under. */
export const OTHER_SERVICE = 'Amazon Simple Storage Service';
export const SERVICES = [BATCH_SERVICE, EC2_SERVICE, FARGATE_SERVICE, OTHER_SERVICE] as const;

/** One attempt of a job, epoch ms; `stop` undefined: still running when the world ends. */
export interface SimAttempt {
  start: number;
  stop?: number;
}

/** A Batch job as it really ran, and how late the ledger and its index learn that it finished. */
export interface SimJob {
  jobId: string;
  queue: string;
  tags?: Record<string, string>;
  platform: Platform;
  architecture: Architecture;
  vcpus: number;
  memoryMiB: number;
  /** In order, not overlapping; only the last may be open. */
  attempts: SimAttempt[];
  finalStatus: 'SUCCEEDED' | 'FAILED';
  /** The finished record is written this long after the last attempt stopped ("recorded at"). */
  writeDelayMs: number;
  /** The index lists it among the finished this long after the write; until then among the active, as it was. */
  indexLagMs: number;
  /** A stale copy stays among the active this long after the write (at least `indexLagMs`). */
  lingerMs: number;
}

/** The budget's parts that decide which jobs and which spend count. */
export interface BudgetVersion {
  tags?: Record<string, string[]>;
  services?: string[];
  queues?: string[];
}

export const lastStop = (job: SimJob): number | undefined => job.attempts.at(-1)?.stop;
export const recordedAtOf = (job: SimJob): number | undefined => {
  const stop = lastStop(job);
  return stop === undefined ? undefined : stop + job.writeDelayMs;
};
const visibleAtOf = (job: SimJob): number | undefined => {
  const recorded = recordedAtOf(job);
  return recorded === undefined ? undefined : recorded + job.indexLagMs;
};
const lingersUntil = (job: SimJob): number | undefined => {
  const recorded = recordedAtOf(job);
  return recorded === undefined ? undefined : recorded + Math.max(job.lingerMs, job.indexLagMs);
};

/**
 * The ledger record of the job as it stands at `t`, built as the ledger's merge builds it: attempts
 * that stopped, the current run, the status. `finishKnown: false` leaves the final stop out (the
 * record before the finish was written, as a stale index copy shows it).
 */
export function recordAt(job: SimJob, t: number, finishKnown: boolean): JobRecord {
  const base: Partial<JobRecord> = {
    jobId: job.jobId,
    jobName: `sim-${job.jobId}`,
    jobQueueName: job.queue,
    jobQueueArn: `arn:aws:batch:us-east-1:111111111111:job-queue/${job.queue}`,
    platform: job.platform,
    architecture: job.architecture,
    resources: { vcpus: job.vcpus, memoryMiB: job.memoryMiB, gpus: 0 },
    createdAt: job.attempts[0]!.start - 5 * MINUTE,
    ...(job.tags ? { tags: { ...job.tags } } : {}),
  };
  const started = job.attempts.filter((a) => a.start <= t);
  if (started.length === 0) {
    const time = base.createdAt!;
    return jobRecord({ ...base, status: 'RUNNABLE', attempts: [], statusEventTime: time, lastEventTime: time });
  }
  const i = started.length - 1;
  const attempt = job.attempts[i]!;
  const isLast = i === job.attempts.length - 1;
  const closed = (n: number) => job.attempts.slice(0, n).map((a) => ({ startedAt: a.start, stoppedAt: a.stop! }));
  const currentRun = { attempt: i, since: attempt.start };
  if (attempt.stop !== undefined && t >= attempt.stop && (!isLast || finishKnown)) {
    const time = attempt.stop;
    return jobRecord({
      ...base,
      status: isLast ? job.finalStatus : 'RUNNABLE',
      startedAt: attempt.start,
      ...(isLast ? { stoppedAt: attempt.stop } : {}),
      attempts: closed(i + 1),
      currentRun,
      statusEventTime: time,
      lastEventTime: time,
    });
  }
  return jobRecord({
    ...base,
    status: 'RUNNING',
    startedAt: attempt.start,
    attempts: closed(i),
    currentRun,
    statusEventTime: attempt.start,
    lastEventTime: attempt.start,
  });
}

/** Everything that happened to the job, known at once: what the truth is computed from. */
export const trueRecord = (job: SimJob): JobRecord => recordAt(job, Number.MAX_SAFE_INTEGER, true);

/** Cost (USD) of the jobs accrued in [from, to] by the cost model; negative when `to` < `from`. */
export function accrual(records: readonly JobRecord[], from: number, to: number, prices: PriceBook): number {
  if (to < from) return -accrual(records, to, from, prices);
  return accruedSince(records, new Date(from), new Date(to), prices);
}

/**
 * Which jobs a budget version counts, as docs/cost-guardian.md and coverage.ts describe it, written
 * out independently of coverage.ts: in one of `queues` (when given), carrying one of the tag
 * values (any key, when given), billed under one of `services` (when given; "AWS Batch" means any
 * Batch job). `withQueues: false`: what AWS Budgets' filter covers (it knows nothing of queues).
 */
export function versionCovers(version: BudgetVersion, job: SimJob, withQueues = true): boolean {
  if (withQueues && version.queues !== undefined && !version.queues.includes(job.queue)) return false;
  if (version.tags !== undefined && Object.keys(version.tags).length > 0) {
    const tagged = Object.entries(version.tags).some(([key, values]) => {
      const value = job.tags?.[key];
      return value !== undefined && values.includes(value);
    });
    if (!tagged) return false;
  }
  if (version.services !== undefined && version.services.length > 0) {
    const billedUnder = job.platform === 'EC2' ? EC2_SERVICE : FARGATE_SERVICE;
    if (!version.services.some((s) => s === BATCH_SERVICE || s === billedUnder)) return false;
  }
  return true;
}

/** The budget item parts coverage reads. */
export function budgetOf(version: BudgetVersion) {
  const costFilter = {
    ...(version.tags !== undefined ? { tags: version.tags } : {}),
    ...(version.services !== undefined ? { services: version.services } : {}),
  };
  return {
    ...(Object.keys(costFilter).length > 0 ? { costFilter } : {}),
    guardian: {
      mode: 'enforce' as const,
      disableQueuesAt: 80,
      terminateJobsAt: 100,
      ...(version.queues !== undefined ? { jobQueues: version.queues } : {}),
    },
  };
}

/** The AWS Budget's definition key for a version (queues are no part of it: AWS does not know them). */
export function definitionOf(version: BudgetVersion): string {
  const costFilters: Record<string, string[]> = {};
  if (version.tags && Object.keys(version.tags).length > 0) {
    costFilters.TagKeyValue = Object.entries(version.tags).flatMap(([key, values]) =>
      values.map((value) => `user:${key}$${value}`),
    );
  }
  if (version.services && version.services.length > 0) costFilters.Service = [...version.services];
  return spendDefinitionKey({ timeUnit: 'MONTHLY', unit: 'USD', costFilters });
}

/** Start of the calendar month (UTC) that holds `t`, and of the next one. */
export function monthOf(t: number): { start: number; end: number } {
  const d = new Date(t);
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/** What the guardian reads of the ledger at a run: finished jobs by when their finish was recorded, and the active ones. */
export interface LedgerReads {
  finished: FinishedJob[];
  active: JobRecord[];
}

/**
 * The ledger's answers at `t`: every job the index lists among the finished, recorded in
 * [`from`, `until`] (`until` later than `t` models a read made a little after the run's `now`;
 * `extraFrom` earlier than `from` reads more than asked, which the contract allows), and every job
 * listed among the active — not finished, finished but not yet written, or written but not yet
 * moved in the index (a stale copy), or a stale copy that lingers.
 */
export function ledgerReads(
  jobs: readonly SimJob[],
  t: number,
  from: number,
  options: { until?: number; extraFrom?: number } = {},
): LedgerReads {
  const until = options.until ?? t;
  const readFrom = Math.min(from, options.extraFrom ?? from);
  const finished: FinishedJob[] = [];
  const active: JobRecord[] = [];
  for (const job of jobs) {
    const recordedAt = recordedAtOf(job);
    const visibleAt = visibleAtOf(job);
    if (recordedAt !== undefined && visibleAt! <= until && recordedAt >= readFrom && recordedAt <= until) {
      finished.push({ job: trueRecord(job), recordedAt });
    }
    const visibleNow = visibleAt !== undefined && visibleAt <= t;
    const submitted = job.attempts[0]!.start - 30 * MINUTE <= t;
    if (submitted && (!visibleNow || t < lingersUntil(job)!)) active.push(recordAt(job, t, false));
  }
  return { finished, active };
}

/**
 * The record a job counts with at `t`, when the ledger is read whole and consistently: its
 * finished record once the index lists it among the finished, else what the active index shows.
 */
export function effectiveRecordAt(job: SimJob, t: number): JobRecord {
  const visibleAt = visibleAtOf(job);
  return visibleAt !== undefined && visibleAt <= t ? trueRecord(job) : recordAt(job, t, false);
}

/**
 * The tracked cost a run must find at `t` for window start `from`: each covered job's cost since
 * `from` by the record it counts with (`effectiveRecordAt`), plus, for a stale copy still listed
 * among the active of a finished job the run did not read among the finished (`finishedIds`: one
 * whose finish was recorded before the window it read), the copy's cost as well — trackedCost
 * leaves out only the active jobs it knows finished.
 */
export function expectedTrackedCost(
  jobs: readonly SimJob[],
  covered: (job: SimJob) => boolean,
  from: number,
  t: number,
  prices: PriceBook,
  finishedIds: ReadonlySet<string>,
): number {
  let total = 0;
  for (const job of jobs) {
    if (!covered(job) || job.attempts[0]!.start - 30 * MINUTE > t) continue;
    total += accrual([effectiveRecordAt(job, t)], from, t, prices);
    const visibleAt = visibleAtOf(job);
    const lingering = visibleAt !== undefined && visibleAt <= t && t < lingersUntil(job)!;
    if (lingering && !finishedIds.has(job.jobId)) total += accrual([recordAt(job, t, false)], from, t, prices);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// AWS Budgets, simulated

/** A change of the budget item. `filter` and `amount` are UpdateBudget calls; `queues` AWS never sees. */
export interface BudgetChange {
  at: number;
  kind: 'filter' | 'queues' | 'amount';
  /** The budget version from then on (for `amount`, the same as before). */
  version: BudgetVersion;
}

/** One refresh of AWS Budgets' figure: at `at`, with usage data up to `at - lagMs` (at most the billing-data lag). */
export interface Refresh {
  at: number;
  lagMs: number;
}

export interface AwsWorld {
  jobs: readonly SimJob[];
  /** The budget's creation: its first LastUpdatedTime; its figure is 0 until the first refresh after it. */
  createdAt: number;
  initial: BudgetVersion;
  changes: readonly BudgetChange[];
  refreshes: readonly Refresh[];
  /** Non-Batch spend the budget's filter covers, USD per hour (per definition: see `nonBatchRateOf`). */
  nonBatchRate: number;
  /** AWS resets its figure this long after a period begins; until then it shows the last period's figure. */
  resetDelayMs: number;
  /** At the reset, AWS shows the new period's figure at once (usage data up to the reset less `resetLagMs`); else 0 until the next refresh. */
  resetWithRefresh: boolean;
  resetLagMs: number;
  /**
   * Refreshes between the period start and the reset recompute the previous period's figure (late
   * usage data of that period). Off: the previous period's figure stays as it was at the period
   * start until the reset.
   */
  previousPeriodRefreshedUntilReset: boolean;
  /** DescribeBudget gives LastUpdatedTime. */
  lastUpdatedKnown: boolean;
}

/** Non-Batch spend per hour under a definition: a fixed share of `rate`, so that one definition always has one rate. */
export function nonBatchRateOf(definition: string, rate: number): number {
  let hash = 0;
  for (const ch of definition) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return (rate * (1 + (hash % 4))) / 4;
}

/** A figure AWS computed for the current period of a definition, with the usage data time it covers. */
export interface CurrentFigure {
  value: number;
  /** Usage data up to here (never before the period start). */
  dataUntil: number;
}

/** What the world is like at a guardian run. */
export interface RunSnapshot {
  now: number;
  version: BudgetVersion;
  definition: string;
  reading: { actual: number; lastUpdated?: Date; definition: string };
  /** What AWS shows now: a figure of the current period, of the previous one, or 0 after an update or a reset. */
  shows: 'current' | 'previous' | 'zero';
  periodStart: number;
  /** The latest figure AWS computed for this period and definition since the budget last took this definition. */
  latestSinceDefinition?: CurrentFigure;
  /** The latest figure AWS computed for this period and definition, whenever the budget had it. */
  latestForDefinition?: CurrentFigure;
  /** The figures of the previous period AWS showed since this period began, with their definitions. */
  previousFiguresShown: { value: number; definition: string }[];
}

/**
 * Replays the world's events in time order and returns what the world is like at each of `runs`.
 * At equal times: period start, budget change, reset, refresh, then the run.
 */
export function replayAws(world: AwsWorld, runs: readonly number[], prices: PriceBook): RunSnapshot[] {
  type Event =
    | { at: number; order: 0; kind: 'periodStart' }
    | { at: number; order: 1; kind: 'change'; change: BudgetChange }
    | { at: number; order: 2; kind: 'reset' }
    | { at: number; order: 3; kind: 'refresh'; lagMs: number }
    | { at: number; order: 4; kind: 'run' };
  const last = Math.max(...runs, ...world.refreshes.map((r) => r.at), ...world.changes.map((c) => c.at));
  const events: Event[] = [
    ...world.changes.map((change) => ({ at: change.at, order: 1 as const, kind: 'change' as const, change })),
    ...world.refreshes
      .filter((r) => r.at >= world.createdAt)
      .map((r) => ({ at: r.at, order: 3 as const, kind: 'refresh' as const, lagMs: r.lagMs })),
    ...runs.map((at) => ({ at, order: 4 as const, kind: 'run' as const })),
  ];
  for (let p = monthOf(world.createdAt).end; p <= last; p = monthOf(p).end) {
    events.push({ at: p, order: 0, kind: 'periodStart' });
    events.push({ at: p + world.resetDelayMs, order: 2, kind: 'reset' });
  }
  events.sort((a, b) => a.at - b.at || a.order - b.order);

  let version = world.initial;
  let definition = definitionOf(version);
  let epoch = 0;
  let lastUpdated = world.createdAt;
  let figure = 0;
  let shows = 'zero' as RunSnapshot['shows'];
  let resetPending = false;
  let dataTime = -Infinity;
  const sinceDefinition = new Map<string, CurrentFigure>();
  const forDefinition = new Map<string, CurrentFigure>();
  const previousShown = new Map<number, { value: number; definition: string }[]>();
  const showPrevious = (periodStart: number) =>
    previousShown.set(periodStart, [...(previousShown.get(periodStart) ?? []), { value: figure, definition }]);

  const valueOf = (periodStart: number, periodEnd: number, until: number): number => {
    const to = Math.min(Math.max(until, periodStart), periodEnd);
    const covered = world.jobs.filter((job) => versionCovers(version, job, false)).map(trueRecord);
    return (
      accrual(covered, periodStart, to, prices) +
      (nonBatchRateOf(definition, world.nonBatchRate) * (to - periodStart)) / HOUR
    );
  };
  const computeCurrent = (at: number, lagMs: number) => {
    dataTime = Math.max(dataTime, at - lagMs);
    const { start, end } = monthOf(at);
    figure = valueOf(start, end, dataTime);
    shows = 'current';
    const computed = { value: figure, dataUntil: Math.max(start, dataTime) };
    sinceDefinition.set(`${start}|${definition}|${epoch}`, computed);
    forDefinition.set(`${start}|${definition}`, computed);
  };

  const snapshots: RunSnapshot[] = [];
  for (const event of events) {
    switch (event.kind) {
      case 'periodStart':
        resetPending = true;
        if (shows === 'current') shows = 'previous';
        previousShown.set(event.at, []);
        if (shows === 'previous') showPrevious(event.at);
        break;
      case 'change': {
        version = event.change.version;
        if (event.change.kind === 'queues') break;
        const next = definitionOf(version);
        if (next !== definition) epoch += 1;
        definition = next;
        lastUpdated = event.at;
        figure = 0;
        shows = 'zero';
        break;
      }
      case 'reset':
        resetPending = false;
        if (world.resetWithRefresh) computeCurrent(event.at, world.resetLagMs);
        else {
          figure = 0;
          shows = 'zero';
        }
        break;
      case 'refresh':
        if (!resetPending) computeCurrent(event.at, event.lagMs);
        else {
          dataTime = Math.max(dataTime, event.at - event.lagMs);
          if (world.previousPeriodRefreshedUntilReset) {
            const { start } = monthOf(event.at);
            figure = valueOf(monthOf(start - 1).start, start, dataTime);
            shows = 'previous';
            showPrevious(start);
          }
        }
        break;
      case 'run': {
        const { start } = monthOf(event.at);
        const since = sinceDefinition.get(`${start}|${definition}|${epoch}`);
        const any = forDefinition.get(`${start}|${definition}`);
        snapshots.push({
          now: event.at,
          version,
          definition,
          reading: {
            actual: figure,
            definition,
            ...(world.lastUpdatedKnown ? { lastUpdated: new Date(lastUpdated) } : {}),
          },
          shows,
          periodStart: start,
          ...(since ? { latestSinceDefinition: since } : {}),
          ...(any ? { latestForDefinition: any } : {}),
          previousFiguresShown: previousShown.get(start) ?? [],
        });
        break;
      }
    }
  }
  return snapshots;
}
