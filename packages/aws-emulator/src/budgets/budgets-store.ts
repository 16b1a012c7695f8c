import { awsAmountString, spendAmountString } from './amounts';
import { BudgetsError } from './budgets-errors';
import type {
  Budget,
  CostTypes,
  Notification,
  NotificationState,
  NotificationWithSubscribers,
  PageRequest,
  ResourceTag,
  Spend,
  Subscriber,
} from './budgets-types';
import { currentPeriodStartSeconds, DEFAULT_BUDGET_END_SECONDS } from './time-period';

/** AWS Budgets limits (API reference: Notification, NotificationWithSubscribers, Subscribers). */
export const MAX_NOTIFICATIONS_PER_BUDGET = 10;
export const MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION = 10;
export const MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION = 1;
/** Tags a budget may carry (the model's ResourceTagList maximum). */
export const MAX_TAGS_PER_BUDGET = 200;

/** What AWS fills in for a COST budget's cost types that the request leaves out (AWS's documented defaults). */
export const DEFAULT_COST_TYPES: Readonly<Required<CostTypes>> = {
  IncludeTax: true,
  IncludeSubscription: true,
  UseBlended: false,
  IncludeRefund: true,
  IncludeCredit: true,
  IncludeUpfront: true,
  IncludeRecurring: true,
  IncludeOtherSubscription: true,
  IncludeSupport: true,
  IncludeDiscount: true,
  UseAmortized: false,
};

/** The identifying fields of a notification; AWS leaves ThresholdType out when it was never set. */
export type NotificationKey = Omit<Notification, 'NotificationState'>;

/** One budget, as tests see it through `snapshot()`. */
export interface BudgetRecord {
  accountId: string;
  /** As DescribeBudget shows it (with FilterExpression, if any). */
  budget: Budget;
  notifications: NotificationWithSubscribers[];
  tags: ResourceTag[];
}

/** Spend to set on a budget, as AWS would have calculated it. */
export interface BudgetSpendUpdate {
  accountId: string;
  budgetName: string;
  /** Actual spend so far in the period, a number or a decimal string. */
  actual: number | string;
  /** Forecasted spend for the period; left as it was when undefined, removed when null. */
  forecasted?: number | string | null;
  /** When AWS calculated it (LastUpdatedTime); now by default. */
  calculatedAt?: Date;
}

interface StoredNotification {
  notification: NotificationKey;
  subscribers: Subscriber[];
}

interface StoredBudget {
  /** The definition as AWS keeps it: defaults filled in, amounts normalized, no spend. */
  definition: Budget;
  actualSpend: string;
  forecastedSpend: string | undefined;
  /** Epoch milliseconds of the last change of the definition or the spend. */
  lastUpdated: number;
  notifications: StoredNotification[];
  tags: ResourceTag[];
}

export interface BudgetsStoreOptions {
  /** Clock for default time periods and LastUpdatedTime. */
  now?: () => Date;
}

const RI_AND_SAVINGS_PLANS_TYPES = new Set([
  'RI_UTILIZATION',
  'RI_COVERAGE',
  'SAVINGS_PLANS_UTILIZATION',
  'SAVINGS_PLANS_COVERAGE',
]);
const EMAIL_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * In-memory AWS Budgets, one set of budgets per account. Methods take requests that have passed
 * the model checks (budgets-model.ts), apply AWS's rules and throw BudgetsError as AWS would.
 * Callers check that the caller may act in `accountId`.
 */
export class BudgetsStore {
  private readonly accounts = new Map<string, Map<string, StoredBudget>>();
  private readonly now: () => Date;

