/**
 * Budget time periods as AWS fills them in: without a start, the start of the current period
 * of the budget's time unit (UTC); without an end, 2087-06-15 00:00 UTC.
 */

/** 2087-06-15T00:00:00Z in epoch seconds: AWS's default end, and the latest end it allows. */
export const DEFAULT_BUDGET_END_SECONDS = Date.UTC(2087, 5, 15) / 1000;

export type TimeUnit = 'DAILY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY' | 'CUSTOM';

/** Start of the period of `timeUnit` that contains `now`, in epoch seconds (CUSTOM: the day). */
export function currentPeriodStartSeconds(timeUnit: TimeUnit, now: Date): number {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  switch (timeUnit) {
    case 'DAILY':
    case 'CUSTOM':
      return Date.UTC(year, month, now.getUTCDate()) / 1000;
    case 'MONTHLY':
      return Date.UTC(year, month, 1) / 1000;
    case 'QUARTERLY':
      return Date.UTC(year, month - (month % 3), 1) / 1000;
    case 'ANNUALLY':
      return Date.UTC(year, 0, 1) / 1000;
  }
}
