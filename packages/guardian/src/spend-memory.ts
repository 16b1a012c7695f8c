import type { CountedSpend } from './spend-estimate';

/**
 * What the guardian remembers of a budget's AWS Budgets figure between runs, and how it turns
 * each new reading into the figure that counts (`rememberSpend`). Pure.
 *
 * Three AWS facts shape it:
 * - The figure belongs to one definition of the budget (period, time period, cost filters, cost
 *   types, currency) and to one period. When the definition changes (finance turns ANNUALLY into
 *   MONTHLY, narrows the cost filter) or a new period begins, nothing remembered carries over:
 *   an annual figure never counts against a monthly budget, last month's never against this one.
 * - UpdateBudget zeroes CalculatedSpend "until AWS has new usage data": a reading of 0 after a
 *   non-zero figure of the same definition and period keeps that figure (a raised amount is not
 *   a refund).
 * - AWS gives no time for its figure (LastUpdatedTime is when the budget was last changed), and
 *   for a while after a period begins it may still report the last period's figure. So a new
 *   figure is taken as refreshed after the last run that saw the previous one (never later than
 *   AWS's true refresh); the first figure of a definition, after the budget's LastUpdatedTime
 *   (a change zeroes the figure, so a non-zero one was calculated after it) or, without one, at
 *   an unknown time (the window then covers the whole period). In a new period, a reading at or
 *   above the last one of the previous period is taken as that period's (not reset yet, or
 *   refreshed once more) for up to RESET_GRACE_MS: 0 counts until AWS reports less.
 */
export interface SpendMemory {
  /** `spendDefinitionKey` of the AWS Budget the figure was read from. */
  definition: string;
  /** Start of the period the figure is counted for (ISO 8601). */
  periodStart: string;
  /** The figure AWS reported at the last run. */
  lastReading: number;
  /** The figure that counts. */
  counted: number;
  basis: CountedSpend['basis'];
  /** The earliest AWS can have refreshed `counted` (ISO 8601); absent when unknown. */
  refreshedAfter?: string;
  /** When a run last read `lastReading` (ISO 8601). */
  checkedAt: string;
  /**
   * Basis PREVIOUS_PERIOD: the last figure the previous period's runs read. Until AWS reports
   * less, within RESET_GRACE_MS of the period start, what it reports is still that period's.
   */
  previousPeriodLast?: number;
  /**
   * Basis PREVIOUS_PERIOD: AWS refreshed `lastReading` after this (the run before the one that
   * first read it); absent when the reading has not changed since the previous period.
   */
  changedAfter?: string;
}

/**
 * How long after a period begins a figure at or above the previous period's last one is taken as
 * that period's (AWS has not reset yet, or refreshed the old period once more). AWS resets at its
 * first refresh of the new period, within hours; after this a figure counts whatever it is (a
 * new period that spent more in its first day than in the whole last one errs high, not low).
 */
export const RESET_GRACE_MS = 24 * 3_600_000;

/** One DescribeBudget reading of a budget's actual spend. */
export interface SpendReading {
  actual: number;
  /** `Budget.LastUpdatedTime`: when the budget was last changed. */
  lastUpdated?: Date | undefined;
  /** `spendDefinitionKey` of the budget as AWS describes it. */
  definition: string;
}

/** The parts of an AWS Budget that decide what its spend figure means. */
export interface SpendDefinition {
  timeUnit: string;
  /** `TimePeriod.Start` (ISO 8601), when AWS gives one. */
  timePeriodStart?: string | undefined;
  /** `CostFilters`: dimension to values. */
  costFilters?: Record<string, readonly string[]> | undefined;
  /** `CostTypes`, as AWS gives them. */
  costTypes?: Record<string, unknown> | undefined;
  /** `BudgetLimit.Unit` (the currency). */
  unit: string;
}

/** A stable text for a definition: equal definitions give equal keys whatever the order of filters and values. */
export function spendDefinitionKey(definition: SpendDefinition): string {
  const costFilters = Object.fromEntries(
    Object.entries(definition.costFilters ?? {})
      .filter(([, values]) => values.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([dimension, values]) => [dimension, [...new Set(values)].sort()]),
  );
  return stableJson({
    timeUnit: definition.timeUnit,
    timePeriodStart: definition.timePeriodStart ?? null,
    costFilters,
    costTypes: definition.costTypes ?? null,
    unit: definition.unit,
  });
}

