/**
 * The request shapes of the AWS Budgets operations the front door serves, mirrored from the
 * service model (botocore `budgets/2016-10-20/service-2.json`, checked by budgets-model.test.ts),
 * and a validator that reports violations the way AWS's front end does: a ValidationException
 * "1 validation error detected: Value 'x' at 'budget.budgetName' failed to satisfy constraint:
 * Member must ...", and a SerializationException for a value of the wrong JSON type.
 */
import { BudgetsError } from './budgets-errors';

export type Shape =
  | {
      type: 'string';
      min?: number;
      max?: number;
      /** The model's (Java) pattern, matched against the whole value. */
      pattern?: string;
      enum?: readonly string[];
      sensitive?: boolean;
    }
  | { type: 'integer' | 'double'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'timestamp' }
  | { type: 'list'; member: string; min?: number; max?: number }
  | { type: 'map'; key: string; value: string }
  | { type: 'structure'; required?: readonly string[]; members: Readonly<Record<string, string>> };

const INT_MAX = 2147483647;

/** Shapes by their model name; references between shapes are by name, as in the model. */
export const BUDGETS_SHAPES: Readonly<Record<string, Shape>> = {
  CreateBudgetRequest: {
    type: 'structure',
    required: ['AccountId', 'Budget'],
    members: {
      AccountId: 'AccountId',
      Budget: 'Budget',
      NotificationsWithSubscribers: 'NotificationWithSubscribersList',
      ResourceTags: 'ResourceTagList',
    },
  },
  AccountId: { type: 'string', min: 12, max: 12, pattern: '\\d{12}' },
  Budget: {
    type: 'structure',
    required: ['BudgetName', 'TimeUnit', 'BudgetType'],
    members: {
      BudgetName: 'BudgetName',
      BudgetLimit: 'Spend',
      PlannedBudgetLimits: 'PlannedBudgetLimits',
      CostFilters: 'CostFilters',
      CostTypes: 'CostTypes',
      TimeUnit: 'TimeUnit',
      TimePeriod: 'TimePeriod',
      CalculatedSpend: 'CalculatedSpend',
      BudgetType: 'BudgetType',
      LastUpdatedTime: 'GenericTimestamp',
      AutoAdjustData: 'AutoAdjustData',
      FilterExpression: 'Expression',
      Metrics: 'Metrics',
      BillingViewArn: 'BillingViewArn',
      HealthStatus: 'HealthStatus',
    },
  },
  BudgetName: {
    type: 'string',
    min: 1,
    max: 100,
    pattern: '^(?![^:\\\\]*/action/|(?i).*<script>.*</script>.*)[^:\\\\]+$',
  },
  Spend: { type: 'structure', required: ['Amount', 'Unit'], members: { Amount: 'NumericValue', Unit: 'UnitValue' } },
  NumericValue: { type: 'string', min: 1, max: INT_MAX, pattern: '([0-9]*\\.)?[0-9]+' },
  UnitValue: { type: 'string', min: 1, max: INT_MAX, pattern: '.*' },
  PlannedBudgetLimits: { type: 'map', key: 'GenericString', value: 'Spend' },
  GenericString: { type: 'string', min: 0, max: INT_MAX, pattern: '.*' },
  CostFilters: { type: 'map', key: 'GenericString', value: 'DimensionValues' },
  DimensionValues: { type: 'list', member: 'DimensionValue' },
  DimensionValue: { type: 'string', min: 0, max: INT_MAX, pattern: '[\\S\\s]*' },
  CostTypes: {
    type: 'structure',
    members: {
      IncludeTax: 'NullableBoolean',
      IncludeSubscription: 'NullableBoolean',
      UseBlended: 'NullableBoolean',
      IncludeRefund: 'NullableBoolean',
      IncludeCredit: 'NullableBoolean',
      IncludeUpfront: 'NullableBoolean',
      IncludeRecurring: 'NullableBoolean',
      IncludeOtherSubscription: 'NullableBoolean',
      IncludeSupport: 'NullableBoolean',
      IncludeDiscount: 'NullableBoolean',
      UseAmortized: 'NullableBoolean',
    },
  },
  NullableBoolean: { type: 'boolean' },
  TimeUnit: { type: 'string', enum: ['DAILY', 'MONTHLY', 'QUARTERLY', 'ANNUALLY', 'CUSTOM'] },
  TimePeriod: { type: 'structure', members: { Start: 'GenericTimestamp', End: 'GenericTimestamp' } },
  GenericTimestamp: { type: 'timestamp' },
  CalculatedSpend: {
    type: 'structure',
    required: ['ActualSpend'],
    members: { ActualSpend: 'Spend', ForecastedSpend: 'Spend' },
  },
  BudgetType: {
    type: 'string',
    enum: ['USAGE', 'COST', 'RI_UTILIZATION', 'RI_COVERAGE', 'SAVINGS_PLANS_UTILIZATION', 'SAVINGS_PLANS_COVERAGE'],
  },
  AutoAdjustData: {
    type: 'structure',
    required: ['AutoAdjustType'],
    members: {
      AutoAdjustType: 'AutoAdjustType',
      HistoricalOptions: 'HistoricalOptions',
      LastAutoAdjustTime: 'GenericTimestamp',
    },
  },
  AutoAdjustType: { type: 'string', enum: ['HISTORICAL', 'FORECAST'] },
  HistoricalOptions: {
    type: 'structure',
    required: ['BudgetAdjustmentPeriod'],
    members: { BudgetAdjustmentPeriod: 'AdjustmentPeriod', LookBackAvailablePeriods: 'AdjustmentPeriod' },
  },
  AdjustmentPeriod: { type: 'integer', min: 1, max: 60 },
  Expression: {
    type: 'structure',
    members: {
      Or: 'Expressions',
      And: 'Expressions',
      Not: 'Expression',
      Dimensions: 'ExpressionDimensionValues',
      Tags: 'TagValues',
      CostCategories: 'CostCategoryValues',
    },
  },
  Expressions: { type: 'list', member: 'Expression' },
  ExpressionDimensionValues: {
    type: 'structure',
    required: ['Key', 'Values'],
    members: { Key: 'Dimension', Values: 'Values', MatchOptions: 'MatchOptions' },
  },
  Dimension: {
    type: 'string',
    enum: [
      'AZ',
      'INSTANCE_TYPE',
      'LINKED_ACCOUNT',
      'LINKED_ACCOUNT_NAME',
      'OPERATION',
      'PURCHASE_TYPE',
      'REGION',
      'SERVICE',
      'SERVICE_CODE',
      'USAGE_TYPE',
      'USAGE_TYPE_GROUP',
      'RECORD_TYPE',
      'OPERATING_SYSTEM',
      'TENANCY',
      'SCOPE',
      'PLATFORM',
      'SUBSCRIPTION_ID',
      'LEGAL_ENTITY_NAME',
      'INVOICING_ENTITY',
      'DEPLOYMENT_OPTION',
      'DATABASE_ENGINE',
      'CACHE_ENGINE',
      'INSTANCE_TYPE_FAMILY',
      'BILLING_ENTITY',
      'RESERVATION_ID',
      'RESOURCE_ID',
      'RIGHTSIZING_TYPE',
      'SAVINGS_PLANS_TYPE',
      'SAVINGS_PLAN_ARN',
      'PAYMENT_OPTION',
      'RESERVATION_MODIFIED',
      'TAG_KEY',
      'COST_CATEGORY_NAME',
    ],
  },
  Values: { type: 'list', min: 1, member: 'Value' },
  Value: { type: 'string', min: 0, max: 1024, pattern: '[\\S\\s]*' },
  MatchOptions: { type: 'list', member: 'MatchOption' },
  MatchOption: {
    type: 'string',
    enum: [
      'EQUALS',
      'ABSENT',
      'STARTS_WITH',
      'ENDS_WITH',
      'CONTAINS',
      'GREATER_THAN_OR_EQUAL',
      'CASE_SENSITIVE',
      'CASE_INSENSITIVE',
    ],
  },
  TagValues: { type: 'structure', members: { Key: 'TagKey', Values: 'Values', MatchOptions: 'MatchOptions' } },
  TagKey: { type: 'string', min: 0, max: 1024, pattern: '[\\S\\s]*' },
  CostCategoryValues: {
    type: 'structure',
    members: { Key: 'CostCategoryName', Values: 'Values', MatchOptions: 'MatchOptions' },
  },
  CostCategoryName: { type: 'string' },
  Metrics: { type: 'list', max: 1, member: 'Metric' },
  Metric: {
    type: 'string',
    enum: [
      'BlendedCost',
      'UnblendedCost',
      'AmortizedCost',
      'NetUnblendedCost',
      'NetAmortizedCost',
      'UsageQuantity',
      'NormalizedUsageAmount',
      'Hours',
    ],
  },
  BillingViewArn: {
    type: 'string',
    min: 20,
    max: 2048,
    pattern: '^arn:aws[a-z-]*:(billing)::[0-9]{12}:billingview/[a-zA-Z0-9/:_\\+=\\.\\-@]{0,75}[a-zA-Z0-9]$',
  },
  HealthStatus: {
    type: 'structure',
    members: { Status: 'HealthStatusValue', StatusReason: 'HealthStatusReason', LastUpdatedTime: 'GenericTimestamp' },
  },
  HealthStatusValue: { type: 'string', enum: ['HEALTHY', 'UNHEALTHY'] },
  HealthStatusReason: {
    type: 'string',
    enum: ['BILLING_VIEW_NO_ACCESS', 'BILLING_VIEW_UNHEALTHY', 'FILTER_INVALID', 'MULTI_YEAR_HISTORICAL_DATA_DISABLED'],
  },
  NotificationWithSubscribersList: { type: 'list', max: 10, member: 'NotificationWithSubscribers' },
  NotificationWithSubscribers: {
    type: 'structure',
    required: ['Notification', 'Subscribers'],
    members: { Notification: 'Notification', Subscribers: 'Subscribers' },
  },
  Notification: {
    type: 'structure',
    required: ['NotificationType', 'ComparisonOperator', 'Threshold'],
    members: {
      NotificationType: 'NotificationType',
      ComparisonOperator: 'ComparisonOperator',
      Threshold: 'NotificationThreshold',
      ThresholdType: 'ThresholdType',
      NotificationState: 'NotificationState',
    },
  },
  NotificationType: { type: 'string', enum: ['ACTUAL', 'FORECASTED'] },
  ComparisonOperator: { type: 'string', enum: ['GREATER_THAN', 'LESS_THAN', 'EQUAL_TO'] },
  NotificationThreshold: { type: 'double', min: 0, max: 15000000000000 },
  ThresholdType: { type: 'string', enum: ['PERCENTAGE', 'ABSOLUTE_VALUE'] },
  NotificationState: { type: 'string', enum: ['OK', 'ALARM'] },
  Subscribers: { type: 'list', min: 1, max: 11, member: 'Subscriber' },
  Subscriber: {
    type: 'structure',
    required: ['SubscriptionType', 'Address'],
    members: { SubscriptionType: 'SubscriptionType', Address: 'SubscriberAddress' },
  },
  SubscriptionType: { type: 'string', enum: ['SNS', 'EMAIL'] },
  SubscriberAddress: { type: 'string', min: 1, max: INT_MAX, pattern: '(.*[\\n\\r\\t\\f\\ ]?)*', sensitive: true },
  ResourceTagList: { type: 'list', min: 0, max: 200, member: 'ResourceTag' },
  ResourceTag: {
    type: 'structure',
    required: ['Key', 'Value'],
    members: { Key: 'ResourceTagKey', Value: 'ResourceTagValue' },
  },
  ResourceTagKey: { type: 'string', min: 1, max: 128 },
  ResourceTagValue: { type: 'string', min: 0, max: 256 },
  DescribeBudgetRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName'],
    members: { AccountId: 'AccountId', BudgetName: 'BudgetName', ShowFilterExpression: 'NullableBoolean' },
  },
  DescribeBudgetsRequest: {
    type: 'structure',
    required: ['AccountId'],
    members: {
      AccountId: 'AccountId',
      MaxResults: 'MaxResultsDescribeBudgets',
      NextToken: 'GenericString',
      ShowFilterExpression: 'NullableBoolean',
    },
  },
  MaxResultsDescribeBudgets: { type: 'integer', min: 1, max: 1000 },
  UpdateBudgetRequest: {
    type: 'structure',
    required: ['AccountId', 'NewBudget'],
    members: { AccountId: 'AccountId', NewBudget: 'Budget' },
  },
  DeleteBudgetRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName'],
    members: { AccountId: 'AccountId', BudgetName: 'BudgetName' },
  },
  CreateNotificationRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName', 'Notification', 'Subscribers'],
    members: {
      AccountId: 'AccountId',
      BudgetName: 'BudgetName',
      Notification: 'Notification',
      Subscribers: 'Subscribers',
    },
  },
  UpdateNotificationRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName', 'OldNotification', 'NewNotification'],
    members: {
      AccountId: 'AccountId',
      BudgetName: 'BudgetName',
      OldNotification: 'Notification',
      NewNotification: 'Notification',
    },
  },
  DeleteNotificationRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName', 'Notification'],
    members: { AccountId: 'AccountId', BudgetName: 'BudgetName', Notification: 'Notification' },
  },
  DescribeNotificationsForBudgetRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName'],
    members: { AccountId: 'AccountId', BudgetName: 'BudgetName', MaxResults: 'MaxResults', NextToken: 'GenericString' },
  },
  MaxResults: { type: 'integer', min: 1, max: 100 },
  CreateSubscriberRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName', 'Notification', 'Subscriber'],
    members: {
      AccountId: 'AccountId',
      BudgetName: 'BudgetName',
      Notification: 'Notification',
      Subscriber: 'Subscriber',
    },
  },
  UpdateSubscriberRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName', 'Notification', 'OldSubscriber', 'NewSubscriber'],
    members: {
      AccountId: 'AccountId',
      BudgetName: 'BudgetName',
      Notification: 'Notification',
      OldSubscriber: 'Subscriber',
      NewSubscriber: 'Subscriber',
    },
  },
  DeleteSubscriberRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName', 'Notification', 'Subscriber'],
    members: {
      AccountId: 'AccountId',
      BudgetName: 'BudgetName',
      Notification: 'Notification',
      Subscriber: 'Subscriber',
    },
  },
  DescribeSubscribersForNotificationRequest: {
    type: 'structure',
    required: ['AccountId', 'BudgetName', 'Notification'],
    members: {
      AccountId: 'AccountId',
      BudgetName: 'BudgetName',
      Notification: 'Notification',
      MaxResults: 'MaxResults',
      NextToken: 'GenericString',
    },
  },
  TagResourceRequest: {
    type: 'structure',
    required: ['ResourceARN', 'ResourceTags'],
    members: { ResourceARN: 'AmazonResourceName', ResourceTags: 'ResourceTagList' },
  },
  AmazonResourceName: { type: 'string', min: 1, max: 1011 },
  UntagResourceRequest: {
    type: 'structure',
    required: ['ResourceARN', 'ResourceTagKeys'],
    members: { ResourceARN: 'AmazonResourceName', ResourceTagKeys: 'ResourceTagKeyList' },
  },
  ResourceTagKeyList: { type: 'list', min: 0, max: 200, member: 'ResourceTagKey' },
  ListTagsForResourceRequest: {
    type: 'structure',
    required: ['ResourceARN'],
    members: { ResourceARN: 'AmazonResourceName' },
  },
};

