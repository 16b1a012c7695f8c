import {
  costFiltersEqual,
  describeNotification,
  isManaged,
  MANAGED_TAG_KEY,
  MANAGED_TAG_VALUE,
  notificationKey,
  notificationsByKey,
  subscriberKey,
  type BudgetDefinition,
  type BudgetNotification,
  type BudgetReplacement,
  type BudgetSubscriber,
  type BudgetTag,
  type CurrentBudget,
  type CurrentBudgetState,
  type NotificationType,
  type NotificationWithSubscribers,
} from './budget-shapes';
import { assertWithinAwsLimits, budgetAmountsEqual, type DesiredBudget } from './desired-budget';

/**
 * One call to AWS Budgets, with its request minus `AccountId` (the adapter adds it).
 * `operation` is the API operation name.
 */
export type BudgetCall =
  | {
      operation: 'CreateBudget';
      input: {
        Budget: BudgetDefinition;
        NotificationsWithSubscribers: NotificationWithSubscribers[];
        ResourceTags: BudgetTag[];
      };
    }
  | { operation: 'UpdateBudget'; input: { NewBudget: BudgetReplacement } }
  | { operation: 'DeleteBudget'; input: { BudgetName: string } }
  | {
      operation: 'CreateNotification';
      input: { BudgetName: string; Notification: BudgetNotification; Subscribers: BudgetSubscriber[] };
    }
  | {
      operation: 'UpdateNotification';
      input: { BudgetName: string; OldNotification: BudgetNotification; NewNotification: BudgetNotification };
    }
  | { operation: 'DeleteNotification'; input: { BudgetName: string; Notification: BudgetNotification } }
  | {
      operation: 'CreateSubscriber';
      input: { BudgetName: string; Notification: BudgetNotification; Subscriber: BudgetSubscriber };
    }
  | {
      operation: 'UpdateSubscriber';
      input: {
        BudgetName: string;
        Notification: BudgetNotification;
        OldSubscriber: BudgetSubscriber;
        NewSubscriber: BudgetSubscriber;
      };
    }
  | {
      operation: 'DeleteSubscriber';
      input: { BudgetName: string; Notification: BudgetNotification; Subscriber: BudgetSubscriber };
    };

export type BudgetOperation = BudgetCall['operation'];

/** What to do to one budget: refuse (not ours), or the calls to make in order (none when it already matches). */
export type BudgetPlan = { action: 'refuse'; reason: string } | { action: 'apply'; calls: BudgetCall[] };

function refuseUnmanaged(budgetName: string): BudgetPlan {
  return {
    action: 'refuse',
    reason: `budget ${budgetName} exists without the tag ${MANAGED_TAG_KEY}=${MANAGED_TAG_VALUE}: it is not managed by org-budgets and is left untouched`,
  };
}

/**
 * Plans the calls that make the current budget match the desired one exactly, in a safe order:
 *
 * 1. UpdateBudget, only when the limit, unit, time unit, cost filters or budget type differ;
 * 2. DeleteNotification for current notifications that no desired one replaces (frees slots
 *    first: AWS allows 10 notifications per budget);
 * 3. UpdateNotification where a threshold changed: an unmatched current notification paired with
 *    an unmatched desired one of the same NotificationType, in threshold order (keeps subscribers);
 * 4. CreateNotification (with its subscribers) for the desired ones left;
 * 5. per remaining notification, subscribers: the SNS topic first (UpdateSubscriber when another
 *    topic is there, since a notification takes one SNS subscriber, else CreateSubscriber), then
 *    DeleteSubscriber, then CreateSubscriber for emails. The notification so never loses its
 *    last subscriber (which would delete it) and never holds more than 10 emails.
 */
export function planBudgetReconciliation(desired: DesiredBudget, current: CurrentBudgetState): BudgetPlan {
  assertWithinAwsLimits(desired);
  const budgetName = desired.budget.BudgetName;
  if (!current.exists) {
    return {
      action: 'apply',
      calls: [
        {
          operation: 'CreateBudget',
          input: {
            Budget: copyDefinition(desired.budget),
            NotificationsWithSubscribers: desired.notifications.map(copyNotificationWithSubscribers),
            ResourceTags: desired.tags.map((tag) => ({ ...tag })),
          },
        },
      ],
    };
  }
  if (!isManaged(current.tags)) return refuseUnmanaged(budgetName);

  const calls: BudgetCall[] = [];
  if (budgetDefinitionDiffers(desired.budget, current.budget)) {
    calls.push({ operation: 'UpdateBudget', input: { NewBudget: replacementFor(desired.budget, current.budget) } });
  }
  calls.push(...planNotifications(budgetName, desired.notifications, current.notifications));
  return { action: 'apply', calls };
}

