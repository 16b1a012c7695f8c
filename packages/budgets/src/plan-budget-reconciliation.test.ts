import type { BudgetItemInput } from '@org-budgets/contracts';
import type { BudgetNotification, BudgetSubscriber, CurrentBudgetState } from './budget-shapes';
import { desiredBudget } from './desired-budget';
import { DesiredBudgetInvalidError } from './errors';
import {
  describeBudgetCall,
  planBudgetDeletion,
  planBudgetReconciliation,
  type BudgetCall,
} from './plan-budget-reconciliation';
import {
  ALERT_TOPIC_ARN,
  BUDGET_PERIOD_END,
  BUDGET_PERIOD_START,
  budgetParameter,
  currentMatching,
} from './testing/budget-fixtures';

const options = { alertTopicArn: ALERT_TOPIC_ARN };
const topic: BudgetSubscriber = { SubscriptionType: 'SNS', Address: ALERT_TOPIC_ARN };
const email = (address: string): BudgetSubscriber => ({ SubscriptionType: 'EMAIL', Address: address });
const actual = (threshold: number): BudgetNotification => ({
  NotificationType: 'ACTUAL',
  ComparisonOperator: 'GREATER_THAN',
  Threshold: threshold,
  ThresholdType: 'PERCENTAGE',
});
const forecasted = (threshold: number): BudgetNotification => ({
  ...actual(threshold),
  NotificationType: 'FORECASTED',
});

function desiredFor(overrides: Partial<BudgetItemInput> = {}) {
  return desiredBudget(budgetParameter(overrides), options);
}

/** The calls planned when the budget was applied from `before` and the item now says `after`. */
function callsAfterEdit(before: Partial<BudgetItemInput>, after: Partial<BudgetItemInput>): BudgetCall[] {
  const plan = planBudgetReconciliation(desiredFor(after), currentMatching(desiredFor(before)));
  if (plan.action !== 'apply') throw new Error(plan.reason);
  return plan.calls;
}

const operations = (calls: BudgetCall[]) => calls.map(describeBudgetCall);

