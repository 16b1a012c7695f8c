import type { BudgetItem } from '@org-budgets/contracts';

export type BudgetPeriod = BudgetItem['period'];

/**
 * The budget period that contains `now`, in UTC as AWS Budgets counts it: MONTHLY from the first
 * of the month, QUARTERLY from 1 January, 1 April, 1 July or 1 October, ANNUALLY from 1 January.
 * `end` is exclusive (the start of the next period).
 */
export function budgetPeriodBounds(period: BudgetPeriod, now: Date): { start: Date; end: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const firstMonth = period === 'MONTHLY' ? month : period === 'QUARTERLY' ? month - (month % 3) : 0;
  const months = period === 'MONTHLY' ? 1 : period === 'QUARTERLY' ? 3 : 12;
  return { start: new Date(Date.UTC(year, firstMonth, 1)), end: new Date(Date.UTC(year, firstMonth + months, 1)) };
}

/**
 * The period of a budget as AWS Budgets reports it: the calendar period around `now` (see
 * `budgetPeriodBounds`), within the budget's own `TimePeriod` (DescribeBudget) when it has one: a
 * budget that begins inside a period counts from its start, one that ends inside it up to its end.
 */
export function reportedPeriodBounds(
  period: BudgetPeriod,
  now: Date,
  timePeriod?: { start?: Date | undefined; end?: Date | undefined },
): { start: Date; end: Date } {
  const calendar = budgetPeriodBounds(period, now);
  const start =
    timePeriod?.start && timePeriod.start > calendar.start && timePeriod.start <= now
      ? timePeriod.start
      : calendar.start;
  const end =
    timePeriod?.end && timePeriod.end < calendar.end && timePeriod.end > start ? timePeriod.end : calendar.end;
  return { start, end };
}

/**
 * How the AWS Budgets figure was counted (see `rememberSpend`):
 * - REPORTED: as AWS reports it now;
 * - PREVIOUS_PERIOD: AWS still reports the last period's figure (it has not reset yet): 0 counts,
 *   and the tracked Batch cost of the whole period is added;
 * - KEPT_AFTER_ZERO: AWS reports 0 because the budget was updated (UpdateBudget zeroes its spend
 *   until new data); the figure it gave before counts.
 */
export type SpendBasis = 'REPORTED' | 'PREVIOUS_PERIOD' | 'KEPT_AFTER_ZERO';

/**
 * The guardian's estimate of the period's spend and its parts.
 *
 *   window start = refreshedAfter less the billing-data lag, within [period start, now];
 *                  the period start when the refresh time is unknown
 *   estimate     = counted AWS Budgets figure + tracked Batch cost accrued since the window start
 *   percent      = estimate / budget amount × 100
 *
 * AWS Budgets refreshes its actual spend only a few times a day and its figure trails usage by
 * hours; the guardian's ledger adds what the Batch jobs the budget covers cost since then,
 * running jobs up to now, so that they are never under-counted. `refreshedAfter` is never later
 * than AWS's true refresh (see `rememberSpend`), so the window may overlap the figure (some Batch
 * cost counted twice: the estimate errs high) but never leaves a gap. Costs are in USD (AWS list
 * prices); a guardian is only allowed on a USD budget.
 */
export interface SpendEstimate {
  currency: string;
  budgetAmount: number;
  period: BudgetPeriod;
  /** ISO 8601, UTC. */
  periodStart: string;
  /** ISO 8601, UTC, exclusive. */
  periodEnd: string;
  /** The actual spend AWS Budgets reports now. */
  actualSpend: number;
  /** The earliest AWS can have refreshed the counted figure (ISO 8601); absent when unknown. */
  actualSpendRefreshedAfter?: string;
  /** The AWS Budgets figure that counts for this period (see `basis`). */
  actualSpendCounted: number;
  basis: SpendBasis;
  /** Tracked Batch cost accrued since `trackedSince` by the jobs the budget covers. */
  trackedBatchCost: number;
  /** ISO 8601: the window start. */
  trackedSince: string;
  /** ISO 8601: when the estimate was made. */
  estimatedAt: string;
  total: number;
  percentOfBudget: number;
}

/** The AWS Budgets figure that counts for the period, as `rememberSpend` keeps it. */
export interface CountedSpend {
  /** The figure AWS reports now. */
  reported: number;
  /** The figure that counts. */
  counted: number;
  basis: SpendBasis;
  /** The earliest AWS can have refreshed `counted`; undefined when unknown (the whole period is tracked). */
  refreshedAfter?: Date | undefined;
}

export interface EstimateSpendInput {
  budget: Pick<BudgetItem, 'amount' | 'currency' | 'period'>;
  /** The period the figure belongs to; the calendar period of `budget.period` around `now` by default. */
  periodBounds?: { start: Date; end: Date };
  actualSpend: CountedSpend;
  /** Tracked Batch cost (USD) of the jobs the budget covers, accrued from `since` to now. */
  batchCostAccruedSince: (since: Date) => number;
  now: Date;
  /**
   * How far AWS Budgets' figure trails usage: tracked cost is counted from this long before its
   * refresh (some Batch cost may be counted twice, none missed). 0 by default.
   */
  billingDataLagMs?: number;
}

/**
 * Start of the window whose tracked Batch cost the estimate adds: `refreshedAfter` less how far
 * AWS's figure trails usage (`billingDataLagMs`), not before the period start and not after now;
 * the period start when `refreshedAfter` is unknown. Jobs that ran before it are in the figure
 * already, or belong to an earlier period.
 */
export function trackedWindowStart(
  periodStart: Date,
  refreshedAfter: Date | undefined,
  now: Date,
  billingDataLagMs = 0,
): Date {
  if (refreshedAfter === undefined) return new Date(Math.min(now.getTime(), periodStart.getTime()));
  const from = refreshedAfter.getTime() - billingDataLagMs;
  return new Date(Math.min(now.getTime(), Math.max(from, periodStart.getTime())));
}

export function estimateSpend(input: EstimateSpendInput): SpendEstimate {
  const { budget, actualSpend, now } = input;
  const { start, end } = input.periodBounds ?? budgetPeriodBounds(budget.period, now);
  const since = trackedWindowStart(start, actualSpend.refreshedAfter, now, input.billingDataLagMs);
  const trackedBatchCost = Math.max(0, input.batchCostAccruedSince(since));
  const total = actualSpend.counted + trackedBatchCost;
  return {
    currency: budget.currency,
    budgetAmount: budget.amount,
    period: budget.period,
    periodStart: start.toISOString(),
    periodEnd: end.toISOString(),
    actualSpend: actualSpend.reported,
    ...(actualSpend.refreshedAfter ? { actualSpendRefreshedAfter: actualSpend.refreshedAfter.toISOString() } : {}),
    actualSpendCounted: actualSpend.counted,
    basis: actualSpend.basis,
    trackedBatchCost,
    trackedSince: since.toISOString(),
    estimatedAt: now.toISOString(),
    total,
    percentOfBudget: (total / budget.amount) * 100,
  };
}
