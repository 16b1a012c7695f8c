import { describeError } from '@org-budgets/aws';
import { applyBudget, type ApplyBudgetDeps } from './apply-budget';
import { BudgetVerificationError } from './errors';

export interface VerifyBudgetsDeps extends ApplyBudgetDeps {
  /** Names of every budget parameter of the account (GetParametersByPath, all pages). */
  listParameterNames(): Promise<string[]>;
  /** Milliseconds left before the function times out; budgets not started in time fail the run. */
  remainingMs?: () => number;
}

/** A budget is not started with less time left than this (one budget takes a few seconds at most). */
export const VERIFY_TIME_RESERVE_MS = 20_000;

export interface VerifySummary {
  /** Budgets looked at: every parameter and every managed budget, once each. */
  checked: number;
  inSync: number;
  /** Listed as managed, then found without the tag (changed meanwhile) and no parameter: left alone. */
  leftAlone: number;
  /** Restored to match their parameter (changed or deleted by hand), reported APPLIED with `repaired`. */
  restored: string[];
  /** Managed budgets without a parameter, deleted and reported DELETED with `repaired`. */
  deleted: string[];
  /** Reported FAILED: unreadable parameter, or a budget of the parameter's name that is not managed. */
  reportedFailed: string[];
  /** Could not be checked or restored (a Budgets or SSM error), or not reached in time. */
  failed: { budgetName: string; error: string }[];
}

/**
 * The spoke's scheduled check of its managed budgets: every budget parameter and every AWS Budget
 * tagged as managed is applied in verify mode. A budget changed or deleted by hand is restored and
 * reported APPLIED with what was found; a managed budget without a parameter is deleted and
 * reported DELETED; a budget in sync is not reported. Budgets without the managed tag and without
 * a parameter are never looked at. One budget failing does not stop the others; the run then
 * throws BudgetVerificationError, so that the function's failure destination records it.
 */
export async function verifyBudgets(deps: VerifyBudgetsDeps): Promise<VerifySummary> {
  const [parameterNames, managedNames] = await Promise.all([
    deps.listParameterNames(),
    deps.budgets.listManagedBudgetNames(),
  ]);
  const names = [...new Set([...parameterNames, ...managedNames])].sort();
  const summary: VerifySummary = {
    checked: names.length,
    inSync: 0,
    leftAlone: 0,
    restored: [],
    deleted: [],
    reportedFailed: [],
    failed: [],
  };
  for (const budgetName of names) {
    if (deps.remainingMs && deps.remainingMs() < VERIFY_TIME_RESERVE_MS) {
      summary.failed.push({ budgetName, error: 'not checked: the run ran out of time' });
      continue;
    }
    try {
      const outcome = await applyBudget(budgetName, deps, { verify: true });
      switch (outcome.result) {
        case 'in-sync':
        case 'already-applied':
        case 'absent':
          summary.inSync += 1;
          break;
        case 'applied':
          summary.restored.push(budgetName);
          break;
        case 'deleted':
          summary.deleted.push(budgetName);
          break;
        case 'refused':
        case 'unreadable':
          // Reported FAILED when there is a parameter (revision); else an unmanaged budget, left alone.
          if (outcome.revision !== undefined) summary.reportedFailed.push(budgetName);
          else summary.leftAlone += 1;
          break;
      }
    } catch (error) {
      summary.failed.push({ budgetName, error: describeError(error) });
    }
  }
  const fields = {
    checked: summary.checked,
    inSync: summary.inSync,
    leftAlone: summary.leftAlone,
    restored: summary.restored,
    deleted: summary.deleted,
    reportedFailed: summary.reportedFailed,
    failed: summary.failed,
  };
  if (summary.failed.length > 0) {
    deps.logger.error('budget verification finished with failures', fields);
    throw new BudgetVerificationError(summary);
  }
  deps.logger.info('budget verification finished', fields);
  return summary;
}
