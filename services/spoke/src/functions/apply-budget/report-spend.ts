import type { SpokeSpendDetail } from '@org-budgets/contracts';
import type { Logger, SpokeBudgets } from '@org-budgets/aws';

export interface ReportSpendDeps {
  accountId: string;
  budgets: Pick<SpokeBudgets, 'readSpend'>;
  sendSpend(detail: SpokeSpendDetail): Promise<void>;
  /** The cost guardian's latest estimate of the budget (USD), where a guardian runs. */
  readGuardianEstimate?(budgetName: string): Promise<{ amount: number; at: string } | undefined>;
  now: () => Date;
  logger: Logger;
}

/**
 * Sends the hub the budget's spend as AWS Budgets calculated it (and the guardian's estimate),
 * for the revision the budget was just applied from or checked against (docs/budget-states.md).
 * The hub turns it into the item's `spend` and `state`.
 */
export async function reportSpend(budgetName: string, revision: string, deps: ReportSpendDeps): Promise<void> {
  const spend = await deps.budgets.readSpend(budgetName);
  const guardian = deps.readGuardianEstimate ? await deps.readGuardianEstimate(budgetName) : undefined;
  const detail: SpokeSpendDetail = {
    accountId: deps.accountId,
    budgetName,
    revision,
    actual: spend.actual,
    ...(spend.forecasted === undefined ? {} : { forecasted: spend.forecasted }),
    unit: spend.unit,
    ...(spend.lastUpdated ? { awsUpdatedAt: spend.lastUpdated.toISOString() } : {}),
    readAt: deps.now().toISOString(),
    ...(guardian ? { guardianEstimate: guardian } : {}),
  };
  await deps.sendSpend(detail);
  deps.logger.info('spend reported', {
    budgetName,
    revision,
    actual: detail.actual,
    forecasted: detail.forecasted,
    awsUpdatedAt: detail.awsUpdatedAt,
  });
}
