import { DEFAULT_STATE_THRESHOLDS, stateThresholdsOf } from '@org-budgets/contracts';
import { budgetPeriodStart, budgetStateOf, isStateAtLeast } from './budget-state';

const AMOUNT = 1000;
const state = (actual: number, forecasted?: number, thresholds = DEFAULT_STATE_THRESHOLDS) =>
  budgetStateOf({ actual, forecasted }, AMOUNT, thresholds).state;

describe('budgetStateOf (defaults: unusedBelow 1, onTargetAt 80, overAt 100, criticalAt 90, shutdownAt 100)', () => {
  it('is Unknown without figures', () => {
    expect(budgetStateOf(undefined, AMOUNT)).toEqual({ state: 'Unknown', reason: 'no spend figures reported yet' });
  });

  it.each([
    // Unused below 1% of actual and forecast; at 1% it is Under.
    [0, undefined, 'Unused'],
    [0, 0, 'Unused'],
    [9.99, 9.99, 'Unused'],
    [10, undefined, 'Under'],
    [0, 10, 'Under'],
    // On target from 80% of the projection (forecast, or actual when higher).
    [100, 799.99, 'Under'],
    [100, 800, 'On target'],
    [800, undefined, 'On target'],
    [800, 100, 'On target'],
    // Over from 100% of the projection.
    [100, 999.99, 'On target'],
    [100, 1000, 'Over'],
    // Critical from 90% of actual, whatever the forecast.
    [899.99, undefined, 'On target'],
    [899.99, 1000, 'Over'],
    [900, undefined, 'Critical'],
    [900, 800, 'Critical'],
    [999.99, 2000, 'Critical'],
    // Shutdown from 100% of actual.
    [1000, undefined, 'Shutdown'],
    [1000, 0, 'Shutdown'],
    [5000, 6000, 'Shutdown'],
  ] as const)('actual %p, forecast %p → %s', (actual, forecasted, expected) => {
    expect(state(actual, forecasted)).toBe(expected);
  });

  it('says why, with the percentages', () => {
    expect(budgetStateOf({ actual: 1037, forecasted: 1200 }, AMOUNT)).toEqual({
      state: 'Shutdown',
      reason: 'actual 103.7% of the amount, at or above shutdownAt 100%',
      actualPercent: 103.7,
      forecastedPercent: 120,
    });
    expect(budgetStateOf({ actual: 100, forecasted: 850 }, AMOUNT).reason).toBe(
      'forecast 85% of the amount, at or above onTargetAt 80%',
    );
    expect(budgetStateOf({ actual: 850 }, AMOUNT).reason).toBe(
      'actual 85% (no forecast) of the amount, at or above onTargetAt 80%',
    );
  });

  it('uses the item’s own thresholds, the defaults for the rest', () => {
    const thresholds = stateThresholdsOf({ shutdownAt: 120, criticalAt: 110 });
    expect(thresholds).toEqual({ ...DEFAULT_STATE_THRESHOLDS, shutdownAt: 120, criticalAt: 110 });
    expect(state(1000, undefined, thresholds)).toBe('Over');
    expect(state(1099.99, undefined, thresholds)).toBe('Over');
    expect(state(1100, undefined, thresholds)).toBe('Critical');
    expect(state(1200, undefined, thresholds)).toBe('Shutdown');
  });

  it('never says Unused with unusedBelow 0', () => {
    expect(state(0, 0, stateThresholdsOf({ unusedBelow: 0 }))).toBe('Under');
  });

  it('compares exact figures, not rounded percentages', () => {
    expect(budgetStateOf({ actual: 0.03 }, 0.03).state).toBe('Shutdown');
    expect(budgetStateOf({ actual: 0.027 }, 0.03).state).toBe('Critical');
    expect(budgetStateOf({ actual: 0.026 }, 0.03).state).toBe('On target');
  });
});

describe('isStateAtLeast', () => {
  it('orders the states; Unknown is never at a state', () => {
    expect(isStateAtLeast('Shutdown', 'Shutdown')).toBe(true);
    expect(isStateAtLeast('Critical', 'Shutdown')).toBe(false);
    expect(isStateAtLeast('Shutdown', 'Over')).toBe(true);
    expect(isStateAtLeast('On target', 'Over')).toBe(false);
    expect(isStateAtLeast('Unknown', 'Over')).toBe(false);
  });
});

describe('budgetPeriodStart', () => {
  it('is the first day of the calendar month, quarter or year, in UTC', () => {
    const now = new Date('2026-11-30T23:59:59.999Z');
    expect(budgetPeriodStart('MONTHLY', now)).toBe('2026-11-01');
    expect(budgetPeriodStart('QUARTERLY', now)).toBe('2026-10-01');
    expect(budgetPeriodStart('ANNUALLY', now)).toBe('2026-01-01');
    expect(budgetPeriodStart('MONTHLY', new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12-01');
  });
});
