export { awsAmountString } from './amounts';
export { BudgetsError, isBudgetsError, type BudgetsErrorCode } from './budgets-errors';
export {
  answerBudgetsRequest,
  budgetArn,
  BUDGETS_SIGNING_NAME,
  BUDGETS_TARGET_PREFIX,
  parseBudgetArn,
  runBudgetsOperation,
  SERVED_BUDGETS_OPERATIONS,
  type BudgetsCaller,
  type BudgetsReply,
} from './budgets-service';
export {
  BudgetsStore,
  DEFAULT_COST_TYPES,
  MAX_EMAIL_SUBSCRIBERS_PER_NOTIFICATION,
  MAX_NOTIFICATIONS_PER_BUDGET,
  MAX_SNS_SUBSCRIBERS_PER_NOTIFICATION,
  MAX_TAGS_PER_BUDGET,
  type BudgetRecord,
  type BudgetSpendUpdate,
  type BudgetsStoreOptions,
} from './budgets-store';
/** The Budgets JSON shapes (Budget, Notification, Subscriber...), as `BudgetsWire.Budget` etc. */
export type * as BudgetsWire from './budgets-types';
export { partitionOfRegion } from './partition';
export { DEFAULT_BUDGET_END_SECONDS } from './time-period';
