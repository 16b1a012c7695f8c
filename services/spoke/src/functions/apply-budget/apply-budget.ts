import type { BudgetParameter, SpokeStatusDetail } from '@org-budgets/contracts';
import type { CurrentBudgetParameter, SpokeBudgets } from '@org-budgets/aws';
import { describeError } from '@org-budgets/aws';
import {
  APPLIED_REVISION_TAG_KEY,
  appliedRevisionOf,
  describeBudgetCall,
  describeBudgetDrift,
  desiredBudget,
  displayBudgetAmount,
  planBudgetDeletion,
  planBudgetReconciliation,
  type BudgetNotification,
  type CurrentBudgetState,
} from '@org-budgets/budgets';

import type { Logger } from '@org-budgets/aws';
import { ParameterKeptChangingError } from './errors';
export type { Logger };

/** Rounds of apply-then-re-read before a run gives up on a parameter that keeps changing. */
export const DEFAULT_MAX_ROUNDS = 5;
/** The revision a report carries when there is none to name (the hub refuses it and alarms). */
export const NO_REVISION = '0';
const MAX_MESSAGE = 2000;
const MAX_REPAIRED = 1000;

export interface ApplyBudgetDeps {
  accountId: string;
  alertTopicArn: string;
  readParameter(budgetName: string): Promise<CurrentBudgetParameter>;
  budgets: SpokeBudgets;
  sendStatus(detail: SpokeStatusDetail): Promise<void>;
  now: () => Date;
  logger: Logger;
  /** Apply-then-re-read rounds before ParameterKeptChangingError; DEFAULT_MAX_ROUNDS when left out. */
  maxRounds?: number;
  /**
   * The notifications each budget was last planned with, kept by the container across
   * invocations: when a budget has an entry, its read starts together with the parameter's, with
   * these as its hints (ReadBudgetHints), one round trip less on a warm edit's path. Only which
   * reads go first depends on it: the budget is read whole either way. Left out, nothing is kept.
   */
  notificationHints?: NotificationHints;
  /**
   * Whether the cost guardian holds state for the budget (it was on, and has not let go). Asked
   * when the applied parameter's guardian is off: with no state held, the APPLIED report says
   * `guardianIdle` and the spoke's enforce-spend does not run for it. Left out, or when the
   * question fails, the report does not say it and enforce-spend runs (it is never skipped on a
   * guess).
   */
  guardianHoldsState?(budgetName: string): Promise<boolean>;
  /**
   * Sends the hub the budget's spend for the revision it matches (./report-spend.ts), after every
   * apply and at every scheduled check; left out, no spend is reported.
   */
  reportSpend?(budgetName: string, revision: string, options: { guardianOn: boolean }): Promise<void>;
}

export interface ApplyOptions {
  /**
   * The scheduled check: a budget that already matches its parameter is not reported; one that
   * did not is restored and reported with `repaired` saying what was found.
   */
  verify?: boolean;
}

export type ApplyOutcome =
  | { result: 'applied'; revision: string; calls: string[]; repaired?: string }
  | { result: 'already-applied'; revision: string }
  | { result: 'in-sync'; revision: string }
  | { result: 'refused'; revision?: string; reason: string }
  | { result: 'unreadable'; revision: string; reason: string }
  | { result: 'deleted'; revision: string; repaired?: string }
  | { result: 'absent' };

/** Budgets a container keeps notification hints for; beyond it the oldest entry goes. */
const MAX_HINTED_BUDGETS = 100;

/** The notifications each budget was last planned with (ApplyBudgetDeps.notificationHints). */
export class NotificationHints {
  private readonly byBudget = new Map<string, BudgetNotification[]>();

  get(budgetName: string): BudgetNotification[] | undefined {
    return this.byBudget.get(budgetName);
  }

  set(budgetName: string, notifications: BudgetNotification[]): void {
    this.byBudget.delete(budgetName);
    this.byBudget.set(budgetName, notifications);
    if (this.byBudget.size > MAX_HINTED_BUDGETS) this.byBudget.delete(this.byBudget.keys().next().value as string);
  }
}

/** What one round did to the budget, before the parameter is read again. */
type Round =
  | { kind: 'done'; outcome: ApplyOutcome }
  | {
      kind: 'applied';
      parameter: BudgetParameter;
      calls: string[];
      drift: string[];
      /**
       * Nothing for the cost guardian to do about this parameter (see
       * ApplyBudgetDeps.guardianHoldsState): asked once, when a report needs it.
       */
      guardianIdle: () => Promise<boolean>;
    }
  | { kind: 'deleted'; revision: string; drift: string[] };

