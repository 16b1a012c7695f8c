/** The desired budget breaks an AWS Budgets limit or rule; nothing was sent to AWS. */
export class DesiredBudgetInvalidError extends Error {
  override readonly name = 'DesiredBudgetInvalidError';
  constructor(
    readonly budgetName: string,
    readonly problems: string[],
  ) {
    super(`budget ${budgetName} cannot be applied: ${problems.join('; ')}`);
  }
}

/** A call to AWS Budgets failed. */
export class BudgetsCallError extends Error {
  override readonly name = 'BudgetsCallError';
  /** The AWS error name, e.g. ThrottlingException, AccessDeniedException. */
  readonly awsErrorName: string;
  readonly awsMessage: string;
  constructor(
    readonly operation: string,
    readonly budgetName: string,
    readonly accountId: string,
    override readonly cause: unknown,
  ) {
    const awsErrorName = cause instanceof Error ? cause.name : 'UnknownError';
    const awsMessage = cause instanceof Error ? cause.message : String(cause);
    super(`${operation} for budget ${budgetName} in account ${accountId} failed: ${awsErrorName}: ${awsMessage}`);
    this.awsErrorName = awsErrorName;
    this.awsMessage = awsMessage;
  }
}

/** The budget does not exist (where the caller needs it to). */
export class BudgetNotFoundError extends Error {
  override readonly name = 'BudgetNotFoundError';
  constructor(
    readonly budgetName: string,
    readonly accountId: string,
  ) {
    super(`budget ${budgetName} does not exist in account ${accountId}`);
  }
}

/** applyPlan was handed a plan that refuses to touch the budget. */
export class BudgetPlanRefusedError extends Error {
  override readonly name = 'BudgetPlanRefusedError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** DescribeBudget answered with a spend that is not a number. */
export class BudgetSpendUnreadableError extends Error {
  override readonly name = 'BudgetSpendUnreadableError';
  constructor(
    readonly budgetName: string,
    readonly accountId: string,
    readonly calculatedSpend: string,
  ) {
    super(`budget ${budgetName} in account ${accountId} has an unreadable calculated spend: ${calculatedSpend}`);
  }
}
