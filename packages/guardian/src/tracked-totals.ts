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
  /**
   * When the read of `finished` began (epoch ms; `now` by default): jobs recorded after it may be
   * missing from the read, so the next run reads again from it (less the margin), not from `now`.
   */
  readAt?: number;
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
  const through = Math.min(now.getTime(), input.readAt ?? now.getTime());
  const recent: string[] = [];
  const seen = new Set<string>();
  for (const { job, recordedAt } of input.finished) {
    // A finish recorded after `now` is left to the next run, which reads from before it: this
    // run counts the job among the active (see `pendingFinished`), up to `now` only.
    if (recordedAt < readFrom || recordedAt > now.getTime() || seen.has(job.jobId)) continue;
    seen.add(job.jobId);
    if (recordedAt >= through - marginMs) recent.push(job.jobId);
    if (counted.has(job.jobId) || !covers(coverage, job)) continue;
    // Its whole cost since the window start (a stop a little after `now`, by the clocks of Batch and Lambda, included).
    const until = new Date(Math.max(now.getTime(), job.stoppedAt ?? 0));
    cost += accruedSince([job], windowStart, until, prices);
    jobs += 1;
  }
  return { coverage: key, from, through: new Date(through).toISOString(), cost, jobs, recent: recent.sort() };
}

/**
 * The finished jobs of a read that `advanceTotals` left for the next run (recorded after `now`):
 * this run counts them with the active jobs, up to `now`.
 */
export function pendingFinished(finished: readonly FinishedJob[], now: Date): JobRecord[] {
  return finished.filter((f) => f.recordedAt > now.getTime()).map((f) => f.job);
}

/** The ids of the jobs the totals hold (or held back as counted): finished ones recorded by `now`, and `recent`. */
export function countedFinishedIds(finished: readonly FinishedJob[], totals: TrackedTotals, now: Date): Set<string> {
  return new Set([...finished.filter((f) => f.recordedAt <= now.getTime()).map((f) => f.job.jobId), ...totals.recent]);
}

/**
 * The tracked Batch cost since `windowStart` of the jobs `coverage` covers: the finished jobs'
 * running total plus every active job (running ones up to now) and every job whose finish is
 * pending (recorded after `now`, preferred to its active copy). A job the totals hold
 * (`finishedIds`: the index had not caught up) is left out.
 */
export function trackedCost(
  totals: TrackedTotals,
  active: readonly JobRecord[],
  coverage: JobCoverage,
  windowStart: Date,
  now: Date,
  prices: PriceBook,
  finishedIds: ReadonlySet<string>,
  pending: readonly JobRecord[] = [],
): number {
  const byId = new Map<string, JobRecord>();
  for (const job of [...pending, ...active]) if (!byId.has(job.jobId)) byId.set(job.jobId, job);
  const counting = [...byId.values()].filter((job) => !finishedIds.has(job.jobId) && covers(coverage, job));
  return totals.cost + accruedSince(counting, windowStart, now, prices);
}
