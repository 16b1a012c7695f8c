import type { Logger } from '@org-budgets/aws';
import type { CurrentBudgetParameter } from '@org-budgets/aws';
import type { BudgetParameter } from '@org-budgets/contracts';
import {
  accruedSince,
  decideGuardianActions,
  estimateSpend,
  levelFor,
  resolveGuardedQueues,
  stateAfterActions,
  trackedWindowStart,
  type Decision,
  type GuardianAction,
  type GuardianNotice,
  type JobQueueView,
  type PriceBook,
} from '@org-budgets/guardian';
import type { BatchQueues } from '../../guardian/batch-queues';
import {
  StateWriteConflictError,
  type GuardianLedger,
  type GuardianRunRecord,
  type SpendSeen,
} from '../../guardian/ledger-table';

/** What starts a run: the schedule (every budget of the account) or one budget just applied. */
export type EnforceTrigger = { kind: 'schedule' } | { kind: 'applied'; budgetName: string };

export interface EnforceSpendDeps {
  accountId: string;
  readBudget(budgetName: string): Promise<CurrentBudgetParameter>;
  /** Every budget parameter of the account, by budget name. */
  listBudgets(): Promise<Map<string, CurrentBudgetParameter>>;
  /** AWS Budgets' actual spend of a budget and when AWS last updated it. */
  readSpend(budgetName: string): Promise<{ actual: number; lastUpdated: Date | undefined }>;
  ledger: GuardianLedger;
  batch: BatchQueues;
  /** Sends one notice to the budget's emails (the spoke's guardian topic). */
  publishNotice(notice: GuardianNotice, budget: BudgetParameter): Promise<void>;
  /** Makes sure every address has its subscription to the guardian topic. */
  subscribeEmails(emails: readonly string[]): Promise<void>;
  prices: PriceBook;
  now(): Date;
  runId: string;
  /** TerminateJob calls at once. */
  terminateConcurrency: number;
  logger: Logger;
}

export interface BudgetRunSummary {
  budgetName: string;
  result: 'off' | 'checked' | 'acted' | 'released' | 'failed';
  level?: string;
  percentOfBudget?: number;
  actions?: number;
  failedActions?: number;
  notices?: number;
  error?: string;
}

export class EnforceSpendFailedError extends Error {
  override readonly name = 'EnforceSpendFailedError';
  constructor(readonly summaries: BudgetRunSummary[]) {
    const failed = summaries.filter((s) => s.result === 'failed' || (s.failedActions ?? 0) > 0);
    super(
      `the cost guardian failed for ${failed.length} budget(s): ${failed
        .map((s) => `${s.budgetName}: ${s.error ?? `${s.failedActions} action(s) failed`}`)
        .join('; ')}`,
    );
  }
}

/** Attempts at one budget's decision when overlapping runs keep changing its state. */
const MAX_DECISION_ATTEMPTS = 4;

/**
 * One run of the cost guardian. For each budget (the one applied, or every budget of the account
 * and every budget the guardian still holds queues for): estimate the spend, decide, claim the
 * decision with a conditional write of the guardian state (a run that loses the race decides
 * again from the winner's state, so two runs never both act), act, record the run in the ledger,
 * and send the notices. A budget that fails does not stop the others; the run then fails, naming
 * each failure, so that retries, the dead-letter queue and its alarm make it visible.
 */
export async function enforceSpend(trigger: EnforceTrigger, deps: EnforceSpendDeps): Promise<BudgetRunSummary[]> {
  const parameters =
    trigger.kind === 'applied'
      ? new Map([[trigger.budgetName, await deps.readBudget(trigger.budgetName)]])
      : await deps.listBudgets();
  const names =
    trigger.kind === 'applied'
      ? [trigger.budgetName]
      : [...new Set([...parameters.keys(), ...(await deps.ledger.budgetsWithState())])].sort();
  const summaries: BudgetRunSummary[] = [];
  for (const budgetName of names) {
    try {
      const current = parameters.get(budgetName) ?? { exists: false };
      summaries.push(await guardBudget(budgetName, current, trigger, deps));
    } catch (error) {
      deps.logger.error('the guardian could not check this budget', { budgetName, error });
      summaries.push({ budgetName, result: 'failed', error: (error as Error).message });
    }
  }
  if (summaries.some((s) => s.result === 'failed' || (s.failedActions ?? 0) > 0)) {
    throw new EnforceSpendFailedError(summaries);
  }
  return summaries;
}