/** Deletes a managed budget (with its notifications and subscribers); refuses an unmanaged one; nothing when absent. */
export function planBudgetDeletion(current: CurrentBudgetState): BudgetPlan {
  if (!current.exists) return { action: 'apply', calls: [] };
  if (!isManaged(current.tags)) return refuseUnmanaged(current.budget.BudgetName);
  return { action: 'apply', calls: [{ operation: 'DeleteBudget', input: { BudgetName: current.budget.BudgetName } }] };
}

/** A short human-readable line for a call, for logs and status messages. */
export function describeBudgetCall(call: BudgetCall): string {
  switch (call.operation) {
    case 'CreateBudget':
      return `CreateBudget ${call.input.Budget.BudgetName} (${call.input.Budget.BudgetLimit.Amount} ${call.input.Budget.BudgetLimit.Unit} ${call.input.Budget.TimeUnit}, ${call.input.NotificationsWithSubscribers.length} notifications)`;
    case 'UpdateBudget':
      return `UpdateBudget ${call.input.NewBudget.BudgetName} (${call.input.NewBudget.BudgetLimit.Amount} ${call.input.NewBudget.BudgetLimit.Unit} ${call.input.NewBudget.TimeUnit})`;
    case 'DeleteBudget':
      return `DeleteBudget ${call.input.BudgetName}`;
    case 'CreateNotification':
      return `CreateNotification ${describeNotification(call.input.Notification)} with ${call.input.Subscribers.length} subscribers`;
    case 'UpdateNotification':
      return `UpdateNotification ${describeNotification(call.input.OldNotification)} -> ${describeNotification(call.input.NewNotification)}`;
    case 'DeleteNotification':
      return `DeleteNotification ${describeNotification(call.input.Notification)}`;
    case 'CreateSubscriber':
      return `CreateSubscriber ${call.input.Subscriber.SubscriptionType} ${call.input.Subscriber.Address} on ${describeNotification(call.input.Notification)}`;
    case 'UpdateSubscriber':
      return `UpdateSubscriber ${call.input.OldSubscriber.SubscriptionType} ${call.input.OldSubscriber.Address} -> ${call.input.NewSubscriber.Address} on ${describeNotification(call.input.Notification)}`;
    case 'DeleteSubscriber':
      return `DeleteSubscriber ${call.input.Subscriber.SubscriptionType} ${call.input.Subscriber.Address} on ${describeNotification(call.input.Notification)}`;
  }
}

function budgetDefinitionDiffers(desired: BudgetDefinition, current: CurrentBudget): boolean {
  return (
    current.BudgetType !== desired.BudgetType ||
    current.BudgetLimit === undefined ||
    !budgetAmountsEqual(current.BudgetLimit.Amount, desired.BudgetLimit.Amount) ||
    current.BudgetLimit.Unit !== desired.BudgetLimit.Unit ||
    current.TimeUnit !== desired.TimeUnit ||
    !costFiltersEqual(current.CostFilters, desired.CostFilters)
  );
}

/**
 * UpdateBudget replaces the whole budget: send the full definition. The time period is kept
 * while the time unit stays (a period that started on the first of a month may not suit a
 * quarter or a year, so with a new time unit AWS picks the default start of that period);
 * cost types are kept, since the parameter does not govern them.
 */
function replacementFor(desired: BudgetDefinition, current: CurrentBudget): BudgetReplacement {
  const replacement: BudgetReplacement = copyDefinition(desired);
  if (current.TimePeriod && current.TimeUnit === desired.TimeUnit) replacement.TimePeriod = { ...current.TimePeriod };
  if (current.CostTypes) replacement.CostTypes = { ...current.CostTypes };
  return replacement;
}

function planNotifications(
  budgetName: string,
  desired: readonly NotificationWithSubscribers[],
  current: readonly NotificationWithSubscribers[],
): BudgetCall[] {
  const currentByKey = notificationsByKey(current);
  const desiredKeys = new Set(desired.map((entry) => notificationKey(entry.Notification)));
  const unmatchedCurrent = [...currentByKey].filter(([key]) => !desiredKeys.has(key)).map(([, entry]) => entry);
  const unmatchedDesired = desired.filter((entry) => !currentByKey.has(notificationKey(entry.Notification)));

  const deletes: BudgetCall[] = [];
  const updates: BudgetCall[] = [];
  const creates: BudgetCall[] = [];
  /**
   * Each desired notification that exists, or will once updated, as AWS will know it (a matched
   * one as AWS reported it), with its current subscribers.
   */
  const existing = new Map<string, NotificationWithSubscribers>();
  for (const entry of desired) {
    const match = currentByKey.get(notificationKey(entry.Notification));
    if (match) existing.set(notificationKey(entry.Notification), match);
  }

  for (const type of ['ACTUAL', 'FORECASTED'] as const satisfies NotificationType[]) {
    const olds = byThreshold(unmatchedCurrent.filter((e) => e.Notification.NotificationType === type));
    const news = byThreshold(unmatchedDesired.filter((e) => e.Notification.NotificationType === type));
    const pairs = Math.min(olds.length, news.length);
    for (let i = 0; i < pairs; i += 1) {
      const old = olds[i]!;
      const next = news[i]!;
      updates.push({
        operation: 'UpdateNotification',
        input: {
          BudgetName: budgetName,
          OldNotification: copyNotification(old.Notification),
          NewNotification: copyNotification(next.Notification),
        },
      });
      existing.set(notificationKey(next.Notification), {
        Notification: next.Notification,
        Subscribers: old.Subscribers,
      });
    }
    for (const old of olds.slice(pairs)) {
      deletes.push({
        operation: 'DeleteNotification',
        input: { BudgetName: budgetName, Notification: copyNotification(old.Notification) },
      });
    }
    for (const next of news.slice(pairs)) {
      creates.push({
        operation: 'CreateNotification',
        input: {
          BudgetName: budgetName,
          Notification: copyNotification(next.Notification),
          Subscribers: next.Subscribers.map((s) => ({ ...s })),
        },
      });
    }
  }

  const subscriberCalls = desired.flatMap((entry) => {
    const now = existing.get(notificationKey(entry.Notification));
    return now ? planSubscribers(budgetName, now.Notification, now.Subscribers, entry.Subscribers) : [];
  });
  return [...deletes, ...updates, ...creates, ...subscriberCalls];
}

