import type { BudgetParameter } from '@org-budgets/contracts';
import {
  AWS_MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION,
  AWS_MAX_NOTIFICATIONS_PER_BUDGET,
  AWS_MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION,
  describeNotification,
  MANAGED_TAG_KEY,
  MANAGED_TAG_VALUE,
  notificationKey,
  subscriberKey,
  type BudgetCostFilters,
  type BudgetDefinition,
  type BudgetSubscriber,
  type BudgetTag,
  type NotificationType,
  type NotificationWithSubscribers,
} from './budget-shapes';
import { DesiredBudgetInvalidError } from './errors';

/** The AWS Budget that one budget parameter asks for. */
export interface DesiredBudget {
  budget: BudgetDefinition;
  notifications: NotificationWithSubscribers[];
  tags: BudgetTag[];
}

export interface DesiredBudgetOptions {
  /** SNS topic that every notification publishes to, besides the item's emails. */
  alertTopicArn: string;
}

/** Cost filter dimension names of the Budgets API (`Budget.CostFilters`). */
export const TAG_FILTER_DIMENSION = 'TagKeyValue';
export const SERVICE_FILTER_DIMENSION = 'Service';

/** A cost-allocation tag as the TagKeyValue filter writes it: `user:<key>$<value>`. */
export function formatTagFilterValue(key: string, value: string): string {
  return `user:${key}$${value}`;
}

/**
 * Canonical decimal form of an amount: no exponent, no trailing zeros ("1500", "12500.5").
 * Amounts have at most 2 decimals (contracts), so rounding to cents loses nothing.
 */
export function formatBudgetAmount(amount: number): string {
  const normalized = normalizeDecimal(amount.toFixed(2));
  if (normalized === undefined || amount <= 0) throw new RangeError(`not a budget amount: ${amount}`);
  return normalized;
}

/**
 * Compares two AWS decimal strings by value: AWS may give back "1500.0" for "1500".
 * A string that is not a plain decimal never equals anything.
 */
export function budgetAmountsEqual(a: string, b: string): boolean {
  const x = normalizeDecimal(a);
  return x !== undefined && x === normalizeDecimal(b);
}

/** An amount as AWS wrote it, for messages: "999.0" and "9.99E+2" read "999"; anything else as it is. */
export function displayBudgetAmount(value: string): string {
  return normalizeDecimal(value) ?? value;
}

/**
 * The canonical form of a decimal, also when AWS writes it with an exponent (a limit of
 * 25,100,000 comes back as "2.51E+7"): digits only, no leading or trailing zeros.
 */
function normalizeDecimal(value: string): string | undefined {
  const match = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value.trim());
  if (!match || (match[1] === '' && !match[2])) return undefined;
  let digits = `${match[1] ?? ''}${match[2] ?? ''}`;
  let point = (match[1] ?? '').length + Number(match[3] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fraction = digits.slice(point).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

function costFiltersOf(costFilter: BudgetParameter['costFilter']): BudgetCostFilters {
  const filters: BudgetCostFilters = {};
  const tagValues = Object.entries(costFilter?.tags ?? {}).flatMap(([key, values]) =>
    values.map((value) => formatTagFilterValue(key, value)),
  );
  if (tagValues.length > 0) filters[TAG_FILTER_DIMENSION] = [...new Set(tagValues)].sort();
  const services = costFilter?.services ?? [];
  if (services.length > 0) filters[SERVICE_FILTER_DIMENSION] = [...new Set(services)].sort();
  return filters;
}

function notificationsOf(
  type: NotificationType,
  thresholds: readonly number[],
  subscribers: BudgetSubscriber[],
): NotificationWithSubscribers[] {
  return [...thresholds]
    .sort((a, b) => a - b)
    .map((threshold) => ({
      Notification: {
        NotificationType: type,
        ComparisonOperator: 'GREATER_THAN',
        Threshold: threshold,
        ThresholdType: 'PERCENTAGE',
      },
      Subscribers: subscribers.map((subscriber) => ({ ...subscriber })),
    }));
}

/** Maps a budget parameter to the AWS Budget it asks for. */
export function desiredBudget(parameter: BudgetParameter, options: DesiredBudgetOptions): DesiredBudget {
  if (!options.alertTopicArn) {
    throw new DesiredBudgetInvalidError(parameter.budgetName, ['the alert topic ARN is empty']);
  }
  const subscribers: BudgetSubscriber[] = [
    ...[...new Set(parameter.emails)]
      .sort()
      .map((address): BudgetSubscriber => ({ SubscriptionType: 'EMAIL', Address: address })),
    { SubscriptionType: 'SNS', Address: options.alertTopicArn },
  ];
  const desired: DesiredBudget = {
    budget: {
      BudgetName: parameter.budgetName,
      BudgetType: 'COST',
      BudgetLimit: { Amount: formatBudgetAmount(parameter.amount), Unit: parameter.currency },
      TimeUnit: parameter.period,
      CostFilters: costFiltersOf(parameter.costFilter),
    },
    notifications: [
      ...notificationsOf('ACTUAL', parameter.alertAt, subscribers),
      ...notificationsOf('FORECASTED', parameter.forecastAlertAt, subscribers),
    ],
    tags: [{ Key: MANAGED_TAG_KEY, Value: MANAGED_TAG_VALUE }],
  };
  assertWithinAwsLimits(desired);
  return desired;
}

/**
 * Fails with DesiredBudgetInvalidError when the desired budget breaks a rule of AWS Budgets:
 * at most 10 notifications, each with 1 to 11 subscribers (at most 10 EMAIL and 1 SNS),
 * no notification or subscriber twice. The contracts already prevent all of these.
 */
export function assertWithinAwsLimits(desired: DesiredBudget): void {
  const problems: string[] = [];
  if (desired.notifications.length > AWS_MAX_NOTIFICATIONS_PER_BUDGET) {
    problems.push(
      `it has ${desired.notifications.length} notifications (AWS Budgets allows ${AWS_MAX_NOTIFICATIONS_PER_BUDGET} per budget)`,
    );
  }
  const seen = new Set<string>();
  for (const { Notification: notification, Subscribers: subscribers } of desired.notifications) {
    const name = `notification ${describeNotification(notification)}`;
    const key = notificationKey(notification);
    if (seen.has(key)) problems.push(`${name} appears twice`);
    seen.add(key);
    const emails = subscribers.filter((s) => s.SubscriptionType === 'EMAIL').length;
    const topics = subscribers.filter((s) => s.SubscriptionType === 'SNS').length;
    if (subscribers.length === 0) problems.push(`${name} has no subscriber (AWS Budgets requires at least one)`);
    if (emails > AWS_MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION) {
      problems.push(
        `${name} has ${emails} email subscribers (AWS Budgets allows ${AWS_MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION})`,
      );
    }
    if (topics > AWS_MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION) {
      problems.push(
        `${name} has ${topics} SNS subscribers (AWS Budgets allows ${AWS_MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION})`,
      );
    }
    if (new Set(subscribers.map(subscriberKey)).size !== subscribers.length) {
      problems.push(`${name} lists a subscriber twice`);
    }
  }
  if (problems.length > 0) throw new DesiredBudgetInvalidError(desired.budget.BudgetName, problems);
}