async function guardBudget(
  budgetName: string,
  current: CurrentBudgetParameter,
  trigger: EnforceTrigger,
  deps: EnforceSpendDeps,
): Promise<BudgetRunSummary> {
  if (!current.exists || !current.valid || current.parameter.guardian.mode === 'off') {
    const why = !current.exists ? 'budget deleted' : !current.valid ? 'parameter unreadable' : 'guardian turned off';
    return releaseAll(budgetName, why, deps);
  }
  const budget = current.parameter;
  if (trigger.kind === 'applied' && budget.emails.length > 0) await deps.subscribeEmails(budget.emails);

  const spend = await deps.readSpend(budgetName);
  const now = deps.now();
  let stored = await deps.ledger.getState(budgetName);
  const spendSeen = effectiveSpendRefresh(spend, stored?.spendSeen);
  const actualSpend = { amount: spend.actual, lastUpdated: new Date(spendSeen.refreshedAt) };
  const since = trackedWindowStart(budget.period, actualSpend.lastUpdated, now);
  const jobs = await deps.ledger.jobsActiveSince(since, now);
  const batchCostAccruedSince = (from: Date) => accruedSince(jobs, from, now, deps.prices);
  // Listing every active job costs calls: only when the estimate is at the termination level.
  const estimate = estimateSpend({ budget, actualSpend, batchCostAccruedSince, now });
  const terminating = levelFor(estimate.percentOfBudget, budget.guardian) === 'TERMINATE';

  for (let attempt = 1; ; attempt++) {
    // Read after the state: a run that claimed the state before us has changed the queues first.
    const tagged = queuesTheGuardianMayChange(budget, await deps.batch.listQueues(), deps, attempt === 1);
    const guardedNames = resolveGuardedQueues(budget.guardian, tagged).guarded.map((q) => q.name);
    const activeJobs = terminating && guardedNames.length > 0 ? await deps.batch.listActiveJobs(guardedNames) : [];
    const decision = decideGuardianActions({
      budget,
      actualSpend,
      batchCostAccruedSince,
      state: stored?.state,
      queues: tagged,
      activeJobs,
      now,
    });
    const performs = decision.actions.length + decision.wouldActions.length + decision.notices.length > 0;
    const spendChanged = JSON.stringify(stored?.spendSeen) !== JSON.stringify(spendSeen);
    const checkedOnly = !decision.stateChanged && !performs;
    if (checkedOnly && !(spendChanged && stored)) {
      deps.logger.info('guardian checked the budget', summaryFields(decision, budgetName));
      return summary(budgetName, 'checked', decision, 0);
    }
    let version: number;
    try {
      version = await deps.ledger.saveState(budgetName, decision.nextState, stored?.version, spendSeen);
      if (checkedOnly) {
        deps.logger.info(
          'guardian checked the budget (new AWS Budgets spend noted)',
          summaryFields(decision, budgetName),
        );
        return summary(budgetName, 'checked', decision, 0);
      }
    } catch (error) {
      if (!(error instanceof StateWriteConflictError) || attempt >= MAX_DECISION_ATTEMPTS) throw error;
      deps.logger.info('another run changed the guardian state meanwhile; deciding again', { budgetName, attempt });
      stored = await deps.ledger.getState(budgetName);
      continue;
    }
    return act(budgetName, budget, decision, version, spendSeen, deps);
  }
}

