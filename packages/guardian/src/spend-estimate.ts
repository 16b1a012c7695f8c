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
 * The guardian's estimate of the period's spend and its parts.
 *
 *   window start = max(AWS Budgets' lastUpdated, period start), and not after now
 *   counted actual = AWS Budgets' actual spend, or 0 when lastUpdated is before the period start
 *                    (that figure is the previous period's: AWS has not refreshed since the reset)
 *   estimate     = counted actual + tracked Batch cost accrued since the window start
 *   percent      = estimate / budget amount × 100
 *
 * AWS Budgets refreshes its actual spend only a few times a day; the guardian's ledger adds what
 * the Batch jobs it tracked cost since then, running jobs up to now, so that they are never
 * under-counted. Costs are in USD (AWS list prices); the budget is expected to be in USD as well.
 */
export interface SpendEstimate {
  currency: string;
  budgetAmount: number;
  period: BudgetPeriod;
  /** ISO 8601, UTC. */
  periodStart: string;
  /** ISO 8601, UTC, exclusive. */
  periodEnd: string;
  /** The actual spend AWS Budgets reported. */
  actualSpend: number;
  /** When AWS Budgets last refreshed it (ISO 8601). */
  actualSpendUpdatedAt: string;
  /** The part of `actualSpend` that counts for this period (0 when it predates the period). */
  actualSpendCounted: number;
  /** Tracked Batch cost accrued since `trackedSince`. */
  trackedBatchCost: number;
  /** ISO 8601: the window start. */
  trackedSince: string;
  /** ISO 8601: when the estimate was made. */
  estimatedAt: string;
  total: number;
  percentOfBudget: number;
}

export interface EstimateSpendInput {
  budget: Pick<BudgetItem, 'amount' | 'currency' | 'period'>;
  actualSpend: { amount: number; lastUpdated: Date };
  /** Tracked Batch cost (USD) accrued from `since` to now, e.g. `(since) => accruedSince(jobs, since, now, prices)`. */
  batchCostAccruedSince: (since: Date) => number;
  now: Date;
  /**
   * How far AWS Budgets' figure trails usage: tracked cost is counted from this long before its
   * refresh (some Batch cost may be counted twice, none missed). 0 by default.
   */
  billingDataLagMs?: number;
}

/**
 * Start of the window whose tracked Batch cost the estimate adds: the later of AWS Budgets' last
 * refresh, less how far its figure trails usage (`billingDataLagMs`), and the period start (never
 * after now). Jobs that ran before it are in the actual spend
 * already, or belong to an earlier period: the ledger only needs jobs active at or after it.
 */
export function trackedWindowStart(
  period: BudgetPeriod,
  actualSpendUpdated: Date,
  now: Date,
  billingDataLagMs = 0,
): Date {
  const { start } = budgetPeriodBounds(period, now);
  const from = actualSpendUpdated.getTime() - billingDataLagMs;
  return new Date(Math.min(now.getTime(), Math.max(from, start.getTime())));
}

export function estimateSpend(input: EstimateSpendInput): SpendEstimate {
  const { budget, actualSpend, now } = input;
  const { start, end } = budgetPeriodBounds(budget.period, now);
  const refreshedThisPeriod = actualSpend.lastUpdated.getTime() >= start.getTime();
  const since = trackedWindowStart(budget.period, actualSpend.lastUpdated, now, input.billingDataLagMs);
  const actualSpendCounted = refreshedThisPeriod ? actualSpend.amount : 0;
  const trackedBatchCost = Math.max(0, input.batchCostAccruedSince(since));
  const total = actualSpendCounted + trackedBatchCost;
  return {
    currency: budget.currency,
    budgetAmount: budget.amount,
    period: budget.period,
    periodStart: start.toISOString(),
    periodEnd: end.toISOString(),
    actualSpend: actualSpend.amount,
    actualSpendUpdatedAt: actualSpend.lastUpdated.toISOString(),
    actualSpendCounted,
    trackedBatchCost,
    trackedSince: since.toISOString(),
    estimatedAt: now.toISOString(),
    total,
    percentOfBudget: (total / budget.amount) * 100,
  };
}
