import { OrgBudgetsError } from '@org-budgets/contracts';

/**
 * The parameter changed after every one of `rounds` applies: the run stops rather than chase it.
 * Lambda retries the event; the budget is left matching one of the parameter's recent revisions,
 * and nothing was reported APPLIED for a revision the parameter no longer holds.
 */
export class ParameterKeptChangingError extends OrgBudgetsError {
  override readonly name = 'ParameterKeptChangingError';
  constructor(
    readonly budgetName: string,
    readonly rounds: number,
  ) {
    super(`the parameter of budget ${budgetName} changed after each of ${rounds} applies; giving up for now`);
  }
}

/**
 * The scheduled check failed for some budgets; the others were checked. Thrown after all of them,
 * with the run's summary (a VerifySummary: what is declared here is what the message needs).
 */
export class BudgetVerificationError extends OrgBudgetsError {
  override readonly name = 'BudgetVerificationError';
  constructor(readonly summary: { checked: number; failed: { budgetName: string; error: string }[] }) {
    super(
      `budget verification failed for ${summary.failed.length} of ${summary.checked} budget(s): ` +
        summary.failed.map((f) => `${f.budgetName}: ${f.error}`).join('; '),
    );
  }
}