/** The decision is ours (its state is saved): perform it, then record and notify. */
async function act(
  budgetName: string,
  budget: BudgetParameter,
  decision: Decision,
  version: number,
  spendSeen: SpendSeen,
  deps: EnforceSpendDeps,
): Promise<BudgetRunSummary> {
  const outcomes = await perform(decision.actions, deps);
  const failed = outcomes.filter((o) => o.error !== undefined).map((o) => o.action);
  if (failed.length > 0) {
    // Remember only what happened: a queue not disabled is not held, a job not terminated is asked again.
    await deps.ledger.saveState(budgetName, stateAfterActions(decision, failed), version, spendSeen);
  }
  const run: GuardianRunRecord = {
    budgetName,
    runId: deps.runId,
    at: deps.now(),
    mode: decision.mode,
    level: decision.level,
    estimate: { ...decision.estimate },
    actions: [
      ...outcomes.map((o) => ({
        type: o.action.type,
        target: targetOf(o.action),
        outcome: o.error === undefined ? ('DONE' as const) : ('FAILED' as const),
        ...(o.error === undefined ? {} : { error: o.error }),
      })),
      ...decision.wouldActions.map((a) => ({ type: a.type, target: targetOf(a), outcome: 'WOULD' as const })),
    ],
    notices: decision.notices.map((n) => n.key),
  };
  await deps.ledger.recordRun(run);
  for (const notice of decision.notices) {
    await deps.publishNotice(notice, budget);
  }
  const fields = {
    ...summaryFields(decision, budgetName),
    actions: outcomes.length,
    failedActions: failed.length,
    wouldActions: decision.wouldActions.length,
    notices: decision.notices.map((n) => n.kind),
  };
  if (failed.length > 0) {
    deps.logger.error('some guardian actions failed', {
      ...fields,
      failures: outcomes
        .filter((o) => o.error)
        .slice(0, 20)
        .map((o) => ({ target: targetOf(o.action), error: o.error })),
    });
  } else {
    deps.logger.info('guardian acted', fields);
  }
  return { ...summary(budgetName, 'acted', decision, outcomes.length), failedActions: failed.length };
}

interface ActionOutcome {
  action: GuardianAction;
  error?: string;
}

