import { OrgBudgetsError } from '@org-budgets/contracts';

export class GuardianBusyError extends OrgBudgetsError {
  override readonly name = 'GuardianBusyError';
  constructor(budgetName: string, owner: string) {
    super(`another run (${owner}) is still acting on budget ${budgetName}; this run will be retried`);
  }
}

/**
 * The cost guardian failed for some budgets; the others were checked. Thrown after all of them,
 * with every budget's summary (a BudgetRunSummary each: what is declared here is what the message needs).
 */
export class EnforceSpendFailedError extends OrgBudgetsError {
  override readonly name = 'EnforceSpendFailedError';
  constructor(readonly summaries: { budgetName: string; result: string; failedActions?: number; error?: string }[]) {
    const failed = summaries.filter((s) => s.result === 'failed' || (s.failedActions ?? 0) > 0);
    super(
      `the cost guardian failed for ${failed.length} budget(s): ${failed
        .map((s) => `${s.budgetName}: ${s.error ?? `${s.failedActions} action(s) failed`}`)
        .join('; ')}`,
    );
  }
}