  constructor(options: BudgetsStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  createBudget(
    accountId: string,
    request: {
      Budget: Budget;
      NotificationsWithSubscribers?: NotificationWithSubscribers[];
      ResourceTags?: ResourceTag[];
    },
  ): void {
    const budgets = this.budgetsOf(accountId);
    const name = request.Budget.BudgetName;
    if (budgets.has(name)) {
      throw new BudgetsError('DuplicateRecordException', `Error creating budget: ${name} - the budget already exists.`);
    }
    const definition = this.normalizeDefinition(request.Budget);
    const notifications: StoredNotification[] = [];
    for (const entry of request.NotificationsWithSubscribers ?? []) {
      const notification = notificationKeyOf(entry.Notification);
      if (notifications.some((existing) => sameNotification(existing.notification, notification))) {
        throw new BudgetsError(
          'DuplicateRecordException',
          `Error creating notification: ${describeNotification(notification)} - the notification already exists.`,
        );
      }
      notifications.push({ notification, subscribers: checkedSubscriberList(entry.Subscribers) });
    }
    if (notifications.length > MAX_NOTIFICATIONS_PER_BUDGET) {
      throw new BudgetsError(
        'CreationLimitExceededException',
        `A budget can have at most ${MAX_NOTIFICATIONS_PER_BUDGET} notifications.`,
      );
    }
    const tags = mergeTags([], request.ResourceTags ?? []);
    budgets.set(name, {
      definition,
      actualSpend: '0',
      forecastedSpend: undefined,
      lastUpdated: this.now().getTime(),
      notifications,
      tags,
    });
  }

  describeBudget(accountId: string, budgetName: string, showFilterExpression = false): Budget {
    return this.render(this.budget(accountId, budgetName, 'get budget'), showFilterExpression);
  }

  describeBudgets(
    accountId: string,
    request: PageRequest & { ShowFilterExpression?: boolean },
  ): { Budgets: Budget[]; NextToken?: string } {
    const scope = `budgets/${accountId}`;
    const names = [...this.budgetsOf(accountId).keys()].sort();
    const after = request.NextToken === undefined ? undefined : readToken(request.NextToken, scope);
    const start = after === undefined ? 0 : names.findIndex((name) => name > after);
    const remaining = start === -1 ? [] : names.slice(start);
    const page = remaining.slice(0, request.MaxResults ?? 100);
    const budgets = page.map((name) =>
      this.render(this.budget(accountId, name, 'get budget'), request.ShowFilterExpression ?? false),
    );
    const last = page.at(-1);
    return remaining.length > page.length && last !== undefined
      ? { Budgets: budgets, NextToken: writeToken(scope, last) }
      : { Budgets: budgets };
  }

  /**
   * Replaces the definition; keeps notifications, subscribers and tags. As AWS documents it, "when
   * you modify a budget, the calculatedSpend drops to zero until AWS has new usage data": the
   * spend is zero until the next `setSpend`.
   */
  updateBudget(accountId: string, newBudget: Budget): void {
    const stored = this.budget(accountId, newBudget.BudgetName, 'update budget');
    stored.definition = this.normalizeDefinition(newBudget);
    stored.actualSpend = '0';
    stored.forecastedSpend = undefined;
    stored.lastUpdated = this.now().getTime();
  }

  deleteBudget(accountId: string, budgetName: string): void {
    this.budget(accountId, budgetName, 'delete budget');
    this.budgetsOf(accountId).delete(budgetName);
  }

  createNotification(
    accountId: string,
    budgetName: string,
    notification: Notification,
    subscribers: Subscriber[],
  ): void {
    const stored = this.budget(accountId, budgetName, 'create notification');
    const key = notificationKeyOf(notification);
    if (stored.notifications.some((existing) => sameNotification(existing.notification, key))) {
      throw new BudgetsError(
        'DuplicateRecordException',
        `Error creating notification: ${describeNotification(key)} - the notification already exists.`,
      );
    }
    if (stored.notifications.length >= MAX_NOTIFICATIONS_PER_BUDGET) {
      throw new BudgetsError(
        'CreationLimitExceededException',
        `Unable to create notification: budget ${budgetName} already has ${MAX_NOTIFICATIONS_PER_BUDGET} notifications, the most a budget can have.`,
      );
    }
    stored.notifications.push({ notification: key, subscribers: checkedSubscriberList(subscribers) });
  }

  /** Changes the notification's identifying fields; its subscribers stay. */
  updateNotification(
    accountId: string,
    budgetName: string,
    oldNotification: Notification,
    newNotification: Notification,
  ): void {
    const stored = this.budget(accountId, budgetName, 'update notification');
    const entry = this.notification(stored, budgetName, oldNotification, 'update notification');
    const key = notificationKeyOf(newNotification);
    const clash = stored.notifications.find((other) => other !== entry && sameNotification(other.notification, key));
    if (clash) {
      throw new BudgetsError(
        'DuplicateRecordException',
        `Error updating notification: ${describeNotification(key)} - the notification already exists.`,
      );
    }
    entry.notification = key;
  }

  /** Deletes the notification with its subscribers. */
  deleteNotification(accountId: string, budgetName: string, notification: Notification): void {
    const stored = this.budget(accountId, budgetName, 'delete notification');
    const entry = this.notification(stored, budgetName, notification, 'delete notification');
    stored.notifications = stored.notifications.filter((other) => other !== entry);
  }

  describeNotificationsForBudget(
    accountId: string,
    budgetName: string,
    request: PageRequest,
  ): { Notifications: Notification[]; NextToken?: string } {
    const stored = this.budget(accountId, budgetName, 'describe notifications');
    const { items, nextToken } = pageByOffset(
      stored.notifications,
      request,
      `notifications/${accountId}/${budgetName}`,
    );
    const notifications = items.map(({ notification }) => ({
      ...notification,
      NotificationState: notificationState(notification, stored),
    }));
    return nextToken === undefined
      ? { Notifications: notifications }
      : { Notifications: notifications, NextToken: nextToken };
  }

  createSubscriber(accountId: string, budgetName: string, notification: Notification, subscriber: Subscriber): void {
    const stored = this.budget(accountId, budgetName, 'create subscriber');
    const entry = this.notification(stored, budgetName, notification, 'create subscriber');
    checkAddress(subscriber);
    if (entry.subscribers.some((existing) => sameSubscriber(existing, subscriber))) {
      throw new BudgetsError(
        'DuplicateRecordException',
        `Error creating subscriber: ${subscriber.SubscriptionType} ${subscriber.Address} - the subscriber already exists.`,
      );
    }
    checkSubscriberLimits([...entry.subscribers, subscriber], 'CreationLimitExceededException');
    entry.subscribers.push({ SubscriptionType: subscriber.SubscriptionType, Address: subscriber.Address });
  }

  updateSubscriber(
    accountId: string,
    budgetName: string,
    notification: Notification,
    oldSubscriber: Subscriber,
    newSubscriber: Subscriber,
  ): void {
    const stored = this.budget(accountId, budgetName, 'update subscriber');
    const entry = this.notification(stored, budgetName, notification, 'update subscriber');
    const index = entry.subscribers.findIndex((existing) => sameSubscriber(existing, oldSubscriber));
    if (index === -1) throw subscriberNotFound('update', oldSubscriber);
    checkAddress(newSubscriber);
    if (sameSubscriber(oldSubscriber, newSubscriber)) return;
    if (entry.subscribers.some((existing) => sameSubscriber(existing, newSubscriber))) {
      throw new BudgetsError(
        'DuplicateRecordException',
        `Error updating subscriber: ${newSubscriber.SubscriptionType} ${newSubscriber.Address} - the subscriber already exists.`,
      );
    }
    const updated = [...entry.subscribers];
    updated[index] = { SubscriptionType: newSubscriber.SubscriptionType, Address: newSubscriber.Address };
    checkSubscriberLimits(updated, 'CreationLimitExceededException');
    entry.subscribers = updated;
  }

  /** Deletes the subscriber; deleting the last one deletes the notification, as AWS does. */
  deleteSubscriber(accountId: string, budgetName: string, notification: Notification, subscriber: Subscriber): void {
    const stored = this.budget(accountId, budgetName, 'delete subscriber');
    const entry = this.notification(stored, budgetName, notification, 'delete subscriber');
    const remaining = entry.subscribers.filter((existing) => !sameSubscriber(existing, subscriber));
    if (remaining.length === entry.subscribers.length) throw subscriberNotFound('delete', subscriber);
    entry.subscribers = remaining;
    if (remaining.length === 0) stored.notifications = stored.notifications.filter((other) => other !== entry);
  }

  describeSubscribersForNotification(
    accountId: string,
    budgetName: string,
    notification: Notification,
    request: PageRequest,
  ): { Subscribers: Subscriber[]; NextToken?: string } {
    const stored = this.budget(accountId, budgetName, 'describe subscribers');
    const entry = this.notification(stored, budgetName, notification, 'describe subscribers');
    const { items, nextToken } = pageByOffset(
      entry.subscribers,
      request,
      `subscribers/${accountId}/${budgetName}/${describeNotification(entry.notification)}`,
    );
    const subscribers = items.map((subscriber) => ({ ...subscriber }));
    return nextToken === undefined ? { Subscribers: subscribers } : { Subscribers: subscribers, NextToken: nextToken };
  }

  /** Adds tags, replacing the value of keys the budget already has. */
  tagBudget(accountId: string, budgetName: string, tags: ResourceTag[]): void {
    const stored = this.budget(accountId, budgetName, 'tag resource');
    stored.tags = mergeTags(stored.tags, tags);
  }

  /** Removes the tags with these keys; keys the budget does not have are ignored. */
  untagBudget(accountId: string, budgetName: string, keys: string[]): void {
    const stored = this.budget(accountId, budgetName, 'untag resource');
    stored.tags = stored.tags.filter((tag) => !keys.includes(tag.Key));
  }

  listBudgetTags(accountId: string, budgetName: string): ResourceTag[] {
    return this.budget(accountId, budgetName, 'list tags for resource').tags.map((tag) => ({ ...tag }));
  }

  /** Sets the calculated spend, as AWS does a few times a day, and LastUpdatedTime. */
  setSpend(update: BudgetSpendUpdate): void {
    const stored = this.budget(update.accountId, update.budgetName, 'set spend');
    stored.actualSpend = spendAmountString(update.actual, 'actual');
    if (update.forecasted === null) stored.forecastedSpend = undefined;
    else if (update.forecasted !== undefined)
      stored.forecastedSpend = spendAmountString(update.forecasted, 'forecasted');
    stored.lastUpdated = (update.calculatedAt ?? this.now()).getTime();
  }

  /** Every budget of every account, ordered by account and name: copies, for assertions. */
  snapshot(): BudgetRecord[] {
    const records: BudgetRecord[] = [];
    for (const accountId of [...this.accounts.keys()].sort()) {
      const budgets = this.budgetsOf(accountId);
      for (const name of [...budgets.keys()].sort()) {
        const stored = budgets.get(name) as StoredBudget;
        records.push({
          accountId,
          budget: this.render(stored, true),
          notifications: stored.notifications.map(({ notification, subscribers }) => ({
            Notification: { ...notification, NotificationState: notificationState(notification, stored) },
            Subscribers: subscribers.map((subscriber) => ({ ...subscriber })),
          })),
          tags: stored.tags.map((tag) => ({ ...tag })),
        });
      }
    }
    return records;
  }

  /** Forgets every budget of every account. */
  reset(): void {
    this.accounts.clear();
  }

  private budgetsOf(accountId: string): Map<string, StoredBudget> {
    let budgets = this.accounts.get(accountId);
    if (!budgets) {
      budgets = new Map();
      this.accounts.set(accountId, budgets);
    }
    return budgets;
  }

  private budget(accountId: string, budgetName: string, action: string): StoredBudget {
    const stored = this.accounts.get(accountId)?.get(budgetName);
    if (!stored) {
      throw new BudgetsError('NotFoundException', `Unable to ${action}: ${budgetName} - the budget doesn't exist.`);
    }
    return stored;
  }

  private notification(
    stored: StoredBudget,
    budgetName: string,
    notification: Notification,
    action: string,
  ): StoredNotification {
    const key = notificationKeyOf(notification);
    const entry = stored.notifications.find((existing) => sameNotification(existing.notification, key));
    if (!entry) {
      throw new BudgetsError(
        'NotFoundException',
        `Unable to ${action}: notification ${describeNotification(key)} of budget ${budgetName} doesn't exist.`,
      );
    }
    return entry;
  }

  /** The definition AWS keeps for a CreateBudget or UpdateBudget request. */
  private normalizeDefinition(budget: Budget): Budget {
    const problem = (message: string): BudgetsError => new BudgetsError('InvalidParameterException', message);
    const usesExpression = budget.FilterExpression !== undefined || budget.Metrics !== undefined;
    const usesLegacyFilters =
      (budget.CostFilters !== undefined && Object.keys(budget.CostFilters).length > 0) ||
      budget.CostTypes !== undefined;
    if (usesExpression && usesLegacyFilters) {
      throw problem(
        'Only one set of filter and metric selections can be present: either FilterExpression and Metrics, or CostFilters and CostTypes.',
      );
    }
    if (budget.BudgetLimit !== undefined && budget.PlannedBudgetLimits !== undefined) {
      throw problem('Only one of BudgetLimit or PlannedBudgetLimits can be present.');
    }
    const definition: Budget = {
      BudgetName: budget.BudgetName,
      BudgetType: budget.BudgetType,
      TimeUnit: budget.TimeUnit,
    };

    if (budget.BudgetLimit !== undefined) {
      definition.BudgetLimit = normalizeSpend(budget.BudgetLimit);
    } else if (budget.PlannedBudgetLimits !== undefined) {
      if (budget.TimeUnit !== 'MONTHLY' && budget.TimeUnit !== 'QUARTERLY') {
        throw problem('PlannedBudgetLimits are available only for MONTHLY and QUARTERLY budgets.');
      }
      const planned = Object.entries(budget.PlannedBudgetLimits);
      if (planned.length === 0 || planned.some(([start]) => !/^\d+$/.test(start))) {
        throw problem('PlannedBudgetLimits must be keyed by the start of each period, in epoch seconds.');
      }
      definition.PlannedBudgetLimits = Object.fromEntries(
        planned.map(([start, spend]) => [start, normalizeSpend(spend)]),
      );
      definition.BudgetLimit = currentPlannedLimit(definition.PlannedBudgetLimits, this.now());
    } else if (RI_AND_SAVINGS_PLANS_TYPES.has(budget.BudgetType)) {
      definition.BudgetLimit = { Amount: awsAmountString(100), Unit: 'PERCENTAGE' };
    } else if (budget.AutoAdjustData === undefined) {
      throw problem(
        'Unable to create/update budget - please provide one of the followings: Budget Limit/ Planned Budget Limit/ Auto Adjust Data',
      );
    }

    if (usesExpression) {
      if (budget.FilterExpression !== undefined) definition.FilterExpression = structuredClone(budget.FilterExpression);
      if (budget.Metrics !== undefined) definition.Metrics = [...budget.Metrics];
    } else {
      definition.CostFilters = Object.fromEntries(
        Object.entries(budget.CostFilters ?? {}).map(([dimension, values]) => [dimension, [...values]]),
      );
      if (budget.BudgetType === 'COST') definition.CostTypes = { ...DEFAULT_COST_TYPES, ...budget.CostTypes };
      else if (budget.CostTypes !== undefined) definition.CostTypes = { ...budget.CostTypes };
    }

    const now = this.now();
    if (
      budget.TimeUnit === 'CUSTOM' &&
      (budget.TimePeriod?.Start === undefined || budget.TimePeriod.End === undefined)
    ) {
      throw problem('A CUSTOM budget needs a TimePeriod with a Start and an End.');
    }
    const start = budget.TimePeriod?.Start ?? currentPeriodStartSeconds(budget.TimeUnit, now);
    const end = budget.TimePeriod?.End ?? DEFAULT_BUDGET_END_SECONDS;
    if (start >= end) throw problem('The start date of the time period must come before its end date.');
    if (end > DEFAULT_BUDGET_END_SECONDS) throw problem('The end date must come before 06/15/87 00:00 UTC.');
    definition.TimePeriod = { Start: start, End: end };

    if (budget.AutoAdjustData !== undefined) definition.AutoAdjustData = structuredClone(budget.AutoAdjustData);
    if (budget.BillingViewArn !== undefined) definition.BillingViewArn = budget.BillingViewArn;
    return definition;
  }

  private render(stored: StoredBudget, showFilterExpression: boolean): Budget {
    const { FilterExpression, ...definition } = structuredClone(stored.definition);
    const unit = stored.definition.BudgetLimit?.Unit ?? 'USD';
    const budget: Budget = {
      ...definition,
      CalculatedSpend: {
        ActualSpend: { Amount: stored.actualSpend, Unit: unit },
        ...(stored.forecastedSpend === undefined
          ? {}
          : { ForecastedSpend: { Amount: stored.forecastedSpend, Unit: unit } }),
      },
      LastUpdatedTime: stored.lastUpdated / 1000,
    };
    if (showFilterExpression && FilterExpression !== undefined) budget.FilterExpression = FilterExpression;
    return budget;
  }
}

function normalizeSpend(spend: Spend): Spend {
  return { Amount: awsAmountString(spend.Amount), Unit: spend.Unit };
}

/** The planned limit of the period that has started last (the first one before any has started). */
function currentPlannedLimit(planned: Record<string, Spend>, now: Date): Spend | undefined {
  const nowSeconds = now.getTime() / 1000;
  const starts = Object.keys(planned).sort((a, b) => Number(a) - Number(b));
  const current = starts.filter((start) => Number(start) <= nowSeconds).at(-1) ?? starts[0];
  const spend = current === undefined ? undefined : planned[current];
  return spend === undefined ? undefined : { ...spend };
}

export function notificationKeyOf(notification: Notification): NotificationKey {
  const key: NotificationKey = {
    NotificationType: notification.NotificationType,
    ComparisonOperator: notification.ComparisonOperator,
    Threshold: notification.Threshold,
  };
  if (notification.ThresholdType !== undefined) key.ThresholdType = notification.ThresholdType;
  return key;
}

/** AWS matches notifications on all four fields; a missing ThresholdType means PERCENTAGE. */
export function sameNotification(a: NotificationKey, b: NotificationKey): boolean {
  return (
    a.NotificationType === b.NotificationType &&
    a.ComparisonOperator === b.ComparisonOperator &&
    a.Threshold === b.Threshold &&
    (a.ThresholdType ?? 'PERCENTAGE') === (b.ThresholdType ?? 'PERCENTAGE')
  );
}

function sameSubscriber(a: Subscriber, b: Subscriber): boolean {
  return a.SubscriptionType === b.SubscriptionType && a.Address === b.Address;
}

function describeNotification(notification: NotificationKey): string {
  const unit = (notification.ThresholdType ?? 'PERCENTAGE') === 'PERCENTAGE' ? '%' : ' (absolute)';
  return `${notification.NotificationType} ${notification.ComparisonOperator} ${notification.Threshold}${unit}`;
}

/** ALARM while the spend the notification watches is past its threshold. */
function notificationState(notification: NotificationKey, stored: StoredBudget): NotificationState {
  const spendText = notification.NotificationType === 'ACTUAL' ? stored.actualSpend : stored.forecastedSpend;
  const limit = Number(stored.definition.BudgetLimit?.Amount);
  if (spendText === undefined) return 'OK';
  const spend = Number(spendText);
  const threshold =
    notification.ThresholdType === 'ABSOLUTE_VALUE' ? notification.Threshold : (limit * notification.Threshold) / 100;
  if (!Number.isFinite(threshold)) return 'OK';
  const inAlarm =
    notification.ComparisonOperator === 'GREATER_THAN'
      ? spend > threshold
      : notification.ComparisonOperator === 'LESS_THAN'
        ? spend < threshold
        : spend === threshold;
  return inAlarm ? 'ALARM' : 'OK';
}

function checkAddress(subscriber: Subscriber): void {
  const { SubscriptionType: type, Address: address } = subscriber;
  if (/[\r\n]/.test(address)) {
    throw new BudgetsError('InvalidParameterException', 'The subscriber address must not contain line breaks.');
  }
  if (type === 'EMAIL' && !EMAIL_ADDRESS.test(address)) {
    throw new BudgetsError('InvalidParameterException', `Invalid email address: ${address}`);
  }
  if (type === 'SNS' && !SNS_TOPIC_ARN.test(address)) {
    throw new BudgetsError('InvalidParameterException', `Invalid SNS topic ARN: ${address}`);
  }
}

function checkSubscriberLimits(
  subscribers: readonly Subscriber[],
  code: 'InvalidParameterException' | 'CreationLimitExceededException',
): void {
  const emails = subscribers.filter((s) => s.SubscriptionType === 'EMAIL').length;
  const topics = subscribers.filter((s) => s.SubscriptionType === 'SNS').length;
  if (emails > MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION) {
    throw new BudgetsError(
      code,
      `A notification can have at most ${MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION} email subscribers.`,
    );
  }
  if (topics > MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION) {
    throw new BudgetsError(
      code,
      `A notification can have at most ${MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION} SNS subscriber.`,
    );
  }
}

/** The subscribers of a new notification: at least one, valid addresses, no repeats, within the limits. */
function checkedSubscriberList(subscribers: readonly Subscriber[]): Subscriber[] {
  if (subscribers.length === 0) {
    throw new BudgetsError('InvalidParameterException', 'A notification must have at least one subscriber.');
  }
  const list: Subscriber[] = [];
  for (const subscriber of subscribers) {
    checkAddress(subscriber);
    if (list.some((existing) => sameSubscriber(existing, subscriber))) {
      throw new BudgetsError(
        'InvalidParameterException',
        `The subscriber ${subscriber.SubscriptionType} ${subscriber.Address} is listed twice.`,
      );
    }
    list.push({ SubscriptionType: subscriber.SubscriptionType, Address: subscriber.Address });
  }
  checkSubscriberLimits(list, 'InvalidParameterException');
  return list;
}

function subscriberNotFound(action: string, subscriber: Subscriber): BudgetsError {
  return new BudgetsError(
    'NotFoundException',
    `Unable to ${action} subscriber: ${subscriber.SubscriptionType} ${subscriber.Address} - the subscriber doesn't exist.`,
  );
}

function mergeTags(current: readonly ResourceTag[], added: readonly ResourceTag[]): ResourceTag[] {
  const seen = new Set<string>();
  for (const tag of added) {
    if (seen.has(tag.Key)) throw new BudgetsError('InvalidParameterException', `Duplicate tag key: ${tag.Key}`);
    seen.add(tag.Key);
    if (tag.Key.toLowerCase().startsWith('aws:')) {
      throw new BudgetsError('InvalidParameterException', `Tag keys starting with "aws:" are reserved: ${tag.Key}`);
    }
  }
  const merged = current.filter((tag) => !seen.has(tag.Key)).map((tag) => ({ ...tag }));
  merged.push(...added.map((tag) => ({ Key: tag.Key, Value: tag.Value })));
  if (merged.length > MAX_TAGS_PER_BUDGET) {
    throw new BudgetsError('ServiceQuotaExceededException', `A budget can have at most ${MAX_TAGS_PER_BUDGET} tags.`);
  }
  return merged;
}

function pageByOffset<T>(items: readonly T[], request: PageRequest, scope: string): { items: T[]; nextToken?: string } {
  const offsetText = request.NextToken === undefined ? '0' : readToken(request.NextToken, scope);
  const offset = /^\d+$/.test(offsetText) ? Number(offsetText) : NaN;
  if (!Number.isSafeInteger(offset)) throw invalidToken();
  const end = offset + (request.MaxResults ?? 100);
  const page = items.slice(offset, end);
  return end < items.length ? { items: page, nextToken: writeToken(scope, String(end)) } : { items: page };
}

/** Tokens are opaque to callers: base64 of the listing they belong to and where to go on. */
function writeToken(scope: string, position: string): string {
  return Buffer.from(JSON.stringify({ scope, position })).toString('base64');
}

function readToken(token: string, scope: string): string {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { scope?: unknown; position?: unknown };
    if (value.scope === scope && typeof value.position === 'string') return value.position;
  } catch {
    // Not one of ours.
  }
  throw invalidToken();
}

function invalidToken(): BudgetsError {
  return new BudgetsError('InvalidNextTokenException', 'The pagination token is invalid.');
}