/**
 * Makes the account's AWS Budget match its parameter, level-triggered: whatever the event said,
 * the parameter as it is now decides, planned against the budget as it is now (its revision tag
 * is a hint that anyone in the account can write, never a reason to skip). A parameter that is
 * gone deletes the managed budget.
 *
 * After acting it reads the parameter again: when it moved (a newer revision written while this
 * run applied an older one, and a concurrent run may already have applied the newer one before
 * this run overwrote it), it reads the budget again and applies again, at most `maxRounds`
 * times. So the budget is last made to match what the parameter holds, and only that revision
 * is reported APPLIED.
 *
 * Reports APPLIED (also when nothing needed changing), DELETED, or FAILED (unreadable parameter,
 * a budget of that name org-budgets does not manage, a Budgets error) to the hub; a Budgets error
 * is reported and then rethrown, so that Lambda retries the event. In verify mode (the schedule)
 * a budget that matched is not reported, and a restored one carries `repaired`.
 */
export async function applyBudget(
  budgetName: string,
  deps: ApplyBudgetDeps,
  options: ApplyOptions = {},
): Promise<ApplyOutcome> {
  const verify = options.verify === true;
  const maxRounds = deps.maxRounds ?? DEFAULT_MAX_ROUNDS;
  const found: string[] = [];
  const calls: string[] = [];
  // A budget planned before in this container: read it while the parameter is read.
  const hinted = deps.notificationHints?.get(budgetName);
  let prefetched: Promise<CurrentBudgetState> | undefined = hinted
    ? deps.budgets.readBudget(budgetName, { notifications: hinted })
    : undefined;
  // Its failure counts where the round awaits it (reported there); not before, nor when unused.
  prefetched?.catch(() => undefined);
  let current = await deps.readParameter(budgetName);
  for (let round = 1; round <= maxRounds; round += 1) {
    const step = await applyRound(budgetName, current, deps, verify, prefetched);
    prefetched = undefined;
    if (step.kind === 'done') return step.outcome;
    found.push(...step.drift);
    if (step.kind === 'applied') calls.push(...step.calls);

    const after = await deps.readParameter(budgetName);
    if (!sameParameter(after, current)) {
      deps.logger.info('the parameter changed while the budget was applied; applying again', {
        budgetName,
        round,
        applied: revisionOf(current),
        now: revisionOf(after),
      });
      current = after;
      continue;
    }
    return step.kind === 'applied'
      ? finishApplied(budgetName, step, calls, found, deps, verify)
      : finishDeleted(budgetName, step.revision, found, deps, verify);
  }
  const error = new ParameterKeptChangingError(budgetName, maxRounds);
  deps.logger.error('budget not applied: its parameter kept changing', { budgetName, error });
  throw error;
}

async function applyRound(
  budgetName: string,
  current: CurrentBudgetParameter,
  deps: ApplyBudgetDeps,
  verify: boolean,
  /** The budget as read alongside the parameter (first round only), else read here. */
  prefetched: Promise<CurrentBudgetState> | undefined,
): Promise<Round> {
  if (!current.exists) return deleteRound(budgetName, deps, verify, prefetched);
  if (!current.valid) {
    const revision = current.revision ?? NO_REVISION;
    const reason = `the budget parameter in account ${deps.accountId} is unreadable: ${current.message}`;
    deps.logger.error('budget parameter unreadable; the budget is left as it is', { budgetName, revision, reason });
    await report(deps, { budgetName, revision, status: 'FAILED', message: reason });
    return { kind: 'done', outcome: { result: 'unreadable', revision, reason } };
  }

  const parameter = current.parameter;
  const { revision } = parameter;
  // After an edit, asked beside the budget's read, not after it: it is not on the edit's path.
  // The hourly check asks only when it reports (a budget in sync sends no report).
  const guardianIdle = once(() => isGuardianIdle(budgetName, parameter, deps));
  if (!verify) void guardianIdle();
  const step = await withFailureReport(deps, budgetName, revision, {}, async (): Promise<Round> => {
    const desired = desiredBudget(parameter, { alertTopicArn: deps.alertTopicArn });
    desired.tags.push({ Key: APPLIED_REVISION_TAG_KEY, Value: revision });
    const notifications = desired.notifications.map((entry) => entry.Notification);
    deps.notificationHints?.set(budgetName, notifications);
    const state = await (prefetched ?? deps.budgets.readBudget(budgetName, { notifications }));
    const plan = planBudgetReconciliation(desired, state);
    if (plan.action === 'refuse') {
      deps.logger.warn('budget not managed by org-budgets; left alone', { budgetName, revision, reason: plan.reason });
      return { kind: 'done', outcome: { result: 'refused', revision, reason: plan.reason } };
    }
    const drift = plan.calls.length > 0 ? describeBudgetDrift(desired, state) : [];
    if (verify && plan.calls.length > 0) {
      deps.logger.warn('budget differs from its parameter; restoring it', { budgetName, revision, drift });
    }
    const tagged = appliedRevisionOf(state);
    // The revision tag goes alongside the changes, not after them (one round trip less on the
    // edit's path): it is a hint (docs/convergence.md), and a failed change fails the round,
    // which is reported and retried. A new budget is created with it.
    const retag = plan.calls[0]?.operation !== 'CreateBudget' && (plan.calls.length > 0 || tagged !== revision);
    if (plan.calls.length === 0 && retag) deps.logger.info('revision tag corrected', { budgetName, revision, tagged });
    await allSettledOrThrow([
      ...(plan.calls.length > 0 ? [deps.budgets.applyPlan(plan)] : []),
      ...(retag ? [deps.budgets.recordAppliedRevision(budgetName, revision)] : []),
    ]);
    return { kind: 'applied', parameter, calls: plan.calls.map(describeBudgetCall), drift, guardianIdle };
  });
  if (step.kind === 'done' && step.outcome.result === 'refused') {
    await report(deps, { budgetName, revision, status: 'FAILED', message: step.outcome.reason });
  }
  return step;
}

