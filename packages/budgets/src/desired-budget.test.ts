import type { BudgetNotification, BudgetSubscriber, NotificationWithSubscribers } from './budget-shapes';
import {
  assertWithinAwsLimits,
  budgetAmountsEqual,
  desiredBudget,
  formatBudgetAmount,
  formatTagFilterValue,
} from './desired-budget';
import { DesiredBudgetInvalidError } from './errors';
import { ALERT_TOPIC_ARN, budgetParameter } from './testing/budget-fixtures';

const options = { alertTopicArn: ALERT_TOPIC_ARN };
const topic: BudgetSubscriber = { SubscriptionType: 'SNS', Address: ALERT_TOPIC_ARN };

describe('desiredBudget', () => {
  it('maps a parameter with only the defaults to a monthly COST budget with three actual and one forecasted alert', () => {
    const desired = desiredBudget(budgetParameter({ amount: 250 }), options);

    expect(desired).toEqual({
      budget: {
        BudgetName: 'team-a',
        BudgetType: 'COST',
        BudgetLimit: { Amount: '250', Unit: 'USD' },
        TimeUnit: 'MONTHLY',
        CostFilters: {},
      },
      notifications: [50, 80, 100]
        .map((threshold) => ({ type: 'ACTUAL', threshold }))
        .concat([{ type: 'FORECASTED', threshold: 100 }])
        .map(({ type, threshold }) => ({
          Notification: {
            NotificationType: type,
            ComparisonOperator: 'GREATER_THAN',
            Threshold: threshold,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: [topic],
        })),
      tags: [{ Key: 'org-budgets:managed', Value: 'true' }],
    });
  });

  it('subscribes every email and the alert topic to every notification', () => {
    const desired = desiredBudget(budgetParameter({ emails: ['pi@example.org', 'admin@example.org'] }), options);

    for (const { Subscribers } of desired.notifications) {
      expect(Subscribers).toEqual([
        { SubscriptionType: 'EMAIL', Address: 'admin@example.org' },
        { SubscriptionType: 'EMAIL', Address: 'pi@example.org' },
        topic,
      ]);
    }
  });

  it('takes the currency, period and thresholds from the parameter', () => {
    const desired = desiredBudget(
      budgetParameter({
        amount: 12500.5,
        currency: 'EUR',
        period: 'QUARTERLY',
        alertAt: [90, 10],
        forecastAlertAt: [120, 100],
      }),
      options,
    );

    expect(desired.budget).toMatchObject({ BudgetLimit: { Amount: '12500.5', Unit: 'EUR' }, TimeUnit: 'QUARTERLY' });
    expect(desired.notifications.map((n) => `${n.Notification.NotificationType} ${n.Notification.Threshold}`)).toEqual([
      'ACTUAL 10',
      'ACTUAL 90',
      'FORECASTED 100',
      'FORECASTED 120',
    ]);
  });

  it('writes tag filters as user:<key>$<value> under TagKeyValue and services under Service', () => {
    const desired = desiredBudget(
      budgetParameter({
        costFilter: {
          tags: { project: ['genomics', 'climate'], team: ['hpc'] },
          services: ['AWS Batch', 'Amazon Elastic Compute Cloud - Compute'],
        },
      }),
      options,
    );

    expect(desired.budget.CostFilters).toEqual({
      TagKeyValue: ['user:project$climate', 'user:project$genomics', 'user:team$hpc'],
      Service: ['AWS Batch', 'Amazon Elastic Compute Cloud - Compute'],
    });
  });

  it('leaves out a filter dimension the parameter does not use', () => {
    const desired = desiredBudget(budgetParameter({ costFilter: { services: ['AWS Batch'] } }), options);

    expect(desired.budget.CostFilters).toEqual({ Service: ['AWS Batch'] });
  });

  it('fails without an alert topic', () => {
    expect(() => desiredBudget(budgetParameter(), { alertTopicArn: '' })).toThrow(DesiredBudgetInvalidError);
  });
});

describe('budget amounts', () => {
  it.each([
    [1500, '1500'],
    [12500.5, '12500.5'],
    [0.01, '0.01'],
    [99.99, '99.99'],
    [10_000_000_000, '10000000000'],
  ])('formats %p as %p', (amount, text) => {
    expect(formatBudgetAmount(amount)).toBe(text);
  });

  it.each([
    ['1500', '1500.0', true],
    ['1500.5', '1500.50', true],
    ['0.5', '.5', true],
    ['01500', '1500', true],
    ['1500', '1500.01', false],
    ['1500', '15000', false],
    ['abc', 'abc', false],
    ['', '0', false],
  ])('compares %p and %p by value: %p', (a, b, equal) => {
    expect(budgetAmountsEqual(a, b)).toBe(equal);
  });

  it('formats a tag filter value', () => {
    expect(formatTagFilterValue('project', 'genomics')).toBe('user:project$genomics');
  });
});

describe('assertWithinAwsLimits', () => {
  const notification = (threshold: number): NotificationWithSubscribers => {
    const n: BudgetNotification = {
      NotificationType: 'ACTUAL',
      ComparisonOperator: 'GREATER_THAN',
      Threshold: threshold,
      ThresholdType: 'PERCENTAGE',
    };
    return { Notification: n, Subscribers: [topic] };
  };
  const withNotifications = (notifications: NotificationWithSubscribers[]) => ({
    ...desiredBudget(budgetParameter(), options),
    notifications,
  });

  it('rejects more than 10 notifications', () => {
    const desired = withNotifications(Array.from({ length: 11 }, (_, i) => notification(10 * (i + 1))));

    expect(() => assertWithinAwsLimits(desired)).toThrow('it has 11 notifications (AWS Budgets allows 10 per budget)');
  });

  it('rejects more than 10 email subscribers on a notification', () => {
    const emails = Array.from({ length: 11 }, (_, i): BudgetSubscriber => ({
      SubscriptionType: 'EMAIL',
      Address: `u${i}@example.com`,
    }));
    const desired = withNotifications([{ ...notification(50), Subscribers: [...emails, topic] }]);

    expect(() => assertWithinAwsLimits(desired)).toThrow(
      'budget team-a cannot be applied: notification ACTUAL > 50% has 11 email subscribers (AWS Budgets allows 10)',
    );
  });

  it('rejects a notification without subscribers, with two topics, or twice the same', () => {
    const otherTopic: BudgetSubscriber = { SubscriptionType: 'SNS', Address: `${ALERT_TOPIC_ARN}-2` };
    const desired = withNotifications([
      { ...notification(50), Subscribers: [] },
      { ...notification(80), Subscribers: [topic, otherTopic] },
      notification(80),
    ]);

    const error = (() => {
      try {
        assertWithinAwsLimits(desired);
        return undefined;
      } catch (e) {
        return e as DesiredBudgetInvalidError;
      }
    })();

    expect(error).toBeInstanceOf(DesiredBudgetInvalidError);
    expect(error?.problems).toEqual([
      'notification ACTUAL > 50% has no subscriber (AWS Budgets requires at least one)',
      'notification ACTUAL > 80% has 2 SNS subscribers (AWS Budgets allows 1)',
      'notification ACTUAL > 80% appears twice',
    ]);
  });
});

describe('budgetAmountsEqual with the forms AWS writes', () => {
  it.each([
    ['25100000', '2.51E+7'],
    ['100', '100.0'],
    ['0.05', '5E-2'],
    ['1500', '1.5e3'],
  ])('%s equals %s', (a, b) => {
    expect(budgetAmountsEqual(a, b)).toBe(true);
  });

  it('tells different amounts apart', () => {
    expect(budgetAmountsEqual('25100000', '2.51E+6')).toBe(false);
    expect(budgetAmountsEqual('abc', 'abc')).toBe(false);
  });
});
