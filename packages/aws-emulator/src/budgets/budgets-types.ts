/**
 * AWS Budgets shapes as they travel in JSON (API version 2016-10-20): timestamps are epoch
 * seconds, amounts decimal strings. Requests are checked against the model (budgets-model.ts)
 * before they are read as these types.
 */

export interface Spend {
  Amount: string;
  Unit: string;
}

export interface CostTypes {
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

export interface TimePeriod {
  Start?: number;
  End?: number;
}

export interface CalculatedSpend {
  ActualSpend: Spend;
  ForecastedSpend?: Spend;
}

export type BudgetType =
  'USAGE' | 'COST' | 'RI_UTILIZATION' | 'RI_COVERAGE' | 'SAVINGS_PLANS_UTILIZATION' | 'SAVINGS_PLANS_COVERAGE';

export interface Budget {
  BudgetName: string;
  BudgetLimit?: Spend;
  PlannedBudgetLimits?: Record<string, Spend>;
  CostFilters?: Record<string, string[]>;
  CostTypes?: CostTypes;
  TimeUnit: 'DAILY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY' | 'CUSTOM';
  TimePeriod?: TimePeriod;
  CalculatedSpend?: CalculatedSpend;
  BudgetType: BudgetType;
  LastUpdatedTime?: number;
  AutoAdjustData?: Record<string, unknown>;
  FilterExpression?: Record<string, unknown>;
  Metrics?: string[];
  BillingViewArn?: string;
  HealthStatus?: Record<string, unknown>;
}

export type NotificationType = 'ACTUAL' | 'FORECASTED';
export type ComparisonOperator = 'GREATER_THAN' | 'LESS_THAN' | 'EQUAL_TO';
export type ThresholdType = 'PERCENTAGE' | 'ABSOLUTE_VALUE';
export type NotificationState = 'OK' | 'ALARM';

export interface Notification {
  NotificationType: NotificationType;
  ComparisonOperator: ComparisonOperator;
  Threshold: number;
  ThresholdType?: ThresholdType;
  NotificationState?: NotificationState;
}

export type SubscriptionType = 'SNS' | 'EMAIL';

export interface Subscriber {
  SubscriptionType: SubscriptionType;
  Address: string;
}

export interface NotificationWithSubscribers {
  Notification: Notification;
  Subscribers: Subscriber[];
}

export interface ResourceTag {
  Key: string;
  Value: string;
}

/** Paging parameters of the Describe calls. */
export interface PageRequest {
  MaxResults?: number;
  NextToken?: string;
}
