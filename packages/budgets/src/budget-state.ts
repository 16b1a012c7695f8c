import { DEFAULT_STATE_THRESHOLDS, type BudgetState, type StateThresholds } from '@org-budgets/contracts';

/** AWS Budgets' figures for a budget's period, in the budget's currency. */
export interface SpendFigures {
  actual: number;
  /** Absent while AWS has too little history to forecast. */
  forecasted?: number | undefined;
}

export interface StateAssessment {
  state: BudgetState;
  /** Why, with the figures and the threshold that decided it. */
  reason: string;
  /** Percent of the amount, rounded to 0.1. */
  actualPercent?: number;
  forecastedPercent?: number;
}

/** The order of severity: a lockdown at a state applies at that state and every later one. */
const SEVERITY: Record<BudgetState, number> = {
  Unknown: -1,
  Unused: 0,
  Under: 1,
  'On target': 2,
  Over: 3,
  Critical: 4,
  Shutdown: 5,
};

/** True when `state` is `at` or more severe (Unknown never is). */
export function isStateAtLeast(state: BudgetState, at: BudgetState): boolean {
  return state !== 'Unknown' && SEVERITY[state] >= SEVERITY[at];
}

function percent(value: number, amount: number): number {
  return Math.round((value / amount) * 1000) / 10;
}

/**
 * A budget's state from AWS Budgets' actual and forecasted spend against its amount
 * (docs/budget-states.md), the most severe that holds:
 * - Unknown: no figures (no report yet).
 * - Shutdown: actual ≥ shutdownAt (100%).
 * - Critical: actual ≥ criticalAt (90%).
 * - Over: projected ≥ overAt (100%), where projected is the forecast, or the actual when that is
 *   higher or there is no forecast (a period's spend never ends below what is spent already).
 * - On target: projected ≥ onTargetAt (80%).
 * - Unused: actual and projected both < unusedBelow (1%).
 * - Under: anything else.
 * Comparisons are on exact figures, not on the rounded percentages.
 */
export function budgetStateOf(
  figures: SpendFigures | undefined,
  amount: number,
  thresholds: StateThresholds = DEFAULT_STATE_THRESHOLDS,
): StateAssessment {
  if (!figures) return { state: 'Unknown', reason: 'no spend figures reported yet' };
  const { actual, forecasted } = figures;
  const projected = Math.max(actual, forecasted ?? actual);
  // value / amount ≥ threshold %, without the division; a relative tolerance absorbs binary
  // floating point (0.027 × 100 is 2.7000000000000002, 90 × 0.03 is 2.6999999999999997).
  const atLeast = (value: number, threshold: number) =>
    value * 100 - threshold * amount >= -1e-9 * Math.max(1, threshold * amount);
  const actualPercent = percent(actual, amount);
  const projectedPercent = percent(projected, amount);
  const figuresOut = {
    actualPercent,
    ...(forecasted === undefined ? {} : { forecastedPercent: percent(forecasted, amount) }),
  };
  const projectedText =
    forecasted !== undefined && forecasted >= actual
      ? `forecast ${projectedPercent}%`
      : `actual ${projectedPercent}% (${forecasted === undefined ? 'no forecast' : 'above the forecast'})`;
  const decide = (state: BudgetState, reason: string): StateAssessment => ({ state, reason, ...figuresOut });

  if (atLeast(actual, thresholds.shutdownAt))
    return decide(
      'Shutdown',
      `actual ${actualPercent}% of the amount, at or above shutdownAt ${thresholds.shutdownAt}%`,
    );
  if (atLeast(actual, thresholds.criticalAt))
    return decide(
      'Critical',
      `actual ${actualPercent}% of the amount, at or above criticalAt ${thresholds.criticalAt}%`,
    );
  if (atLeast(projected, thresholds.overAt))
    return decide('Over', `${projectedText} of the amount, at or above overAt ${thresholds.overAt}%`);
  if (atLeast(projected, thresholds.onTargetAt))
    return decide('On target', `${projectedText} of the amount, at or above onTargetAt ${thresholds.onTargetAt}%`);
  if (!atLeast(projected, thresholds.unusedBelow))
    return decide(
      'Unused',
      `actual ${actualPercent}% and ${projectedText} of the amount, below unusedBelow ${thresholds.unusedBelow}%`,
    );
  return decide('Under', `${projectedText} of the amount, below onTargetAt ${thresholds.onTargetAt}%`);
}

/**
 * The first day (UTC, YYYY-MM-DD) of the budget period that contains `now`, as AWS Budgets counts
 * calendar periods: the month, the quarter (January, April, July, October), the year.
 */
export function budgetPeriodStart(period: 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY', now: Date): string {
  const month = now.getUTCMonth();
  const first = period === 'MONTHLY' ? month : period === 'QUARTERLY' ? month - (month % 3) : 0;
  return new Date(Date.UTC(now.getUTCFullYear(), first, 1)).toISOString().slice(0, 10);
}