describe('planBudgetReconciliation', () => {
  it('plans nothing when the budget matches, whatever the order and decimal form AWS reports', () => {
    const desired = desiredFor({
      amount: 1500,
      emails: ['a@example.com', 'b@example.com'],
      costFilter: { tags: { project: ['genomics', 'climate'] }, services: ['AWS Batch', 'Amazon EC2'] },
    });
    const current = currentMatching(desired);

    expect(current.budget.BudgetLimit?.Amount).toBe('1500.0');
    expect(planBudgetReconciliation(desired, current)).toEqual({ action: 'apply', calls: [] });
  });

  it('treats a notification that AWS reports without ThresholdType as a percentage one', () => {
    const desired = desiredFor();
    const current = currentMatching(desired);
    for (const entry of current.notifications) delete entry.Notification.ThresholdType;

    expect(planBudgetReconciliation(desired, current)).toEqual({ action: 'apply', calls: [] });
  });

  it('addresses subscriber calls to a notification as AWS reported it', () => {
    const desired = desiredFor({ emails: ['new@example.com'], alertAt: [80], forecastAlertAt: [] });
    const current = currentMatching(desiredFor({ alertAt: [80], forecastAlertAt: [] }));
    delete current.notifications[0]!.Notification.ThresholdType;

    const plan = planBudgetReconciliation(desired, current);

    const { ThresholdType: _omitted, ...asReported } = actual(80);
    expect(plan).toEqual({
      action: 'apply',
      calls: [
        {
          operation: 'CreateSubscriber',
          input: { BudgetName: 'team-a', Notification: asReported, Subscriber: email('new@example.com') },
        },
      ],
    });
  });

  it('creates a missing budget with all its notifications, subscribers and the managed tag in one call', () => {
    const desired = desiredFor({ amount: 300, emails: ['pi@example.org'], alertAt: [80], forecastAlertAt: [100] });

    const plan = planBudgetReconciliation(desired, { exists: false });

    expect(plan).toEqual({
      action: 'apply',
      calls: [
        {
          operation: 'CreateBudget',
          input: {
            Budget: {
              BudgetName: 'team-a',
              BudgetType: 'COST',
              BudgetLimit: { Amount: '300', Unit: 'USD' },
              TimeUnit: 'MONTHLY',
              CostFilters: {},
            },
            NotificationsWithSubscribers: [
              { Notification: actual(80), Subscribers: [email('pi@example.org'), topic] },
              { Notification: forecasted(100), Subscribers: [email('pi@example.org'), topic] },
            ],
            ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }],
          },
        },
      ],
    });
  });

  it('replaces the whole definition when the amount changes, keeping the time period and cost types', () => {
    const calls = callsAfterEdit({ amount: 250 }, { amount: 275.5 });

    expect(calls).toEqual([
      {
        operation: 'UpdateBudget',
        input: {
          NewBudget: {
            BudgetName: 'team-a',
            BudgetType: 'COST',
            BudgetLimit: { Amount: '275.5', Unit: 'USD' },
            TimeUnit: 'MONTHLY',
            CostFilters: {},
            TimePeriod: { Start: BUDGET_PERIOD_START, End: BUDGET_PERIOD_END },
            CostTypes: { IncludeTax: true, IncludeCredit: false, UseBlended: false },
          },
        },
      },
    ]);
  });

  it('updates the budget when the period changes, leaving the start of the new period to AWS', () => {
    const calls = callsAfterEdit({ period: 'MONTHLY' }, { period: 'QUARTERLY' });

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ operation: 'UpdateBudget', input: { NewBudget: { TimeUnit: 'QUARTERLY' } } });
    expect(calls[0]?.operation === 'UpdateBudget' && calls[0].input.NewBudget.TimePeriod).toBeUndefined();
  });

  it('updates the budget when the currency changes', () => {
    const calls = callsAfterEdit({ currency: 'USD' }, { currency: 'EUR' });

    expect(calls).toEqual([
      expect.objectContaining({
        operation: 'UpdateBudget',
        input: { NewBudget: expect.objectContaining({ BudgetLimit: { Amount: '250', Unit: 'EUR' } }) },
      }),
    ]);
  });

  it('updates the budget when a tag filter changes', () => {
    const calls = callsAfterEdit(
      { costFilter: { tags: { project: ['genomics'] } } },
      { costFilter: { tags: { project: ['genomics', 'climate'] } } },
    );

    expect(calls).toEqual([
      expect.objectContaining({
        input: {
          NewBudget: expect.objectContaining({
            CostFilters: { TagKeyValue: ['user:project$climate', 'user:project$genomics'] },
          }),
        },
      }),
    ]);
  });

  it('updates the budget when a service filter changes', () => {
    const calls = callsAfterEdit(
      { costFilter: { services: ['AWS Batch'] } },
      { costFilter: { services: ['Amazon EC2'] } },
    );

    expect(calls).toEqual([
      expect.objectContaining({
        input: { NewBudget: expect.objectContaining({ CostFilters: { Service: ['Amazon EC2'] } }) },
      }),
    ]);
  });

  it('clears the filters with an empty CostFilters when the item no longer has any', () => {
    const calls = callsAfterEdit({ costFilter: { services: ['AWS Batch'] } }, {});

    expect(calls).toEqual([
      expect.objectContaining({ input: { NewBudget: expect.objectContaining({ CostFilters: {} }) } }),
    ]);
  });

  it('creates a notification for an added threshold, with every subscriber', () => {
    const calls = callsAfterEdit(
      { emails: ['a@example.com'], alertAt: [50, 80] },
      { emails: ['a@example.com'], alertAt: [50, 80, 100] },
    );

    expect(calls).toEqual([
      {
        operation: 'CreateNotification',
        input: { BudgetName: 'team-a', Notification: actual(100), Subscribers: [email('a@example.com'), topic] },
      },
    ]);
  });

  it('deletes the notification of a removed threshold', () => {
    const calls = callsAfterEdit({ alertAt: [50, 80, 100] }, { alertAt: [50, 100] });

    expect(calls).toEqual([
      { operation: 'DeleteNotification', input: { BudgetName: 'team-a', Notification: actual(80) } },
    ]);
  });

  it('updates a notification in place when its threshold changes, keeping its subscribers', () => {
    const calls = callsAfterEdit(
      { alertAt: [50, 80, 100], forecastAlertAt: [100] },
      { alertAt: [50, 90, 100], forecastAlertAt: [120] },
    );

    expect(calls).toEqual([
      {
        operation: 'UpdateNotification',
        input: { BudgetName: 'team-a', OldNotification: actual(80), NewNotification: actual(90) },
      },
      {
        operation: 'UpdateNotification',
        input: { BudgetName: 'team-a', OldNotification: forecasted(100), NewNotification: forecasted(120) },
      },
    ]);
  });

  it('pairs changed thresholds of one type in order and creates or deletes the rest', () => {
    const calls = callsAfterEdit({ alertAt: [10, 20, 30] }, { alertAt: [15, 25] });

    expect(operations(calls)).toEqual([
      'DeleteNotification ACTUAL > 30%',
      'UpdateNotification ACTUAL > 10% -> ACTUAL > 15%',
      'UpdateNotification ACTUAL > 20% -> ACTUAL > 25%',
    ]);
  });

  it('deletes notifications before creating others, so that a full budget never exceeds 10', () => {
    const tenActual = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const calls = callsAfterEdit(
      { alertAt: tenActual, forecastAlertAt: [] },
      { alertAt: [10, 20], forecastAlertAt: [100, 110, 120] },
    );

    expect(operations(calls)).toEqual([
      'DeleteNotification ACTUAL > 30%',
      'DeleteNotification ACTUAL > 40%',
      'DeleteNotification ACTUAL > 50%',
      'DeleteNotification ACTUAL > 60%',
      'DeleteNotification ACTUAL > 70%',
      'DeleteNotification ACTUAL > 80%',
      'DeleteNotification ACTUAL > 90%',
      'DeleteNotification ACTUAL > 100%',
      'CreateNotification FORECASTED > 100% with 1 subscribers',
      'CreateNotification FORECASTED > 110% with 1 subscribers',
      'CreateNotification FORECASTED > 120% with 1 subscribers',
    ]);
  });

  it('deletes removed and creates added email subscribers on every notification, deletions first', () => {
    const calls = callsAfterEdit(
      { emails: ['keep@example.com', 'old@example.com'], alertAt: [80], forecastAlertAt: [100] },
      { emails: ['keep@example.com', 'new@example.com'], alertAt: [80], forecastAlertAt: [100] },
    );

    expect(calls).toEqual([
      {
        operation: 'DeleteSubscriber',
        input: { BudgetName: 'team-a', Notification: actual(80), Subscriber: email('old@example.com') },
      },
      {
        operation: 'CreateSubscriber',
        input: { BudgetName: 'team-a', Notification: actual(80), Subscriber: email('new@example.com') },
      },
      {
        operation: 'DeleteSubscriber',
        input: { BudgetName: 'team-a', Notification: forecasted(100), Subscriber: email('old@example.com') },
      },
      {
        operation: 'CreateSubscriber',
        input: { BudgetName: 'team-a', Notification: forecasted(100), Subscriber: email('new@example.com') },
      },
    ]);
  });

  it('reconciles the subscribers of an updated notification on its new threshold', () => {
    const calls = callsAfterEdit(
      { emails: ['old@example.com'], alertAt: [80], forecastAlertAt: [] },
      { emails: ['new@example.com'], alertAt: [90], forecastAlertAt: [] },
    );

    expect(operations(calls)).toEqual([
      'UpdateNotification ACTUAL > 80% -> ACTUAL > 90%',
      'DeleteSubscriber EMAIL old@example.com on ACTUAL > 90%',
      'CreateSubscriber EMAIL new@example.com on ACTUAL > 90%',
    ]);
  });

  it('swaps all ten emails without ever holding more than ten', () => {
    const olds = Array.from({ length: 10 }, (_, i) => `old${i}@example.com`);
    const news = Array.from({ length: 10 }, (_, i) => `new${i}@example.com`);
    const calls = callsAfterEdit(
      { emails: olds, alertAt: [80], forecastAlertAt: [] },
      { emails: news, alertAt: [80], forecastAlertAt: [] },
    );

    const firstCreate = calls.findIndex((c) => c.operation === 'CreateSubscriber');
    expect(calls.slice(0, firstCreate).every((c) => c.operation === 'DeleteSubscriber')).toBe(true);
    expect(firstCreate).toBe(10);
    expect(calls).toHaveLength(20);
  });

  it('adds a missing SNS subscriber before removing any email, so the notification keeps a subscriber', () => {
    const desired = desiredFor({ emails: ['new@example.com'], alertAt: [80], forecastAlertAt: [] });
    const current = currentMatching(desired);
    current.notifications[0]!.Subscribers = [email('old@example.com')];

    const plan = planBudgetReconciliation(desired, current);

    expect(plan.action === 'apply' && operations(plan.calls)).toEqual([
      `CreateSubscriber SNS ${ALERT_TOPIC_ARN} on ACTUAL > 80%`,
      'DeleteSubscriber EMAIL old@example.com on ACTUAL > 80%',
      'CreateSubscriber EMAIL new@example.com on ACTUAL > 80%',
    ]);
  });

  it('replaces another SNS topic in place, since a notification takes only one', () => {
    const desired = desiredFor({ alertAt: [80], forecastAlertAt: [] });
    const current = currentMatching(desired);
    const oldTopic = { SubscriptionType: 'SNS' as const, Address: 'arn:aws:sns:us-east-1:111111111111:old-topic' };
    current.notifications[0]!.Subscribers = [oldTopic];

    const plan = planBudgetReconciliation(desired, current);

    expect(plan).toEqual({
      action: 'apply',
      calls: [
        {
          operation: 'UpdateSubscriber',
          input: { BudgetName: 'team-a', Notification: actual(80), OldSubscriber: oldTopic, NewSubscriber: topic },
        },
      ],
    });
  });

  it('applies budget, notification and subscriber changes in a safe order', () => {
    const calls = callsAfterEdit(
      { amount: 100, emails: ['old@example.com'], alertAt: [50, 80], forecastAlertAt: [100] },
      { amount: 200, emails: ['new@example.com'], alertAt: [50, 90], forecastAlertAt: [] },
    );

    expect(operations(calls)).toEqual([
      'UpdateBudget team-a (200 USD MONTHLY)',
      'DeleteNotification FORECASTED > 100%',
      'UpdateNotification ACTUAL > 80% -> ACTUAL > 90%',
      'DeleteSubscriber EMAIL old@example.com on ACTUAL > 50%',
      'CreateSubscriber EMAIL new@example.com on ACTUAL > 50%',
      'DeleteSubscriber EMAIL old@example.com on ACTUAL > 90%',
      'CreateSubscriber EMAIL new@example.com on ACTUAL > 90%',
    ]);
  });

  it('refuses a budget of that name without the managed tag, and plans nothing for it', () => {
    const desired = desiredFor();
    const current = { ...currentMatching(desired), tags: [{ Key: 'owner', Value: 'finance' }] };

    expect(planBudgetReconciliation(desired, current)).toEqual({
      action: 'refuse',
      reason: expect.stringContaining('budget team-a exists without the tag org-budgets:managed=true'),
    });
  });

  it('refuses a budget whose managed tag is not "true"', () => {
    const desired = desiredFor();
    const current = { ...currentMatching(desired), tags: [{ Key: 'org-budgets:managed', Value: 'false' }] };

    expect(planBudgetReconciliation(desired, current).action).toBe('refuse');
  });

  it('fails before planning when the desired budget breaks an AWS limit', () => {
    const desired = desiredFor();
    desired.notifications = Array.from({ length: 11 }, (_, i) => ({
      Notification: actual(i + 1),
      Subscribers: [topic],
    }));

    expect(() => planBudgetReconciliation(desired, { exists: false })).toThrow(DesiredBudgetInvalidError);
  });
});

describe('planBudgetDeletion', () => {
  const managed = currentMatching(desiredFor());

  it('deletes a managed budget (AWS deletes its notifications and subscribers with it)', () => {
    expect(planBudgetDeletion(managed)).toEqual({
      action: 'apply',
      calls: [{ operation: 'DeleteBudget', input: { BudgetName: 'team-a' } }],
    });
  });

  it('refuses to delete an unmanaged budget', () => {
    const unmanaged: CurrentBudgetState = { ...managed, tags: [] };

    expect(planBudgetDeletion(unmanaged)).toEqual({
      action: 'refuse',
      reason: expect.stringContaining('left untouched'),
    });
  });

  it('plans nothing for an absent budget', () => {
    expect(planBudgetDeletion({ exists: false })).toEqual({ action: 'apply', calls: [] });
  });
});
