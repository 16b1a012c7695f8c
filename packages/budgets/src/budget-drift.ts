import {
  costFiltersEqual,
  describeCostFilters,
  notificationKey,
  notificationsByKey,
  subscriberKey,
  type BudgetNotification,
  type BudgetSubscriber,
  type CurrentBudgetState,
  type NotificationWithSubscribers,
} from './budget-shapes';
import { budgetAmountsEqual, displayBudgetAmount, type DesiredBudget } from './desired-budget';

/**
 * What differs between a budget as it is and as its parameter asks for it, one phrase per
 * difference, for the `repaired` note of a status report and the logs:
 * `amount was 999, restored to 1000`, `notification FORECASTED 100% was missing`. Compares as
 * planBudgetReconciliation does (amounts by value, cost filters and subscribers in any order,
 * notifications by their four identifying fields). Empty when the budget matches. Tags are not
 * compared: the parameter governs none but the managed tag, without which nothing is planned.
 */
export function describeBudgetDrift(desired: DesiredBudget, current: CurrentBudgetState): string[] {
  if (!current.exists) return ['the budget was missing, recreated'];
  const found: string[] = [];
  const want = desired.budget;
  const have = current.budget;
  if (have.BudgetType !== want.BudgetType)
    found.push(`budget type was ${have.BudgetType}, restored to ${want.BudgetType}`);
  if (have.BudgetLimit === undefined) {
    found.push(`amount was not a fixed limit, restored to ${want.BudgetLimit.Amount}`);
  } else {
    if (!budgetAmountsEqual(have.BudgetLimit.Amount, want.BudgetLimit.Amount)) {
      found.push(`amount was ${displayBudgetAmount(have.BudgetLimit.Amount)}, restored to ${want.BudgetLimit.Amount}`);
    }
    if (have.BudgetLimit.Unit !== want.BudgetLimit.Unit) {
      found.push(`currency was ${have.BudgetLimit.Unit}, restored to ${want.BudgetLimit.Unit}`);
    }
  }
  if (have.TimeUnit !== want.TimeUnit) found.push(`period was ${have.TimeUnit}, restored to ${want.TimeUnit}`);
  if (!costFiltersEqual(have.CostFilters, want.CostFilters)) {
    found.push(
      `cost filter was ${describeCostFilters(have.CostFilters)}, restored to ${describeCostFilters(want.CostFilters)}`,
    );
  }
  found.push(...notificationDrift(desired.notifications, current.notifications));
  return found;
}

/** `ACTUAL 80%`, `FORECASTED 100%`; another operator or an absolute threshold is spelled out. */
export function shortNotification(notification: BudgetNotification): string {
  const operator = { GREATER_THAN: '', LESS_THAN: '< ', EQUAL_TO: '= ' }[notification.ComparisonOperator];
  const unit = (notification.ThresholdType ?? 'PERCENTAGE') === 'PERCENTAGE' ? '%' : ' (absolute)';
  return `${notification.NotificationType} ${operator}${notification.Threshold}${unit}`;
}

function notificationDrift(
  desired: readonly NotificationWithSubscribers[],
  current: readonly NotificationWithSubscribers[],
): string[] {
  const currentByKey = notificationsByKey(current);
  const desiredKeys = new Set(desired.map((entry) => notificationKey(entry.Notification)));
  const found: string[] = [];
  for (const entry of desired) {
    if (!currentByKey.has(notificationKey(entry.Notification))) {
      found.push(`notification ${shortNotification(entry.Notification)} was missing`);
    }
  }
  for (const [key, entry] of currentByKey) {
    if (!desiredKeys.has(key)) {
      found.push(`notification ${shortNotification(entry.Notification)} was not in the parameter, removed`);
    }
  }
  // Subscribers of the notifications both have, grouped by subscriber: an address removed by
  // hand from every notification is one phrase.
  const missing = new Map<string, { subscriber: BudgetSubscriber; on: string[] }>();
  const extra = new Map<string, { subscriber: BudgetSubscriber; on: string[] }>();
  const note = (into: typeof missing, subscriber: BudgetSubscriber, on: BudgetNotification) => {
    const key = subscriberKey(subscriber);
    const seen = into.get(key) ?? { subscriber, on: [] };
    seen.on.push(shortNotification(on));
    into.set(key, seen);
  };
  for (const entry of desired) {
    const now = currentByKey.get(notificationKey(entry.Notification));
    if (!now) continue;
    const nowKeys = new Set(now.Subscribers.map(subscriberKey));
    const wantKeys = new Set(entry.Subscribers.map(subscriberKey));
    for (const s of entry.Subscribers) if (!nowKeys.has(subscriberKey(s))) note(missing, s, entry.Notification);
    for (const s of uniqueByKey(now.Subscribers))
      if (!wantKeys.has(subscriberKey(s))) note(extra, s, entry.Notification);
  }
  for (const { subscriber, on } of missing.values()) {
    found.push(`${describeSubscriber(subscriber)} was missing on ${on.join(', ')}`);
  }
  for (const { subscriber, on } of extra.values()) {
    found.push(`${describeSubscriber(subscriber)} on ${on.join(', ')} was not in the parameter, removed`);
  }
  return found;
}

function describeSubscriber(subscriber: BudgetSubscriber): string {
  return subscriber.SubscriptionType === 'SNS' ? `SNS topic ${subscriber.Address}` : `email ${subscriber.Address}`;
}

function uniqueByKey(subscribers: readonly BudgetSubscriber[]): BudgetSubscriber[] {
  const seen = new Set<string>();
  return subscribers.filter((s) => {
    const key = subscriberKey(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
