import { OrgBudgetsError } from '@org-budgets/contracts';

/** The desired budget breaks an AWS Budgets limit or rule; nothing was sent to AWS. */
export class DesiredBudgetInvalidError extends OrgBudgetsError {
  override readonly name = 'DesiredBudgetInvalidError';
  constructor(
    readonly budgetName: string,
    readonly problems: string[],
  ) {
    super(`budget ${budgetName} cannot be applied: ${problems.join('; ')}`);
  }
}
