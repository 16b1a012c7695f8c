import {
  toBudgetParameter,
  validateBudgetItem,
  type BudgetItemInput,
  type BudgetParameter,
} from '@org-budgets/contracts';
import type { CurrentBudgetState, NotificationWithSubscribers } from '../budget-shapes';
import type { DesiredBudget } from '../desired-budget';

/** Test data only: not exported from the package. */

export const ACCOUNT_ID = '111111111111';
export const ALERT_TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:org-budgets-alerts';
export const BUDGET_PERIOD_START = new Date('2026-11-01T00:00:00Z');
export const BUDGET_PERIOD_END = new Date('2087-06-15T00:00:00Z');

/** A valid, normalized budget parameter; only accountId, budgetName and amount unless overridden. */
export function budgetParameter(overrides: Partial<BudgetItemInput> = {}): BudgetParameter {
  const result = validateBudgetItem({ accountId: ACCOUNT_ID, budgetName: 'team-a', amount: 250, ...overrides });
  if (!result.valid) throw new Error(result.message);
  return toBudgetParameter(result.item, '42', new Date('2026-11-23T10:00:00Z'));
}

/**
 * The budget as AWS would show it after the desired one was applied: limit written back as
 * "250.0", the time period and cost types AWS fills in, the managed tag.
 */
export function currentMatching(desired: DesiredBudget): Extract<CurrentBudgetState, { exists: true }> {
  return {
    exists: true,
    budget: {
      BudgetName: desired.budget.BudgetName,
      BudgetType: 'COST',
      BudgetLimit: { Amount: `${desired.budget.BudgetLimit.Amount}.0`, Unit: desired.budget.BudgetLimit.Unit },
      TimeUnit: desired.budget.TimeUnit,
      CostFilters: Object.fromEntries(
        Object.entries(desired.budget.CostFilters).map(([dimension, values]) => [dimension, [...values].reverse()]),
      ),
      TimePeriod: { Start: BUDGET_PERIOD_START, End: BUDGET_PERIOD_END },
      CostTypes: { IncludeTax: true, IncludeCredit: false, UseBlended: false },
    },
    tags: [
      { Key: 'cost-center', Value: 'research' },
      { Key: 'org-budgets:managed', Value: 'true' },
    ],
    notifications: desired.notifications.map((entry): NotificationWithSubscribers => ({
      Notification: { ...entry.Notification },
      // AWS lists subscribers in its own order.
      Subscribers: [...entry.Subscribers].reverse().map((s) => ({ ...s })),
    })),
  };
}