async function deleteRound(
  budgetName: string,
  deps: ApplyBudgetDeps,
  verify: boolean,
  prefetched: Promise<CurrentBudgetState> | undefined,
): Promise<Round> {
  let revision = NO_REVISION;
  return withFailureReport(
    deps,
    budgetName,
    () => revision,
    { deletion: true },
    async () => {
      const state = await (prefetched ?? deps.budgets.readBudget(budgetName));
      revision = appliedRevisionOf(state) ?? NO_REVISION;
      const plan = planBudgetDeletion(state);
      if (plan.action === 'refuse') {
        deps.logger.warn('no parameter, and the budget of that name is not managed; left alone', { budgetName });
        return { kind: 'done', outcome: { result: 'refused', reason: plan.reason } };
      }
      if (plan.calls.length === 0) {
        deps.logger.info('parameter and budget both absent', { budgetName });
        return { kind: 'done', outcome: { result: 'absent' } };
      }
      if (verify) deps.logger.warn('managed budget without a parameter; deleting it', { budgetName, revision });
      await deps.budgets.applyPlan(plan);
      return { kind: 'deleted', revision, drift: [`${describeExisting(state)} had no parameter, deleted`] };
    },
  );
}

/**
 * Runs the Budgets part of a round; a failure is reported FAILED (best effort; `deletion`: as the
 * outcome of a deletion) and rethrown.
 */
async function withFailureReport(
  deps: ApplyBudgetDeps,
  budgetName: string,
  revision: string | (() => string),
  kind: { deletion?: true },
  run: () => Promise<Round>,
): Promise<Round> {
  try {
    return await run();
  } catch (error) {
    const at = typeof revision === 'function' ? revision() : revision;
    deps.logger.error('budget could not be applied', { budgetName, revision: at, error });
    await report(deps, {
      budgetName,
      revision: at,
      status: 'FAILED',
      message: kind.deletion
        ? `could not delete the budget in account ${deps.accountId}: ${describeError(error)}`
        : `could not apply the budget in account ${deps.accountId}: ${describeError(error)}`,
      ...kind,
    }).catch((reportError: unknown) =>
      deps.logger.error('could not report the failure to the hub', { budgetName, revision: at, error: reportError }),
    );
    throw error;
  }
}

/**
 * True only when the parameter's guardian is off and the guardian is known to hold no state for
 * the budget; a failed question is logged and answers false (enforce-spend then runs).
 */
async function isGuardianIdle(budgetName: string, parameter: BudgetParameter, deps: ApplyBudgetDeps): Promise<boolean> {
  if (parameter.guardian.mode !== 'off' || !deps.guardianHoldsState) return false;
  try {
    return !(await deps.guardianHoldsState(budgetName));
  } catch (error) {
    deps.logger.warn('could not tell whether the cost guardian holds state; enforce-spend will run', {
      budgetName,
      error,
    });
    return false;
  }
}

