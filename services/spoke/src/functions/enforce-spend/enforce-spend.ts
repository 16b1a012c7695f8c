import type { Logger } from '@org-budgets/aws';
import {
  StateWriteConflictError,
  type BatchQueues,
  type BudgetSpend,
  type CurrentBudgetParameter,
  type GuardianChecks,
  type GuardianLedger,
  type GuardianWatches,
  type StateExtras,
} from '@org-budgets/aws';
import { BUDGET_PERIODS, GUARDIAN_CURRENCY, type BudgetParameter } from '@org-budgets/contracts';
import {
  advanceTotals,
  applyObservation,
  BATCH_EVENT_SOURCE,
  BATCH_JOB_STATE_CHANGE,
  countedSpendOf,
  countedFinishedIds,
  coverageOf,
  finishedReadFrom,
  pendingFinished,
  isTerminalStatus,
  rememberSpend,
  reportedPeriodBounds,
  spendDefinitionKey,
  trackedCost,
  nextCrossing,
  runningRateOf,
  type BudgetWatch,
  type FinishedJob,
  type TrackedTotals,
  parseBatchJobEvent,
  renderNotice,
  type JobRecord,
  type NoticeContent,
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
import {
  EnforceSpendFailedError,
  GuardianBusyError,
  GuardianCurrencyError,
  GuardianParameterUnreadableError,
} from './errors';

/**
 * What starts a run: the schedule (every budget of the account), one budget just applied, or
 * checks asked for between scheduled runs (a job started near a threshold, or the moment the
 * running jobs are expected to cross it).
 */
export type EnforceTrigger =
  { kind: 'schedule' } | { kind: 'applied'; budgetName: string } | { kind: 'check'; budgetNames: string[] };

export interface EnforceSpendDeps {
  accountId: string;
  region: string;
  readBudget(budgetName: string): Promise<CurrentBudgetParameter>;
  /** Every budget parameter of the account, by budget name. */
  listBudgets(): Promise<Map<string, CurrentBudgetParameter>>;
  /** AWS Budgets' actual spend of a budget, and what it is computed for (DescribeBudget). */
  readSpend(
    budgetName: string,
  ): Promise<Pick<BudgetSpend, 'actual' | 'lastUpdated' | 'timeUnit' | 'timePeriod' | 'definition'>>;
  ledger: GuardianLedger;
  /** Where each run leaves its watch of a budget (see watch.ts in @org-budgets/guardian). */
  watches: Pick<GuardianWatches, 'save' | 'remove'>;
  /** Asks for a check of a budget later (an invocation of enforce-spend, or a one-time schedule). */
  checks: GuardianChecks;
  /** The schedule's interval: a follow-up check is asked for when a crossing comes sooner. */
  scheduleMs: number;
  batch: BatchQueues;
  /** Sends one notice to the budget's emails (the spoke's guardian topic). */
  publishNotice(notice: NoticeMessage, to: NoticeRecipients): Promise<void>;
  /** Makes sure every address has its subscription to the guardian topic. */
  subscribeEmails(emails: readonly string[]): Promise<void>;
  prices: PriceBook;
  now(): Date;
  runId: string;
  /** TerminateJob calls at once. */
  terminateConcurrency: number;
  /** How far AWS Budgets' figure trails usage: tracked cost is counted from this long before its refresh. */
  billingDataLagMs: number;
  /** How long a run holds a budget while it acts (longer than the function's timeout). */
  leaseMs: number;
  /** How long a run waits for another run's lease before it gives up (and is retried). */
  leaseWaitMs: number;
  sleep(ms: number): Promise<void>;
  logger: Logger;
}

/** What a notice says. */
export type NoticeMessage = Pick<GuardianNotice, 'kind' | 'subject' | 'body'>;
/** Whom a notice is for: the budget's emails (each address's subscription filters on them). */
export interface NoticeRecipients {
  budgetName: string;
  emails: readonly string[];
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
  /** A follow-up check was asked for in this many seconds. */
  followUpInSeconds?: number;
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
  const named =
    trigger.kind === 'applied'
      ? [trigger.budgetName]
      : trigger.kind === 'check'
        ? [...new Set(trigger.budgetNames)]
        : [];
  const parameters =
    trigger.kind === 'schedule'
      ? await deps.listBudgets()
      : new Map(await Promise.all(named.map(async (name) => [name, await deps.readBudget(name)] as const)));
  const names =
    trigger.kind === 'schedule'
      ? [...new Set([...parameters.keys(), ...(await deps.ledger.budgetsWithState())])].sort()
      : named.sort();
  const summaries: BudgetRunSummary[] = [];
  const run = runReads(deps);
  for (const budgetName of names) {
    try {
      const current = parameters.get(budgetName) ?? { exists: false };
      // After an apply: the budget's emails get their subscriptions (a failure is reported, the check goes on).
      let subscriptionError: string | undefined;
      if (trigger.kind === 'applied' && current.exists && current.valid) {
        const { guardian, emails } = current.parameter;
        if (guardian.mode !== 'off' && emails.length > 0) {
          subscriptionError = await deps.subscribeEmails(emails).then(
            () => undefined,
            (error: unknown) => `notice subscriptions: ${(error as Error).message}`,
          );
        }
      }
      const result = await guardBudget(budgetName, current, deps, run);
      summaries.push(
        subscriptionError === undefined
          ? result
          : {
              ...result,
              failedActions: (result.failedActions ?? 0) + 1,
              error: [result.error, subscriptionError].filter(Boolean).join('; '),
            },
      );
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
  listed: CurrentBudgetParameter,
  deps: EnforceSpendDeps,
  run: RunReads,
): Promise<BudgetRunSummary> {
  let current = listed;
  const waitUntil = deps.now().getTime() + deps.leaseWaitMs;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) current = await deps.readBudget(budgetName); // re-read everything after a conflict
    // Only an explicit deletion or `mode: off` lets go of what the guardian holds.
    if (!current.exists) return releaseAll(budgetName, 'budget deleted', undefined, deps);
    if (!current.valid) throw new GuardianParameterUnreadableError(budgetName, current.message);
    if (current.parameter.guardian.mode === 'off') {
      return releaseAll(budgetName, 'guardian turned off', current.parameter.emails, deps);
    }
    const budget = current.parameter;
    if (budget.currency !== GUARDIAN_CURRENCY) throw new GuardianCurrencyError(budgetName, budget.currency);

    const stored = await deps.ledger.getState(budgetName);
    const now = deps.now();
    if (stored?.lease && stored.lease.until > now.getTime() && stored.lease.owner !== deps.runId) {
      // Another run is acting on this budget: wait for it, then decide from what it did.
      if (now.getTime() >= waitUntil) throw new GuardianBusyError(budgetName, stored.lease.owner);
      await deps.sleep(Math.min(2_000, waitUntil - now.getTime()));
      continue;
    }
    const spend = await deps.readSpend(budgetName);
    if (spend.definition.unit !== GUARDIAN_CURRENCY) throw new GuardianCurrencyError(budgetName, spend.definition.unit);
    const period = reportedPeriodBounds(periodOf(spend.timeUnit, budget.period), now, spend.timePeriod);
    // The AWS figure that counts, tied to the budget's definition and period (see rememberSpend).
    const spendMemory = rememberSpend(
      { actual: spend.actual, lastUpdated: spend.lastUpdated, definition: spendDefinitionKey(spend.definition) },
      stored?.spend,
      period.start,
      now,
    );
    const actualSpend = countedSpendOf(spendMemory);
    const lag = { billingDataLagMs: deps.billingDataLagMs };
    const windowStart = trackedWindowStart(period.start, actualSpend.refreshedAfter, now, deps.billingDataLagMs);
    // Only the jobs this budget covers; finished ones through running totals, so that the reads
    // of a run do not grow with the window's age.
    const coverage = coverageOf(budget);
    // Active jobs first: a job that finishes between the two reads is then in one or both, never in neither.
    const active = await run.activeJobs(now);
    const { jobs: finished, readAt } = await run.finishedSince(finishedReadFrom(stored?.totals, coverage, windowStart));
    const totals = advanceTotals({
      totals: stored?.totals,
      coverage,
      windowStart,
      now,
      finished,
      readAt,
      prices: deps.prices,
    });
    const finishedIds = countedFinishedIds(finished, totals, now);
    const pending = pendingFinished(finished, now);
    const pendingIds = new Set(pending.map((job) => job.jobId));
    const tracked = trackedCost(totals, active, coverage, windowStart, now, deps.prices, finishedIds, pending);
    const batchCostAccruedSince = (from: Date) => {
      if (from.getTime() !== windowStart.getTime())
        throw new Error(`tracked window ${from.toISOString()} is not ${windowStart.toISOString()}`);
      return tracked;
    };
    // Listing every active job costs calls: only when the estimate is at the termination level.
    const estimate = estimateSpend({ budget, periodBounds: period, actualSpend, batchCostAccruedSince, now, ...lag });
    const terminating = levelFor(estimate.percentOfBudget, budget.guardian) === 'TERMINATE';
    const tagged = queuesTheGuardianMayChange(budget, await run.queues(attempt > 1), deps, attempt === 1);
    const guardedNames = resolveGuardedQueues(budget.guardian, tagged).guarded.map((q) => q.name);
    const activeJobs = terminating && guardedNames.length > 0 ? await deps.batch.listActiveJobs(guardedNames) : [];

    const decision = decideGuardianActions({
      budget,
      actualSpend,
      periodBounds: period,
      batchCostAccruedSince,
      state: stored?.state,
      queues: tagged,
      activeJobs,
      now,
      ...lag,
    });
    const performs = decision.actions.length + decision.wouldActions.length + decision.notices.length > 0;
    const extras = { spend: spendMemory, totals };
    const watch: BudgetWatch = {
      estimate: decision.estimate.total,
      at: now.toISOString(),
      level: decision.level,
      disableAt: (budget.amount * budget.guardian.disableQueuesAt) / 100,
      terminateAt: (budget.amount * budget.guardian.terminateJobsAt) / 100,
      coverage,
      // Jobs not finished by now: neither in the totals nor with a finish pending.
      runningRate: runningRateOf(
        active.filter((job) => !finishedIds.has(job.jobId) && !pendingIds.has(job.jobId)),
        coverage,
        deps.prices,
      ),
    };
    try {
      if (!performs) {
        // Nothing to do: the spend memory and the totals are saved all the same (the next run reads from here).
        await deps.ledger.saveState(budgetName, decision.nextState, stored?.version, {
          ...extras,
          recipients: budget.emails,
        });
        deps.logger.info('guardian checked the budget', summaryFields(decision, budgetName, totals));
        return await watchAndFollowUp(budgetName, watch, summary(budgetName, 'checked', decision, 0), deps);
      }
      // Claim the decision and hold the budget while acting: no other run decides meanwhile.
      const lease = { owner: deps.runId, until: now.getTime() + deps.leaseMs };
      const version = await deps.ledger.saveState(budgetName, decision.nextState, stored?.version, {
        ...extras,
        lease,
      });
      const acted = await act(budgetName, budget, decision, version, extras, deps);
      return await watchAndFollowUp(budgetName, watch, acted, deps);
    } catch (error) {
      if (!(error instanceof StateWriteConflictError) || attempt >= MAX_DECISION_ATTEMPTS) throw error;
      deps.logger.info('another run changed the guardian state meanwhile; deciding again', { budgetName, attempt });
    }
  }
}

/**
 * Leaves the budget's watch for the tracker, and asks for a follow-up check at the moment the
 * running jobs are expected to cross the next threshold, when that comes before the next
 * scheduled run (a second early, so that the check finds it crossed). A failure here fails the
 * run (retries, dead-letter queue, alarm): without the watch the guardian reacts only on schedule.
 */
async function watchAndFollowUp(
  budgetName: string,
  watch: BudgetWatch,
  result: BudgetRunSummary,
  deps: EnforceSpendDeps,
): Promise<BudgetRunSummary> {
  try {
    await deps.watches.save(budgetName, watch);
    const crossing = nextCrossing(watch);
    const inMs = crossing === undefined ? undefined : crossing.getTime() - Date.parse(watch.at);
    if (inMs !== undefined && inMs < deps.scheduleMs) {
      const delaySeconds = Math.max(1, Math.ceil(inMs / 1000) + 1);
      await deps.checks.request(
        budgetName,
        delaySeconds,
        `running jobs expected to cross the next threshold at ${crossing!.toISOString()}`,
      );
      deps.logger.info('follow-up check asked for', { budgetName, delaySeconds, crossing: crossing!.toISOString() });
      return { ...result, followUpInSeconds: delaySeconds };
    }
    return result;
  } catch (error) {
    deps.logger.error('could not leave the watch or ask for a follow-up check', { budgetName, error });
    return {
      ...result,
      failedActions: (result.failedActions ?? 0) + 1,
      error: [result.error, `watch/follow-up: ${(error as Error).name}: ${(error as Error).message}`]
        .filter(Boolean)
        .join('; '),
    };
  }
}

/** AWS's TimeUnit when it is one the guardian knows, else the parameter's period. */
function periodOf(timeUnit: string, fallback: BudgetParameter['period']): BudgetParameter['period'] {
  return (BUDGET_PERIODS as readonly string[]).includes(timeUnit) ? (timeUnit as BudgetParameter['period']) : fallback;
}

/**
 * What a run reads once for all its budgets: the job queues, the active jobs (stale ones looked
 * up), and finished jobs by the time their finish was recorded (one read per distinct start).
 */
export interface RunReads {
  /** `fresh`: read again (after a conflict, another run may have changed them). */
  queues(fresh?: boolean): Promise<JobQueueView[]>;
  activeJobs(now: Date): Promise<JobRecord[]>;
  /** `readAt`: when the read began (see AdvanceTotalsInput.readAt). */
  finishedSince(since: Date): Promise<{ jobs: FinishedJob[]; readAt: number }>;
}

export function runReads(deps: EnforceSpendDeps): RunReads {
  let queues: Promise<JobQueueView[]> | undefined;
  let active: Promise<JobRecord[]> | undefined;
  const finished = new Map<number, Promise<{ jobs: FinishedJob[]; readAt: number }>>();
  return {
    queues(fresh = false) {
      if (fresh || !queues) queues = deps.batch.listQueues();
      return queues;
    },
    activeJobs: (now) => (active ??= deps.ledger.activeJobs().then((jobs) => refreshStaleJobs(jobs, now, deps))),
    finishedSince(since) {
      const key = since.getTime();
      let read = finished.get(key);
      if (!read) {
        const readAt = deps.now();
        read = deps.ledger.jobsFinishedSince(since, readAt).then((jobs) => ({ jobs, readAt: readAt.getTime() }));
        finished.set(key, read);
      }
      return read;
    },
  };
}

/** The decision is ours (its state is saved, the budget leased): perform it, notify, record, release. */
async function act(
  budgetName: string,
  budget: BudgetParameter,
  decision: Decision,
  version: number,
  extras: Pick<StateExtras, 'spend' | 'totals'>,
  deps: EnforceSpendDeps,
): Promise<BudgetRunSummary> {
  const outcomes = await perform(decision.actions, deps);
  const failed = outcomes.filter((o) => o.error !== undefined).map((o) => o.action);
  const notices = decision.dryRun ? decision.notices : noticesOfWhatHappened(decision.notices, outcomes);
  const noticeErrors: string[] = [];
  for (const notice of notices) {
    try {
      await deps.publishNotice(notice, budget);
    } catch (error) {
      noticeErrors.push(`${notice.kind}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  // Remember only what happened (a queue not disabled is not held, a job not terminated is asked
  // again) and give the budget back to the next run.
  await deps.ledger.saveState(budgetName, stateAfterActions(decision, failed), version, {
    ...extras,
    lease: null,
    recipients: budget.emails,
  });
  await deps.ledger.recordRun({
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
    // Kept whole, so that a notice SNS did not take is still on record.
    notices: notices.map((n) => ({
      kind: n.kind,
      subject: n.subject,
      sent: !noticeErrors.some((e) => e.startsWith(`${n.kind}:`)),
      ...(noticeErrors.some((e) => e.startsWith(`${n.kind}:`)) ? { body: n.body } : {}),
    })),
  });
  const fields = {
    ...summaryFields(decision, budgetName),
    actions: outcomes.length,
    failedActions: failed.length,
    wouldActions: decision.wouldActions.length,
    notices: notices.map((n) => n.kind),
  };
  if (failed.length > 0 || noticeErrors.length > 0) {
    deps.logger.error('some guardian actions or notices failed', {
      ...fields,
      noticeErrors,
      failures: outcomes
        .filter((o) => o.error)
        .slice(0, 20)
        .map((o) => ({ target: targetOf(o.action), error: o.error })),
    });
  } else {
    deps.logger.info('guardian acted', fields);
  }
  return {
    ...summary(budgetName, 'acted', decision, outcomes.length),
    failedActions: failed.length + noticeErrors.length,
    ...(noticeErrors.length > 0 ? { error: `notices not sent (kept in the ledger): ${noticeErrors.join('; ')}` } : {}),
  };
}

/** An unfinished job not heard of for this long is looked up (its stop event may have been lost). */
export const STALE_JOB_MS = 30 * 60_000;

/**
 * Jobs the ledger holds as unfinished but has heard nothing of for STALE_JOB_MS: asks Batch
 * (DescribeJobs) and merges what it says, as if the event had come. A job whose final event was
 * lost would otherwise be counted as running for ever. Jobs Batch no longer knows are kept (and
 * logged): counting them errs high, never low.
 */
async function refreshStaleJobs(jobs: JobRecord[], now: Date, deps: EnforceSpendDeps): Promise<JobRecord[]> {
  const stale = jobs.filter((job) => !isTerminalStatus(job.status) && now.getTime() - job.lastEventTime > STALE_JOB_MS);
  if (stale.length === 0) return jobs;
  const described = await deps.batch.describeJobs(stale.map((job) => job.jobId));
  const staleById = new Map(stale.map((job) => [job.jobId, job]));
  const fresh = new Map<string, JobRecord>();
  for (const detail of described) {
    const observation = parseBatchJobEvent({
      version: '0',
      id: `describe-jobs-${deps.runId}`,
      'detail-type': BATCH_JOB_STATE_CHANGE,
      source: BATCH_EVENT_SOURCE,
      account: deps.accountId,
      time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: deps.region,
      resources: [],
      detail,
    });
    const current = staleById.get(observation.jobId);
    const merged = applyObservation(current, { ...observation, capacity: current?.capacity ?? observation.capacity });
    if (merged) {
      await deps.ledger.recordObservation({ ...observation, capacity: current?.capacity ?? observation.capacity });
      fresh.set(merged.jobId, merged);
    }
  }
  const known = new Set(described.map((d) => d['jobId']));
  const unknown = stale.filter((job) => !known.has(job.jobId)).map((job) => job.jobId);
  if (unknown.length > 0) {
    deps.logger.warn('jobs unknown to AWS Batch are still counted as running', {
      jobs: unknown.slice(0, 20),
      count: unknown.length,
    });
  }
  deps.logger.info('looked up jobs without news', { looked: stale.length, changed: fresh.size });
  return jobs.map((job) => fresh.get(job.jobId) ?? job);
}

/**
 * The notices, told of what happened: a queue that could not be disabled or enabled, or a job
 * that could not be terminated, is left out (the run fails and says so; the next run tries
 * again), and a notice none of whose actions happened is not sent.
 */
export function noticesOfWhatHappened(
  notices: readonly GuardianNotice[],
  outcomes: readonly ActionOutcome[],
): GuardianNotice[] {
  const done = new Set(
    outcomes.filter((o) => o.error === undefined).map((o) => `${o.action.type} ${targetOf(o.action)}`),
  );
  const told: GuardianNotice[] = [];
  for (const notice of notices) {
    let content: NoticeContent;
    if (notice.kind === 'JOBS_TERMINATED') {
      content = { ...notice, jobs: notice.jobs.filter((job) => done.has(`TERMINATE_JOB ${job.jobId}`)) };
      if (content.jobs.length === 0) continue;
    } else {
      const type = notice.kind === 'QUEUES_DISABLED' ? 'DISABLE_QUEUE' : 'ENABLE_QUEUE';
      content = { ...notice, queues: notice.queues.filter((queue) => done.has(`${type} ${queue}`)) };
      if (content.queues.length === 0) continue;
    }
    told.push({ ...content, ...renderNotice(content), key: notice.key });
  }
  return told;
}

export interface ActionOutcome {
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
async function releaseAll(
  budgetName: string,
  why: string,
  emails: readonly string[] | undefined,
  deps: EnforceSpendDeps,
): Promise<BudgetRunSummary> {
  const stored = await deps.ledger.getState(budgetName);
  if (!stored) return { budgetName, result: 'off' };
  // No more checks for this budget: the tracker stops asking.
  await deps.watches.remove(budgetName);
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
  const reenabled = outcomes.filter((o) => o.error === undefined).map((o) => targetOf(o.action));
  // Say so, to the budget's emails (a deleted budget's, as the guardian last saw them).
  const to = { budgetName, emails: emails ?? stored.recipients ?? [] };
  let noticeError: string | undefined;
  const notice: NoticeMessage | undefined =
    reenabled.length === 0
      ? undefined
      : {
          kind: 'QUEUES_REENABLED',
          subject: `[org-budgets] ${deps.accountId}/${budgetName}: AWS Batch job queues re-enabled (${why})`,
          body: [
            `The cost guardian re-enabled the AWS Batch job queues it had disabled for budget ${budgetName}`,
            `in account ${deps.accountId}: ${why}, so it no longer guards them. They accept new jobs again:`,
            '',
            ...reenabled.map((name) => `  - ${name}`),
            '',
            'Jobs it terminated are not restarted: submit them again.',
          ].join('\n'),
        };
  if (notice) {
    try {
      await deps.publishNotice(notice, to);
    } catch (error) {
      noticeError = `${(error as Error).name}: ${(error as Error).message}`;
    }
  }
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
    notices: notice
      ? [
          {
            kind: notice.kind,
            subject: notice.subject,
            sent: noticeError === undefined,
            ...(noticeError ? { body: notice.body } : {}),
          },
        ]
      : [],
  });
  if (failed.length === 0) await deps.ledger.deleteState(budgetName, stored.version);
  deps.logger.info(`${why}: the guardian gave back the queues it had disabled`, {
    budgetName,
    reenabled,
    failed: failed.map((o) => ({ target: targetOf(o.action), error: o.error })),
    ...(noticeError ? { noticeError } : {}),
  });
  return {
    budgetName,
    result: 'released',
    actions: outcomes.length,
    failedActions: failed.length + (noticeError ? 1 : 0),
    ...(noticeError ? { error: `notice not sent (kept in the ledger): ${noticeError}` } : {}),
  };
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

function summaryFields(decision: Decision, budgetName: string, totals?: TrackedTotals) {
  const e = decision.estimate;
  return {
    budgetName,
    basis: e.basis,
    ...(totals ? { finishedJobsCounted: totals.jobs, finishedJobsCost: totals.cost } : {}),
    mode: decision.mode,
    // Not `level`: Powertools' Logger keeps that key for the log level and drops it (with a warning).
    guardianLevel: decision.level,
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