/** The memory after one reading, at `now`, for the period that starts at `periodStart`. */
export function rememberSpend(
  reading: SpendReading,
  memory: SpendMemory | undefined,
  periodStart: Date,
  now: Date,
): SpendMemory {
  const nowIso = now.toISOString();
  const period = periodStart.toISOString();
  const base = { definition: reading.definition, periodStart: period, lastReading: reading.actual, checkedAt: nowIso };
  const sameDefinition = memory !== undefined && memory.definition === reading.definition;
  const stillPrevious = (previousLast: number) =>
    previousLast > 0 && reading.actual >= previousLast && now.getTime() - periodStart.getTime() < RESET_GRACE_MS;
  if (!memory || !sameDefinition || memory.periodStart !== period) {
    const newPeriodOfSameBudget = sameDefinition && Date.parse(memory.periodStart) < periodStart.getTime();
    // The last period's last figure (the one kept, when AWS showed 0 after an update).
    const previousLast = newPeriodOfSameBudget ? Math.max(memory.lastReading, memory.counted) : 0;
    if (newPeriodOfSameBudget && stillPrevious(previousLast)) {
      // AWS has not reset the figure yet (or refreshed the last period once more): it is the last period's.
      return {
        ...base,
        counted: 0,
        basis: 'PREVIOUS_PERIOD',
        previousPeriodLast: previousLast,
        ...(reading.actual !== memory.lastReading ? { changedAfter: memory.checkedAt } : {}),
      };
    }
    if (reading.actual === 0) return { ...base, counted: 0, basis: 'REPORTED' };
    const lowerBounds = [
      reading.lastUpdated && reading.lastUpdated.getTime() <= now.getTime() ? reading.lastUpdated.getTime() : undefined,
      // A figure that changed since the last run of the previous period was refreshed after it.
      newPeriodOfSameBudget ? Date.parse(memory.checkedAt) : undefined,
    ].filter((t): t is number => t !== undefined);
    return {
      ...base,
      counted: reading.actual,
      basis: 'REPORTED',
      ...(lowerBounds.length > 0 ? { refreshedAfter: new Date(Math.max(...lowerBounds)).toISOString() } : {}),
    };
  }
  if (memory.basis === 'PREVIOUS_PERIOD') {
    // AWS refreshed this reading after the last run that read another one (unknown if none did).
    const changedAfter = reading.actual !== memory.lastReading ? memory.checkedAt : memory.changedAfter;
    if (stillPrevious(memory.previousPeriodLast ?? memory.lastReading)) {
      return {
        ...memory,
        lastReading: reading.actual,
        checkedAt: nowIso,
        ...(changedAfter ? { changedAfter } : {}),
      };
    }
    // Reset at last (or the grace is over): 0 (nothing reported yet: the whole period is tracked),
    // or the figure AWS reports, refreshed after the last run that read another one.
    return reading.actual === 0
      ? { ...base, counted: 0, basis: 'REPORTED' }
      : {
          ...base,
          counted: reading.actual,
          basis: 'REPORTED',
          ...(changedAfter ? { refreshedAfter: changedAfter } : {}),
        };
  }
  if (reading.actual === memory.lastReading) return { ...memory, checkedAt: nowIso };
  if (reading.actual === 0 && memory.counted > 0) {
    // Zeroed by an update of the budget: the figure AWS gave before still counts.
    return { ...memory, lastReading: 0, basis: 'KEPT_AFTER_ZERO', checkedAt: nowIso };
  }
  if (reading.actual === 0) {
    // Nothing counted before and nothing reported yet: the whole period is tracked.
    return { ...base, counted: 0, basis: 'REPORTED' };
  }
  // A new figure: AWS refreshed it after the last run, which saw the one before.
  return { ...base, counted: reading.actual, basis: 'REPORTED', refreshedAfter: memory.checkedAt };
}

/** The counted figure for the estimate. */
export function countedSpendOf(memory: SpendMemory): CountedSpend {
  return {
    reported: memory.lastReading,
    counted: memory.counted,
    basis: memory.basis,
    ...(memory.refreshedAfter ? { refreshedAfter: new Date(memory.refreshedAfter) } : {}),
  };
}

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        )
      : v,
  );
}
