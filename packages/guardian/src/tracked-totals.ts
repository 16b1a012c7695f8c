import { accruedSince, type PriceBook } from './cost-model';
import { coverageKey, covers, type JobCoverage } from './coverage';
import type { JobRecord } from './ledger';

/**
 * Running totals of the finished jobs a budget covers, so that a run reads only the jobs active
 * now and those whose finish was recorded since the last run: the work of a run does not grow
 * with the age of the estimate's window (an ANNUALLY budget, a cost filter AWS reports nothing
 * for).
 *
 * The ledger indexes a finished job by when its finish was *recorded* (written), not when it
 * stopped: a late event is written late, so "recorded since the last run" misses nothing.
 * DynamoDB's index is eventually consistent, so every run reads again the last `marginMs` before
 * the previous run and skips the jobs it counted then (`recent`).
 *
 * The totals belong to one coverage and one window start: when either changes (AWS refreshed its
 * figure, a new period, finance changed the budget's filters), they are built afresh from every
 * job finished since the new window start. A finished job whose record changes again after
 * `marginMs` (a very late event) is counted again: the estimate can only err high.
 */
export interface TrackedTotals {
  /** `coverageKey` of the jobs counted. */
  coverage: string;
  /** The window start the cost is accrued from (ISO 8601). */
  from: string;
  /** Jobs whose finish was recorded before this (ISO 8601), less `marginMs`, are in `cost`. */
  through: string;
  /** USD accrued since `from` by the finished jobs counted. */
  cost: number;
  /** Finished jobs counted. */
  jobs: number;
  /** Ids of the jobs counted whose finish was recorded within `marginMs` before `through`. */
  recent: string[];
}

/** A finished job as the ledger gives it: its record and when its finish was recorded (epoch ms). */
export interface FinishedJob {
  job: JobRecord;
  recordedAt: number;
}

/** How far back each run reads again, for the index's eventual consistency. */
export const DEFAULT_TOTALS_MARGIN_MS = 2 * 60_000;

/** From when a run must read finished jobs to bring `totals` up to date for this window and coverage. */
export function finishedReadFrom(
  totals: TrackedTotals | undefined,
  coverage: JobCoverage,
  windowStart: Date,
  marginMs = DEFAULT_TOTALS_MARGIN_MS,
): Date {
  if (!totals || totals.coverage !== coverageKey(coverage) || totals.from !== windowStart.toISOString()) {
    return windowStart;
  }
  return new Date(Math.max(windowStart.getTime(), Date.parse(totals.through) - marginMs));
}

export interface AdvanceTotalsInput {
  totals: TrackedTotals | undefined;
  coverage: JobCoverage;
  windowStart: Date;
  now: Date;
  /** Every finished job recorded at or after `finishedReadFrom(...)` (more is harmless). */
  finished: readonly FinishedJob[];
  prices: PriceBook;
  marginMs?: number;
}

/** The totals at `now`. */
export function advanceTotals(input: AdvanceTotalsInput): TrackedTotals {
  const { coverage, windowStart, now, prices } = input;
  const marginMs = input.marginMs ?? DEFAULT_TOTALS_MARGIN_MS;
  const key = coverageKey(coverage);
  const from = windowStart.toISOString();
  const continuing = input.totals !== undefined && input.totals.coverage === key && input.totals.from === from;
  const base = continuing
    ? input.totals!
    : { coverage: key, from, through: from, cost: 0, jobs: 0, recent: [] as string[] };
  const readFrom = continuing ? Date.parse(base.through) - marginMs : windowStart.getTime();
  const counted = new Set(base.recent);
  let cost = base.cost;
  let jobs = base.jobs;
  const recent: string[] = [];
  const seen = new Set<string>();
  for (const { job, recordedAt } of input.finished) {
    if (recordedAt < readFrom || seen.has(job.jobId)) continue;
    seen.add(job.jobId);
    if (recordedAt >= now.getTime() - marginMs) recent.push(job.jobId);
    if (counted.has(job.jobId) || !covers(coverage, job)) continue;
    cost += accruedSince([job], windowStart, now, prices);
    jobs += 1;
  }
  return { coverage: key, from, through: now.toISOString(), cost, jobs, recent: recent.sort() };
}

/**
 * The tracked Batch cost since `windowStart` of the jobs `coverage` covers: the finished jobs'
 * running total plus every active job (running ones up to now). An active job already counted
 * among the finished (the index had not caught up) is left out.
 */
export function trackedCost(
  totals: TrackedTotals,
  active: readonly JobRecord[],
  coverage: JobCoverage,
  windowStart: Date,
  now: Date,
  prices: PriceBook,
  finishedIds: ReadonlySet<string>,
): number {
  const counting = active.filter((job) => !finishedIds.has(job.jobId) && covers(coverage, job));
  return totals.cost + accruedSince(counting, windowStart, now, prices);
}