/**
 * JavaScript stand-ins for model patterns JavaScript cannot run as written: BudgetName uses an
 * inline `(?i)`, and SubscriberAddress would backtrack catastrophically on a line separator (Java's
 * `.` and JavaScript's both stop at U+2028/U+2029, which it then cannot match).
 */
const PATTERN_TESTS: Readonly<Record<string, (value: string) => boolean>> = {
  BudgetName: (value) => /^(?![^:\\]*\/action\/)[^:\\]+$/.test(value) && !/<script>.*<\/script>/i.test(value),
  SubscriberAddress: (value) => !/[\u0085\u2028\u2029]/.test(value),
};

const compiledPatterns = new Map<string, (value: string) => boolean>();

function patternTest(shapeName: string, pattern: string): (value: string) => boolean {
  let test = compiledPatterns.get(shapeName);
  if (!test) {
    const override = PATTERN_TESTS[shapeName];
    if (override) {
      test = override;
    } else if (pattern === '.*' || pattern === '[\\S\\s]*') {
      // Anything but (for `.*`) line breaks; no need to run a regular expression.
      test = pattern === '.*' ? (value) => !/[\n\r\u0085\u2028\u2029]/.test(value) : () => true;
    } else {
      const regex = new RegExp(`^(?:${pattern})$`);
      test = (value) => regex.test(value);
    }
    compiledPatterns.set(shapeName, test);
  }
  return test;
}

