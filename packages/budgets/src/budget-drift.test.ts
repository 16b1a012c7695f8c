import type { BudgetItemInput } from '@org-budgets/contracts';
import { describeBudgetDrift, shortNotification } from './budget-drift';
import { desiredBudget } from './desired-budget';
import { planBudgetReconciliation } from './plan-budget-reconciliation';
import { ALERT_TOPIC_ARN, budgetParameter, currentMatching } from './testing/budget-fixtures';

const desiredFor = (overrides: Partial<BudgetItemInput> = {}) =>
  desiredBudget(budgetParameter(overrides), { alertTopicArn: ALERT_TOPIC_ARN });

describe('describeBudgetDrift', () => {
  it('finds nothing when the budget matches, as the planner plans nothing', () => {
    const desired = desiredFor({ emails: ['a@example.com'], costFilter: { services: ['AWS Batch', 'Amazon EC2'] } });
    const current = currentMatching(desired);

    expect(describeBudgetDrift(desired, current)).toEqual([]);
    expect(planBudgetReconciliation(desired, current)).toEqual({ action: 'apply', calls: [] });
  });

  it('says a deleted budget was missing', () => {
    expect(describeBudgetDrift(desiredFor(), { exists: false })).toEqual(['the budget was missing, recreated']);
  });

  it('names each changed field of the budget with the value found and the one restored', () => {
    const desired = desiredFor({ amount: 1000, costFilter: { tags: { project: ['genomics'] } } });
    const current = currentMatching(desired);
    current.budget.BudgetLimit = { Amount: '9.99E+2', Unit: 'EUR' };
    current.budget.TimeUnit = 'QUARTERLY';
    current.budget.BudgetType = 'USAGE';
    current.budget.CostFilters = { Service: ['Amazon EC2'] };

    expect(describeBudgetDrift(desired, current)).toEqual([
      'budget type was USAGE, restored to COST',
      'amount was 999, restored to 1000',
      'currency was EUR, restored to USD',
      'period was QUARTERLY, restored to MONTHLY',
      'cost filter was Service=Amazon EC2, restored to TagKeyValue=user:project$genomics',
    ]);
  });

  it('says a budget without a fixed limit had none', () => {
    const desired = desiredFor({ amount: 10 });
    const current = currentMatching(desired);
    delete current.budget.BudgetLimit;

    expect(describeBudgetDrift(desired, current)).toEqual(['amount was not a fixed limit, restored to 10']);
  });

  it('names missing and extra notifications and subscribers, one phrase per subscriber', () => {
    const desired = desiredFor({ emails: ['pi@example.org'], alertAt: [50, 80], forecastAlertAt: [100] });
    const current = currentMatching(desired);
    current.notifications = current.notifications
      .filter((n) => n.Notification.NotificationType !== 'FORECASTED')
      .map((n) => ({
        ...n,
        Subscribers: [
          ...n.Subscribers.filter((s) => s.Address !== 'pi@example.org'),
          { SubscriptionType: 'EMAIL' as const, Address: 'x@example.org' },
        ],
      }));
    current.notifications.push({
      Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 200 },
      Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'x@example.org' }],
    });

    expect(describeBudgetDrift(desired, current)).toEqual([
      'notification FORECASTED 100% was missing',
      'notification ACTUAL 200% was not in the parameter, removed',
      'email pi@example.org was missing on ACTUAL 50%, ACTUAL 80%',
      'email x@example.org on ACTUAL 50%, ACTUAL 80% was not in the parameter, removed',
    ]);
  });

  it('names a replaced alert topic', () => {
    const desired = desiredFor({ alertAt: [80], forecastAlertAt: [] });
    const current = currentMatching(desired);
    current.notifications[0]!.Subscribers = [{ SubscriptionType: 'SNS', Address: 'arn:aws:sns:us-east-1:1:other' }];

    expect(describeBudgetDrift(desired, current)).toEqual([
      `SNS topic ${ALERT_TOPIC_ARN} was missing on ACTUAL 80%`,
      'SNS topic arn:aws:sns:us-east-1:1:other on ACTUAL 80% was not in the parameter, removed',
    ]);
  });
});

describe('shortNotification', () => {
  it('writes the usual notifications short and spells out the others', () => {
    expect(
      shortNotification({ NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100 }),
    ).toBe('FORECASTED 100%');
    expect(
      shortNotification({
        NotificationType: 'ACTUAL',
        ComparisonOperator: 'LESS_THAN',
        Threshold: 5,
        ThresholdType: 'ABSOLUTE_VALUE',
      }),
    ).toBe('ACTUAL < 5 (absolute)');
  });
});
