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

/**
 * The budget's parameter cannot be read (e.g. the hub writes a newer document than this spoke
 * knows): the guardian keeps what it holds (queues stay disabled) and fails, so that the run is
 * retried, lands in the dead-letter queue and alarms. Only a deleted budget or `mode: off` lets go.
 */
export class GuardianParameterUnreadableError extends OrgBudgetsError {
  override readonly name = 'GuardianParameterUnreadableError';
  constructor(budgetName: string, reason: string) {
    super(
      `the parameter of budget ${budgetName} cannot be read (${reason}); the guardian keeps the queues it holds ` +
        'and checks again at the next run: update the spoke (StackSet) if the hub is newer, or fix the item',
    );
  }
}

/** The guardian prices Batch jobs in USD: it cannot guard a budget in another currency (the hub refuses such items). */
export class GuardianCurrencyError extends OrgBudgetsError {
  override readonly name = 'GuardianCurrencyError';
  constructor(budgetName: string, currency: string) {
    super(
      `budget ${budgetName} is in ${currency}; the cost guardian prices AWS Batch jobs in USD and guards only USD ` +
        'budgets: it keeps what it holds and does nothing else (set guardian.mode to off, or the budget in USD)',
    );
  }
}
