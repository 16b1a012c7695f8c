import { formatProblems, type BudgetItemProblem } from './budget-item';

/**
 * The base of every named error of org-budgets, in the packages and the services: each subclass
 * sets `override readonly name` to its own name, which logs, `describeError` and the status
 * messages finance reads show; `instanceof OrgBudgetsError` tells the project's own failures
 * from those of the AWS SDK and the runtime.
 *
 * It lives in the contracts because every package and service imports them already and they
 * import no AWS SDK: packages/budgets and packages/guardian stay pure (packages/aws would bring
 * its SDK clients along).
 */
export abstract class OrgBudgetsError extends Error {
  abstract override readonly name: string;
}

export class BudgetItemInvalidError extends OrgBudgetsError {
  override readonly name = 'BudgetItemInvalidError';
  constructor(
    readonly accountId: string,
    readonly budgetName: string,
    readonly problems: BudgetItemProblem[],
  ) {
    super(`budget item ${accountId}/${budgetName} is invalid: ${formatProblems(problems)}`);
  }
}
