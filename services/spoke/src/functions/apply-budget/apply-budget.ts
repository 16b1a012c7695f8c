import { compareRevisions, type BudgetParameter, type SpokeStatusDetail } from '@org-budgets/contracts';
import type { CurrentBudgetParameter } from '@org-budgets/aws';
import { describeError } from '@org-budgets/aws';
import {
  APPLIED_REVISION_TAG_KEY,
  appliedRevisionOf,
  describeBudgetCall,
  desiredBudget,
  planBudgetDeletion,
  planBudgetReconciliation,
  type SpokeBudgets,
} from '@org-budgets/budgets';

import type { Logger } from '@org-budgets/aws';
export type { Logger };

export interface ApplyBudgetDeps {
  accountId: string;
  alertTopicArn: string;
  readParameter(budgetName: string): Promise<CurrentBudgetParameter>;
  budgets: SpokeBudgets;
  sendStatus(detail: SpokeStatusDetail): Promise<void>;
  now: () => Date;
  logger: Logger;
}

export type ApplyOutcome =
  | { result: 'applied'; revision: string; calls: string[] }
  | { result: 'already-applied'; revision: string }
  | { result: 'stale'; revision: string; appliedRevision: string }
  | { result: 'refused'; revision?: string; reason: string }
  | { result: 'unreadable'; revision?: string; reason: string }
  | { result: 'deleted' }
  | { result: 'absent' };

/**
 * Makes the account's AWS Budget match its parameter, level-triggered: whatever the event said,
 * the parameter as it is now decides. A parameter that is gone deletes the managed budget; an
 * older or equal revision than the one the budget was last made to match changes nothing.
 * Reports APPLIED or FAILED to the hub; a Budgets error is reported and then rethrown, so that
 * Lambda retries the event.
 */
export async function applyBudget(budgetName: string, deps: ApplyBudgetDeps): Promise<ApplyOutcome> {
  const current = await deps.readParameter(budgetName);
  if (!current.exists) return deleteManagedBudget(budgetName, deps);

  if (!current.valid) {
    const reason = `the budget parameter in account ${deps.accountId} is unreadable: ${current.message}`;
    deps.logger.error('budget parameter unreadable', { budgetName, revision: current.revision, reason });
    if (current.revision) await report(deps, budgetName, current.revision, 'FAILED', reason);
    return { result: 'unreadable', ...(current.revision ? { revision: current.revision } : {}), reason };
  }

  const parameter = current.parameter;
  const { revision } = parameter;
  const fields = { budgetName, revision };
  try {
    const state = await deps.budgets.readBudget(budgetName);
    const appliedRevision = appliedRevisionOf(state);
    if (appliedRevision !== undefined && compareRevisions(revision, appliedRevision) < 0) {
      deps.logger.info('older revision ignored', { ...fields, appliedRevision });
      return { result: 'stale', revision, appliedRevision };
    }
    if (appliedRevision === revision) {
      // A repeated event; report again in case the first report was lost.
      deps.logger.info('revision already applied', fields);
      await report(deps, budgetName, revision, 'APPLIED', describeApplied(parameter, 'already applied'));
      return { result: 'already-applied', revision };
    }

    const desired = desiredBudget(parameter, { alertTopicArn: deps.alertTopicArn });
    desired.tags.push({ Key: APPLIED_REVISION_TAG_KEY, Value: revision });
    const plan = planBudgetReconciliation(desired, state);
    if (plan.action === 'refuse') {
      deps.logger.warn('budget not managed by org-budgets; left alone', { ...fields, reason: plan.reason });
      await report(deps, budgetName, revision, 'FAILED', plan.reason);
      return { result: 'refused', revision, reason: plan.reason };
    }
    await deps.budgets.applyPlan(plan);
    await deps.budgets.recordAppliedRevision(budgetName, revision);
    const calls = plan.calls.map(describeBudgetCall);
    deps.logger.info('budget applied', { ...fields, calls });
    await report(
      deps,
      budgetName,
      revision,
      'APPLIED',
      describeApplied(parameter, calls.length ? `${calls.length} change(s)` : 'no change needed'),
    );
    return { result: 'applied', revision, calls };
  } catch (error) {
    deps.logger.error('budget could not be applied', { ...fields, error });
    await report(
      deps,
      budgetName,
      revision,
      'FAILED',
      `could not apply the budget in account ${deps.accountId}: ${describeError(error)}`,
    ).catch((reportError: unknown) =>
      deps.logger.error('could not report the failure to the hub', { ...fields, error: reportError }),
    );
    throw error;
  }
}

async function deleteManagedBudget(budgetName: string, deps: ApplyBudgetDeps): Promise<ApplyOutcome> {
  const state = await deps.budgets.readBudget(budgetName);
  const plan = planBudgetDeletion(state);
  if (plan.action === 'refuse') {
    deps.logger.warn('parameter deleted, but the budget of that name is not managed; left alone', { budgetName });
    return { result: 'refused', reason: plan.reason };
  }
  if (plan.calls.length === 0) {
    deps.logger.info('parameter and budget both absent', { budgetName });
    return { result: 'absent' };
  }
  await deps.budgets.applyPlan(plan);
  deps.logger.info('managed budget deleted', { budgetName });
  return { result: 'deleted' };
}

function describeApplied(parameter: BudgetParameter, what: string): string {
  const notifications = parameter.alertAt.length + parameter.forecastAlertAt.length;
  return (
    `budget ${parameter.amount} ${parameter.currency} ${parameter.period.toLowerCase()} applied (${what}); ` +
    `${notifications} alert(s) to ${parameter.emails.length} email(s) and the account's alert topic`
  );
}

async function report(
  deps: ApplyBudgetDeps,
  budgetName: string,
  revision: string,
  status: SpokeStatusDetail['status'],
  message: string,
): Promise<void> {
  await deps.sendStatus({
    accountId: deps.accountId,
    budgetName,
    revision,
    status,
    message: message.slice(0, 2000),
    at: deps.now().toISOString(),
  });
}