/** Queue changes first, one at a time; then terminations, `terminateConcurrency` at once. */
async function perform(actions: readonly GuardianAction[], deps: EnforceSpendDeps): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  const run = async (action: GuardianAction): Promise<ActionOutcome> => {
    try {
      if (action.type === 'DISABLE_QUEUE') await deps.batch.setQueueState(action.queueArn, 'DISABLED');
      else if (action.type === 'ENABLE_QUEUE') await deps.batch.setQueueState(action.queueArn, 'ENABLED');
      else await deps.batch.terminateJob(action.jobId, action.reason);
      return { action };
    } catch (error) {
      return { action, error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  };
  for (const action of actions.filter((a) => a.type !== 'TERMINATE_JOB')) outcomes.push(await run(action));
  const terminations = actions.filter((a) => a.type === 'TERMINATE_JOB');
  let next = 0;
  const worker = async () => {
    while (next < terminations.length) outcomes.push(await run(terminations[next++] as GuardianAction));
  };
  await Promise.all(Array.from({ length: Math.min(deps.terminateConcurrency, terminations.length) }, worker));
  return outcomes;
}

/**
 * The budget is gone, unreadable or its guardian turned off: give back the queues the guardian
 * disabled for it (if they are still disabled) and forget its state.
 */
async function releaseAll(budgetName: string, why: string, deps: EnforceSpendDeps): Promise<BudgetRunSummary> {
  const stored = await deps.ledger.getState(budgetName);
  if (!stored) return { budgetName, result: 'off' };
  const held = stored.state.heldQueues.filter((h) => !h.dryRun);
  const queues = held.length > 0 ? await deps.batch.listQueues() : [];
  const toEnable = held.flatMap((h) => {
    const queue = queues.find((q) => q.name === h.name);
    return queue && queue.state === 'DISABLED'
      ? [{ type: 'ENABLE_QUEUE' as const, queueName: queue.name, queueArn: queue.arn }]
      : [];
  });
  const outcomes = await perform(toEnable, deps);
  const failed = outcomes.filter((o) => o.error !== undefined);
  await deps.ledger.recordRun({
    budgetName,
    runId: deps.runId,
    at: deps.now(),
    mode: 'off',
    level: 'RELEASE',
    estimate: { reason: why },
    actions: outcomes.map((o) => ({
      type: o.action.type,
      target: targetOf(o.action),
      outcome: o.error === undefined ? ('DONE' as const) : ('FAILED' as const),
      ...(o.error === undefined ? {} : { error: o.error }),
    })),
    notices: [],
  });
  if (failed.length === 0) await deps.ledger.deleteState(budgetName, stored.version);
  deps.logger.info(`${why}: the guardian gave back the queues it had disabled`, {
    budgetName,
    reenabled: outcomes.filter((o) => !o.error).map((o) => targetOf(o.action)),
    failed: failed.map((o) => ({ target: targetOf(o.action), error: o.error })),
  });
  return { budgetName, result: 'released', actions: outcomes.length, failedActions: failed.length };
}

/**
 * The queues the guardian may change: its IAM policy allows UpdateJobQueue only on queues tagged
 * org-budgets:guard=true, so a queue named in `guardian.jobQueues` without the tag is left out
 * (and reported).
 */
function queuesTheGuardianMayChange(
  budget: BudgetParameter,
  queues: JobQueueView[],
  deps: Pick<EnforceSpendDeps, 'logger'>,
  report: boolean,
): JobQueueView[] {
  const named = budget.guardian.jobQueues;
  if (named !== undefined && report) {
    const untagged = queues.filter((q) => named.includes(q.name) && !q.guardTagged).map((q) => q.name);
    if (untagged.length > 0) {
      deps.logger.warn(
        'queues named in guardian.jobQueues lack the tag org-budgets:guard=true; the guardian may not change them',
        { budgetName: budget.budgetName, queues: untagged },
      );
    }
  }
  return queues.filter((q) => q.guardTagged);
}

function targetOf(action: GuardianAction): string {
  return action.type === 'TERMINATE_JOB' ? action.jobId : action.queueName;
}

function summaryFields(decision: Decision, budgetName: string) {
  const e = decision.estimate;
  return {
    budgetName,
    mode: decision.mode,
    level: decision.level,
    percentOfBudget: Math.round(e.percentOfBudget * 100) / 100,
    estimate: e.total,
    actualSpend: e.actualSpendCounted,
    trackedBatchCost: e.trackedBatchCost,
    trackedSince: e.trackedSince,
    guardedQueues: decision.guardedQueues,
    unknownQueues: decision.unknownQueues,
  };
}

function summary(
  budgetName: string,
  result: BudgetRunSummary['result'],
  decision: Decision,
  actions: number,
): BudgetRunSummary {
  return {
    budgetName,
    result,
    level: decision.level,
    percentOfBudget: decision.estimate.percentOfBudget,
    actions,
    notices: decision.notices.length,
  };
}

/**
 * When AWS Budgets' actual spend was last refreshed, as the estimate must count it. AWS moves a
 * budget's LastUpdatedTime when the budget itself is changed too (finance raising the amount), not
 * only when new spend arrives; taking that as a refresh would drop the tracked Batch cost since the
 * real refresh. So a new LastUpdatedTime with the same actual spend keeps the refresh time seen
 * before (at worst counting some Batch cost twice: over, never under). An unknown time counts every
 * tracked job of the period.
 */
export function effectiveSpendRefresh(
  spend: { actual: number; lastUpdated: Date | undefined },
  seen: SpendSeen | undefined,
): SpendSeen {
  const reported = (spend.lastUpdated ?? new Date(0)).toISOString();
  if (seen && seen.actual === spend.actual && seen.refreshedAt < reported) return seen;
  return { actual: spend.actual, refreshedAt: reported };
}
