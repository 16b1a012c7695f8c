/**
 * Plain-data shapes of AWS Budgets (API version 2016-10-20), with the AWS field names so that
 * the adapter maps them to requests one to one. No SDK import: the planning code stays pure.
 */

/** Managed budgets carry this tag; budgets without it are never touched (docs/architecture.md). */
export const MANAGED_TAG_KEY = 'org-budgets:managed';
export const MANAGED_TAG_VALUE = 'true';

/** AWS Budgets limits (API reference: Notification, NotificationWithSubscribersList, Subscribers). */
export const AWS_MAX_NOTIFICATIONS_PER_BUDGET = 10;
export const AWS_MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION = 10;
export const AWS_MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION = 1;

export type NotificationType = 'ACTUAL' | 'FORECASTED';
export type ComparisonOperator = 'GREATER_THAN' | 'LESS_THAN' | 'EQUAL_TO';
export type ThresholdType = 'PERCENTAGE' | 'ABSOLUTE_VALUE';
export type SubscriptionType = 'EMAIL' | 'SNS';

/** An amount as AWS writes it: a decimal string (`([0-9]*\.)?[0-9]+`) and its unit, e.g. USD. */
export interface BudgetAmount {
  Amount: string;
  Unit: string;
}

/** Cost filter dimension (`TagKeyValue`, `Service`, …) to its values. */
export type BudgetCostFilters = Record<string, string[]>;

export interface BudgetTimePeriod {
  Start?: Date;
  End?: Date;
}

export interface BudgetCostTypes {
  IncludeTax?: boolean;
  IncludeSubscription?: boolean;
  UseBlended?: boolean;
  IncludeRefund?: boolean;
  IncludeCredit?: boolean;
  IncludeUpfront?: boolean;
  IncludeRecurring?: boolean;
  IncludeOtherSubscription?: boolean;
  IncludeSupport?: boolean;
  IncludeDiscount?: boolean;
  UseAmortized?: boolean;
}

/** A notification is identified by all four fields; AWS omits ThresholdType when it was never set. */
export interface BudgetNotification {
  NotificationType: NotificationType;
  ComparisonOperator: ComparisonOperator;
  Threshold: number;
  ThresholdType?: ThresholdType;
}

export interface BudgetSubscriber {
  SubscriptionType: SubscriptionType;
  Address: string;
}

export interface NotificationWithSubscribers {
  Notification: BudgetNotification;
  Subscribers: BudgetSubscriber[];
}

export interface BudgetTag {
  Key: string;
  Value: string;
}

/** The budget definition this project manages: a COST budget with a fixed limit. */
export interface BudgetDefinition {
  BudgetName: string;
  BudgetType: 'COST';
  BudgetLimit: BudgetAmount;
  TimeUnit: 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY';
  CostFilters: BudgetCostFilters;
}

/** The definition sent with UpdateBudget, which replaces the whole budget. */
export interface BudgetReplacement extends BudgetDefinition {
  /** Kept from the current budget while the time unit is unchanged; omitted otherwise. */
  TimePeriod?: BudgetTimePeriod;
  /** Kept from the current budget: the parameter does not say which costs count. */
  CostTypes?: BudgetCostTypes;
}

/** A budget as DescribeBudget, ListTagsForResource and the notification calls show it. */
export interface CurrentBudget {
  BudgetName: string;
  BudgetType: string;
  /** Absent only for budgets with planned limits, which this project never creates. */
  BudgetLimit?: BudgetAmount;
  TimeUnit: string;
  CostFilters: BudgetCostFilters;
  TimePeriod?: BudgetTimePeriod;
  CostTypes?: BudgetCostTypes;
}

export type CurrentBudgetState =
  | { exists: false }
  | { exists: true; budget: CurrentBudget; tags: BudgetTag[]; notifications: NotificationWithSubscribers[] };

/** Identity of a notification: (NotificationType, ComparisonOperator, Threshold, ThresholdType). */
export function notificationKey(notification: BudgetNotification): string {
  return [
    notification.NotificationType,
    notification.ComparisonOperator,
    String(notification.Threshold),
    // AWS treats a notification without a threshold type as a percentage one.
    notification.ThresholdType ?? 'PERCENTAGE',
  ].join('|');
}

/**
 * The current notifications by identity. AWS reports no notification twice; were it to (say,
 * once without ThresholdType), the first counts.
 */
export function notificationsByKey(
  current: readonly NotificationWithSubscribers[],
): Map<string, NotificationWithSubscribers> {
  const byKey = new Map<string, NotificationWithSubscribers>();
  for (const entry of current) {
    const key = notificationKey(entry.Notification);
    if (!byKey.has(key)) byKey.set(key, entry);
  }
  return byKey;
}

export function subscriberKey(subscriber: BudgetSubscriber): string {
  return `${subscriber.SubscriptionType}|${subscriber.Address}`;
}

export function describeNotification(notification: BudgetNotification): string {
  const operator = { GREATER_THAN: '>', LESS_THAN: '<', EQUAL_TO: '=' }[notification.ComparisonOperator];
  const unit = (notification.ThresholdType ?? 'PERCENTAGE') === 'PERCENTAGE' ? '%' : ' (absolute)';
  return `${notification.NotificationType} ${operator} ${notification.Threshold}${unit}`;
}

export function isManaged(tags: readonly BudgetTag[]): boolean {
  return tags.some((tag) => tag.Key === MANAGED_TAG_KEY && tag.Value === MANAGED_TAG_VALUE);
}

/** The tag that keeps, on the budget itself, the revision of the parameter it was last made to match. */
export const APPLIED_REVISION_TAG_KEY = 'org-budgets:revision';

/**
 * The parameter revision a budget says it was last made to match, when its tag holds a revision
 * (1 to 38 digits, what the contracts accept). Anyone in the account can write this tag: it is a
 * hint for people and reports, never a reason to skip applying.
 */
export function appliedRevisionOf(state: CurrentBudgetState): string | undefined {
  if (!state.exists) return undefined;
  const value = state.tags.find((tag) => tag.Key === APPLIED_REVISION_TAG_KEY)?.Value;
  return value !== undefined && /^\d{1,38}$/.test(value) ? value : undefined;
}

/** Cost filters compared by meaning: the order of values and empty dimensions do not matter. */
export function costFiltersEqual(a: BudgetCostFilters, b: BudgetCostFilters): boolean {
  return canonicalCostFilters(a) === canonicalCostFilters(b);
}

/** `Service=AWS Batch,Amazon EC2; TagKeyValue=user:project$genomics`, or `none`: for messages. */
export function describeCostFilters(filters: BudgetCostFilters): string {
  const entries = canonicalEntries(filters);
  return entries.length === 0 ? 'none' : entries.map(([d, values]) => `${d}=${values.join(',')}`).join('; ');
}

function canonicalEntries(filters: BudgetCostFilters): (readonly [string, string[]])[] {
  return Object.entries(filters)
    .filter(([, values]) => values.length > 0)
    .map(([dimension, values]) => [dimension, [...new Set(values)].sort()] as const)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

function canonicalCostFilters(filters: BudgetCostFilters): string {
  return JSON.stringify(canonicalEntries(filters));
}