async function finishApplied(
  budgetName: string,
  step: Extract<Round, { kind: 'applied' }>,
  calls: string[],
  found: string[],
  deps: ApplyBudgetDeps,
  verify: boolean,
): Promise<ApplyOutcome> {
  const { parameter } = step;
  const { revision } = parameter;
  if (calls.length === 0 && verify) {
    await sendSpend(parameter, deps, verify);
    return { result: 'in-sync', revision };
  }
  const idle = (await step.guardianIdle()) ? { guardianIdle: true as const } : {};
  if (calls.length === 0) {
    // A repeated event, or an edit the budget already matched: reported in case a report was lost.
    deps.logger.info('budget already matches its parameter', { budgetName, revision });
    await report(deps, {
      budgetName,
      revision,
      status: 'APPLIED',
      message: describeApplied(parameter, 'already applied'),
      ...idle,
    });
    await sendSpend(parameter, deps, verify);
    return { result: 'already-applied', revision };
  }
  const repaired = verify ? repairedNote(found) : undefined;
  deps.logger.info(verify ? 'budget restored' : 'budget applied', { budgetName, revision, calls, repaired });
  await report(deps, {
    budgetName,
    revision,
    status: 'APPLIED',
    message: describeApplied(parameter, verify ? `restored, ${calls.length} change(s)` : `${calls.length} change(s)`),
    ...(repaired ? { repaired } : {}),
    ...idle,
  });
  await sendSpend(parameter, deps, verify);
  return { result: 'applied', revision, calls, ...(repaired ? { repaired } : {}) };
}

/**
 * Reports the budget's spend after its status. After an apply a failure is logged only (the
 * budget is applied; the hourly check reports again); in the scheduled check it fails the budget's
 * check, so that the run ends in the dead-letter queue (an alarm) rather than go stale unseen.
 */
async function sendSpend(parameter: BudgetParameter, deps: ApplyBudgetDeps, verify: boolean): Promise<void> {
  if (!deps.reportSpend) return;
  const { budgetName, revision } = parameter;
  try {
    await deps.reportSpend(budgetName, revision, { guardianOn: parameter.guardian.mode !== 'off' });
  } catch (error) {
    deps.logger.error('could not report the budget’s spend to the hub', { budgetName, revision, error });
    if (verify) throw error;
  }
}

async function finishDeleted(
  budgetName: string,
  revision: string,
  found: string[],
  deps: ApplyBudgetDeps,
  verify: boolean,
): Promise<ApplyOutcome> {
  const repaired = verify ? repairedNote(found) : undefined;
  deps.logger.info('managed budget deleted', { budgetName, revision, repaired });
  await report(deps, {
    budgetName,
    revision,
    status: 'DELETED',
    deletion: true,
    message: `budget ${budgetName} deleted in account ${deps.accountId}: its parameter is gone`,
    ...(repaired ? { repaired } : {}),
  });
  return { result: 'deleted', revision, ...(repaired ? { repaired } : {}) };
}

/** `ask` started at the first call; every call gets the same answer. */
function once<T>(ask: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | undefined;
  return () => (answer ??= ask());
}

/** Waits for every call to end, then throws the first failure (none left running behind a report). */
async function allSettledOrThrow(calls: Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

function repairedNote(found: string[]): string {
  const text = [...new Set(found)].join('; ') || 'the budget differed from its parameter';
  return text.length > MAX_REPAIRED ? `${text.slice(0, MAX_REPAIRED - 1)}…` : text;
}

function describeExisting(state: CurrentBudgetState): string {
  if (!state.exists) return 'the budget';
  const limit = state.budget.BudgetLimit;
  const amount = limit ? `${displayBudgetAmount(limit.Amount)} ${limit.Unit} ` : '';
  return `the managed budget (${amount}${state.budget.TimeUnit.toLowerCase()})`;
}

function describeApplied(parameter: BudgetParameter, what: string): string {
  const notifications = parameter.alertAt.length + parameter.forecastAlertAt.length;
  return (
    `budget ${parameter.amount} ${parameter.currency} ${parameter.period.toLowerCase()} applied (${what}); ` +
    `${notifications} alert(s) to ${parameter.emails.length} email(s) and the account's alert topic`
  );
}

/** Same document (any revision or content change counts), same absence, same unreadable text. */
function sameParameter(a: CurrentBudgetParameter, b: CurrentBudgetParameter): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

function revisionOf(current: CurrentBudgetParameter): string {
  if (!current.exists) return '(deleted)';
  return current.valid ? current.parameter.revision : (current.revision ?? '(unreadable)');
}

async function report(
  deps: ApplyBudgetDeps,
  detail: Pick<
    SpokeStatusDetail,
    'budgetName' | 'revision' | 'status' | 'message' | 'repaired' | 'deletion' | 'guardianIdle'
  >,
): Promise<void> {
  await deps.sendStatus({
    accountId: deps.accountId,
    ...detail,
    message: detail.message.slice(0, MAX_MESSAGE),
    at: deps.now().toISOString(),
  });
}
