import { OrgBudgetsError } from '@org-budgets/contracts';

/** The spoke role could not be assumed: not deployed yet, trust not set up, or access denied. */
export class SpokeRoleUnavailableError extends OrgBudgetsError {
  override readonly name = 'SpokeRoleUnavailableError';
  constructor(
    readonly accountId: string,
    readonly roleArn: string,
    override readonly cause: unknown,
  ) {
    super(
      `cannot assume ${roleArn} in account ${accountId}: ${describeError(cause)} (is the spoke deployed in that account, and does its role trust the hub?)`,
    );
  }
}

/** Writing to or reading from the spoke's Parameter Store failed. */
export class SpokeParameterError extends OrgBudgetsError {
  override readonly name = 'SpokeParameterError';
  constructor(
    readonly accountId: string,
    readonly parameterName: string,
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation} ${parameterName} in account ${accountId} failed: ${describeError(cause)}`);
  }
}

/** A call to AWS Budgets failed. */
export class BudgetsCallError extends OrgBudgetsError {
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
export class BudgetNotFoundError extends OrgBudgetsError {
  override readonly name = 'BudgetNotFoundError';
  constructor(
    readonly budgetName: string,
    readonly accountId: string,
  ) {
    super(`budget ${budgetName} does not exist in account ${accountId}`);
  }
}

/** applyPlan was handed a plan that refuses to touch the budget. */
export class BudgetPlanRefusedError extends OrgBudgetsError {
  override readonly name = 'BudgetPlanRefusedError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** DescribeBudget answered with a spend that is not a number. */
export class BudgetSpendUnreadableError extends OrgBudgetsError {
  override readonly name = 'BudgetSpendUnreadableError';
  constructor(
    readonly budgetName: string,
    readonly accountId: string,
    readonly calculatedSpend: string,
  ) {
    super(`budget ${budgetName} in account ${accountId} has an unreadable calculated spend: ${calculatedSpend}`);
  }
}

/** The guardian state of a budget was written by another run since it was read (optimistic concurrency). */
export class StateWriteConflictError extends OrgBudgetsError {
  override readonly name = 'StateWriteConflictError';
  constructor(budgetName: string) {
    super(`the guardian state of budget ${budgetName} was changed by another run meanwhile`);
  }
}

/** EventBridge did not accept a spoke's status report. */
export class StatusNotSentError extends OrgBudgetsError {
  override readonly name = 'StatusNotSentError';
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { name?: string }).name;
    return code && code !== 'Error' && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** A custom resource's answer could not be delivered to CloudFormation's ResponseURL. */
export class CustomResourceResponseError extends OrgBudgetsError {
  override readonly name = 'CustomResourceResponseError';
  constructor(
    readonly response: { Status: string; LogicalResourceId: string; RequestId: string },
    readonly reason: string,
  ) {
    super(
      `the ${response.Status} answer to CloudFormation for ${response.LogicalResourceId} (request ${response.RequestId}) was not delivered: ${reason}`,
    );
  }
}

/** A guardian check (an invocation or a one-time schedule) that names no budget or no time. */
export class GuardianCheckUnreadableError extends OrgBudgetsError {
  override readonly name = 'GuardianCheckUnreadableError';
  constructor(event: string) {
    super(
      `guardian check names no budget or no time (expected {"source": "org-budgets.guardian-check", "budgetName": …, "notBefore": ISO 8601}): ${event.slice(0, 200)}`,
    );
  }
}

/** A service control policy of the lockdown's name exists that org-budgets does not manage (no managed tag). */
export class LockdownPolicyNotManagedError extends OrgBudgetsError {
  override readonly name = 'LockdownPolicyNotManagedError';
  constructor(
    readonly accountId: string,
    readonly policyId: string,
  ) {
    super(
      `a service control policy named ${lockdownPolicyName(accountId)} (${policyId}) exists without the tag ` +
        `org-budgets:managed=true; org-budgets leaves it alone and cannot lock account ${accountId} down`,
    );
  }
}

/** The name of an account's lockdown policy (one per account, whatever its budgets). */
export function lockdownPolicyName(accountId: string): string {
  return `org-budgets-lockdown-${accountId}`;
}