function planSubscribers(
  budgetName: string,
  notification: BudgetNotification,
  current: readonly BudgetSubscriber[],
  desired: readonly BudgetSubscriber[],
): BudgetCall[] {
  const currentKeys = new Set(current.map(subscriberKey));
  const desiredKeys = new Set(desired.map(subscriberKey));
  const missing = desired.filter((s) => !currentKeys.has(subscriberKey(s)));
  const extra = uniqueSubscribers(current).filter((s) => !desiredKeys.has(subscriberKey(s)));
  const on = () => ({ BudgetName: budgetName, Notification: copyNotification(notification) });

  const calls: BudgetCall[] = [];
  const missingTopics = missing.filter((s) => s.SubscriptionType === 'SNS');
  const extraTopics = extra.filter((s) => s.SubscriptionType === 'SNS');
  // One SNS subscriber per notification: swap a wrong topic in place, else add the topic.
  while (missingTopics.length > 0 && extraTopics.length > 0) {
    const oldTopic = extraTopics.shift()!;
    const newTopic = missingTopics.shift()!;
    calls.push({
      operation: 'UpdateSubscriber',
      input: { ...on(), OldSubscriber: { ...oldTopic }, NewSubscriber: { ...newTopic } },
    });
  }
  for (const topic of missingTopics)
    calls.push({ operation: 'CreateSubscriber', input: { ...on(), Subscriber: { ...topic } } });

  const deletes: BudgetCall[] = [...extraTopics, ...extra.filter((s) => s.SubscriptionType !== 'SNS')].map((s) => ({
    operation: 'DeleteSubscriber',
    input: { ...on(), Subscriber: { ...s } },
  }));
  const creates: BudgetCall[] = missing
    .filter((s) => s.SubscriptionType !== 'SNS')
    .map((s) => ({ operation: 'CreateSubscriber', input: { ...on(), Subscriber: { ...s } } }));
  const keptAfterDeletes = current.filter((s) => desiredKeys.has(subscriberKey(s))).length + calls.length;
  // Deleting the last subscriber deletes the notification: add before removing when nothing else stays.
  calls.push(...(keptAfterDeletes > 0 ? [...deletes, ...creates] : [...creates, ...deletes]));
  return calls;
}

function uniqueSubscribers(subscribers: readonly BudgetSubscriber[]): BudgetSubscriber[] {
  const seen = new Set<string>();
  return subscribers.filter((s) => {
    const key = subscriberKey(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function byThreshold(entries: NotificationWithSubscribers[]): NotificationWithSubscribers[] {
  return [...entries].sort((a, b) => a.Notification.Threshold - b.Notification.Threshold);
}

function copyDefinition(definition: BudgetDefinition): BudgetDefinition {
  return {
    BudgetName: definition.BudgetName,
    BudgetType: definition.BudgetType,
    BudgetLimit: { ...definition.BudgetLimit },
    TimeUnit: definition.TimeUnit,
    CostFilters: Object.fromEntries(Object.entries(definition.CostFilters).map(([k, v]) => [k, [...v]])),
  };
}

/** Only the four identifying fields: AWS matches notifications on them. */
function copyNotification(notification: BudgetNotification): BudgetNotification {
  const copy: BudgetNotification = {
    NotificationType: notification.NotificationType,
    ComparisonOperator: notification.ComparisonOperator,
    Threshold: notification.Threshold,
  };
  if (notification.ThresholdType !== undefined) copy.ThresholdType = notification.ThresholdType;
  return copy;
}

function copyNotificationWithSubscribers(entry: NotificationWithSubscribers): NotificationWithSubscribers {
  return { Notification: copyNotification(entry.Notification), Subscribers: entry.Subscribers.map((s) => ({ ...s })) };
}