/**
 * Checks `input` against the request shape `shapeName`: throws BudgetsError SerializationException
 * for a wrong JSON type, ValidationException listing every violated constraint.
 */
export function validateRequest(shapeName: string, input: unknown): void {
  const problems: string[] = [];
  check(shapeName, input, '', problems);
  if (problems.length > 0) {
    const count =
      problems.length === 1 ? '1 validation error detected' : `${problems.length} validation errors detected`;
    throw new BudgetsError('ValidationException', `${count}: ${problems.join('; ')}`);
  }
}

function check(shapeName: string, value: unknown, path: string, problems: string[]): void {
  const shape = BUDGETS_SHAPES[shapeName];
  if (!shape) throw new Error(`budgets model: no shape ${shapeName}`);
  if (value === undefined || value === null) return;
  const where = path === '' ? 'the request' : `'${path}'`;
  const fail = (constraint: string, shown?: string): void => {
    const valuePart = shown === undefined ? 'Value' : `Value ${shown}`;
    problems.push(`${valuePart} at ${where} failed to satisfy constraint: Member must ${constraint}`);
  };
  const wrongType = (expected: string): never => {
    throw new BudgetsError(
      'SerializationException',
      `Expected ${expected} at ${where}, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  };

  switch (shape.type) {
    case 'string': {
      if (typeof value !== 'string') return wrongType('a string');
      const shown = shape.sensitive ? undefined : `'${value}'`;
      if (shape.min !== undefined && value.length < shape.min) {
        fail(`have length greater than or equal to ${shape.min}`, shown);
      }
      if (shape.max !== undefined && value.length > shape.max)
        fail(`have length less than or equal to ${shape.max}`, shown);
      if (shape.enum && !shape.enum.includes(value)) fail(`satisfy enum value set: [${shape.enum.join(', ')}]`, shown);
      if (shape.pattern !== undefined && !patternTest(shapeName, shape.pattern)(value)) {
        fail(`satisfy regular expression pattern: ${shape.pattern}`, shown);
      }
      return;
    }
    case 'integer':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType('a number');
      if (shape.type === 'integer' && !Number.isInteger(value)) return wrongType('an integer');
      if (shape.min !== undefined && value < shape.min)
        fail(`have value greater than or equal to ${shape.min}`, `'${value}'`);
      if (shape.max !== undefined && value > shape.max)
        fail(`have value less than or equal to ${shape.max}`, `'${value}'`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') wrongType('a boolean');
      return;
    case 'timestamp':
      // JSON protocols carry timestamps as epoch seconds.
      if (typeof value !== 'number' || !Number.isFinite(value)) wrongType('a timestamp in epoch seconds');
      return;
    case 'list': {
      if (!Array.isArray(value)) return wrongType('a list');
      if (shape.min !== undefined && value.length < shape.min)
        fail(`have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) fail(`have length less than or equal to ${shape.max}`);
      value.forEach((item: unknown, index) => {
        const itemPath = `${path}.${index + 1}.member`;
        if (item === null || item === undefined) {
          problems.push(`Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`);
        } else {
          check(shape.member, item, itemPath, problems);
        }
      });
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) return wrongType('a map');
      for (const [key, item] of Object.entries(value)) {
        check(shape.key, key, `${path}.${key}.key`, problems);
        if (item === null || item === undefined) {
          problems.push(`Value null at '${path}.${key}.value' failed to satisfy constraint: Member must not be null`);
        } else {
          check(shape.value, item, `${path}.${key}.value`, problems);
        }
      }
      return;
    }
    case 'structure': {
      if (!isPlainObject(value)) return wrongType('a structure');
      for (const member of shape.required ?? []) {
        if (value[member] === undefined || value[member] === null) {
          problems.push(
            `Value null at '${joinPath(path, member)}' failed to satisfy constraint: Member must not be null`,
          );
        }
      }
      for (const [member, memberShape] of Object.entries(shape.members)) {
        check(memberShape, value[member], joinPath(path, member), problems);
      }
      return;
    }
  }
}

/** AWS names members in lower camel case in these messages: `budget.budgetLimit.amount`. */
function joinPath(path: string, member: string): string {
  const name = member.charAt(0).toLowerCase() + member.slice(1);
  return path === '' ? name : `${path}.${name}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
