import { isTerminalStatus } from './batch-job-event';
import { jobHourlyRate, type PricedJob, type PriceBook } from './cost-model';
import { covers, type CoverableJob, type JobCoverage } from './coverage';
import type { GuardianLevel } from './decide';
import type { JobRecord } from './ledger';

/**
 * Reaction in seconds, not at the next scheduled run. Each run of the guardian leaves a small
 * "watch" per budget: its estimate, the next threshold in dollars, and how fast the running jobs
 * it covers spend. From it:
 *
 * - the run itself asks for a follow-up check at the moment the running jobs would carry the
 *   estimate across the next threshold (`nextCrossing`), when that comes before the next
 *   scheduled run: the check lands within seconds of the crossing;
 * - the job tracker, when a job starts, asks for a check at once when the last estimate plus what
 *   the running jobs (this one included) will cost until the next scheduled run could cross the
 *   next threshold (`startCouldCross`); such requests are debounced per budget, so a burst of a
 *   thousand array children asks a handful of times.
 *
 * A check is an ordinary run for that budget: it estimates afresh and decides; the watch only
 * decides *when* to look.
 */
export interface BudgetWatch {
  /** The estimate (USD) and when it was made (ISO 8601). */
  estimate: number;
  at: string;
  level: GuardianLevel;
  /** The thresholds in USD. */
  disableAt: number;
  terminateAt: number;
  /** The jobs the budget counts. */
  coverage: JobCoverage;
  /** USD per hour of the covered jobs running at `at`. */
  runningRate: number;
}

/** USD per hour of the covered jobs that are running (STARTING or RUNNING) at the time of the run. */
export function runningRateOf(jobs: readonly JobRecord[], coverage: JobCoverage, prices: PriceBook): number {
  return jobs
    .filter((job) => !isTerminalStatus(job.status) && job.currentRun !== undefined && covers(coverage, job))
    .reduce((sum, job) => sum + jobHourlyRate(job, prices), 0);
}

/** The threshold (USD) the estimate would cross next, or undefined at TERMINATE. */
export function nextThreshold(watch: Pick<BudgetWatch, 'level' | 'disableAt' | 'terminateAt'>): number | undefined {
  if (watch.level === 'BELOW') return watch.disableAt;
  if (watch.level === 'DISABLE') return watch.terminateAt;
  return undefined;
}

/**
 * When the running jobs would carry the estimate across the next threshold, if they keep running;
 * undefined when nothing runs or the budget is at TERMINATE (every run then terminates anyway).
 */
export function nextCrossing(watch: BudgetWatch): Date | undefined {
  const threshold = nextThreshold(watch);
  if (threshold === undefined || watch.runningRate <= 0) return undefined;
  const hours = Math.max(0, threshold - watch.estimate) / watch.runningRate;
  return new Date(Date.parse(watch.at) + hours * 3_600_000);
}

/**
 * Whether a job that starts now could carry the estimate across the next threshold before the
 * next scheduled run (`horizonMs` from now): the last estimate, plus what the running jobs and
 * this one will have cost by then. At TERMINATE, any start of a covered job asks for a check.
 */
export function startCouldCross(
  watch: BudgetWatch,
  job: CoverableJob & PricedJob,
  prices: PriceBook,
  now: Date,
  horizonMs: number,
): boolean {
  if (!covers(watch.coverage, job)) return false;
  const threshold = nextThreshold(watch);
  if (threshold === undefined) return true;
  const jobRate = jobHourlyRate(job, prices);
  const sinceEstimate = Math.max(0, now.getTime() - Date.parse(watch.at));
  const projected =
    watch.estimate + (watch.runningRate * (sinceEstimate + horizonMs) + jobRate * horizonMs) / 3_600_000;
  return projected >= threshold;
}

/**
 * The interval of an EventBridge schedule expression in ms: `rate(5 minutes)` is 300,000. A
 * `cron(…)` expression has no single interval: it counts as an hour, so that starts near a
 * threshold ask for checks rather than wait.
 */
export function scheduleIntervalMs(expression: string): number {
  const match = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (!match) return 3_600_000;
  const unit = match[2]!.startsWith('minute') ? 60_000 : match[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unit;
}
