import { billedSecondsAt, MINIMUM_BILLED_SECONDS } from '@org-budgets/guardian';

/**
 * When a budget's spend really crossed a threshold, for `pnpm bench:guardian`: the AWS Budgets
 * figure that counts plus what the jobs have cost by then, with the guardian's own billing rules
 * (`billedSecondsAt`: per second from the start, the one-minute minimum at once, nothing after the
 * stop) and its price book (the hourly rate of each job). Pure.
 *
 * The bench takes each job's start from Batch (DescribeJobs `startedAt`) and its stop from
 * `stoppedAt`, so a job stopped before the crossing adds no more. The guardian itself bills from
 * the job's STARTING event, whose time EventBridge gives to the second: its estimate can cross up
 * to about a second earlier than this.
 */
export interface BilledJob {
  /** Epoch ms: when billing starts, and stops (undefined: still running). */
  start: number;
  stop?: number;
  /** USD per hour while it runs. */
  hourlyRate: number;
}

/** USD the jobs have cost by `t` (epoch ms). */
export function costAt(jobs: readonly BilledJob[], t: number, minimumSeconds = MINIMUM_BILLED_SECONDS): number {
  let usd = 0;
  for (const job of jobs) {
    const interval = job.stop === undefined ? { start: job.start } : { start: job.start, end: job.stop };
    usd += (job.hourlyRate * billedSecondsAt(interval, t, minimumSeconds)) / 3600;
  }
  return usd;
}

/**
 * The first millisecond at which `base` plus the jobs' cost reaches `threshold`, or undefined when
 * it never does (every job stopped short of it). `base` alone at or above it: undefined as well
 * (it crossed before any of these jobs).
 */
export function crossingInstant(
  base: number,
  threshold: number,
  jobs: readonly BilledJob[],
  minimumSeconds = MINIMUM_BILLED_SECONDS,
): number | undefined {
  if (base >= threshold || jobs.length === 0) return undefined;
  const reached = (t: number) => base + costAt(jobs, t, minimumSeconds) >= threshold;
  const first = Math.min(...jobs.map((job) => job.start));
  const lastStart = Math.max(...jobs.map((job) => job.start));
  const running = jobs.filter((job) => job.stop === undefined);
  // Past every stop and start, only the running jobs still add: far enough for them to cover the rest.
  const lastEvent = Math.max(lastStart, ...jobs.map((job) => job.stop ?? job.start));
  const rate = running.reduce((sum, job) => sum + job.hourlyRate, 0);
  const remaining = threshold - base - costAt(jobs, lastEvent + 1, minimumSeconds);
  let high =
    remaining <= 0
      ? lastEvent + 1
      : rate > 0
        ? lastEvent + Math.ceil((remaining / rate) * 3_600_000) + (minimumSeconds + 2) * 1000
        : undefined;
  if (high === undefined || !reached(high)) return undefined;
  let low = first; // billedSecondsAt is 0 at a job's start: not reached at `first`
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (reached(mid)) high = mid;
    else low = mid;
  }
  return high;
}
