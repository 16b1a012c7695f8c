import type { BudgetItem } from '@org-budgets/contracts';
import type { ActiveJobStatus } from './batch-job-event';
import { coverageOf, describeCoverage } from './coverage';
import {
  renderNotice,
  formatMoney,
  formatPercent,
  type NoticeContent,
  type NoticeContext,
  type NoticeKind,
  type ReenableReason,
  type RenderedNotice,
  type TerminatedJobSummary,
} from './notice';
import { budgetPeriodBounds, estimateSpend, type CountedSpend, type SpendEstimate } from './spend-estimate';

/**
 * The guardian's decision: from the spend estimate, the guarded queues and the guardian's own
 * memory, what to change and whom to tell. Pure: the caller reads AWS, calls `decideGuardianActions`,
 * performs `actions`, sends `notices`, and saves `nextState` (see `stateAfterActions` when an
 * action failed).
 *
 * Levels, from the estimate (see `estimateSpend` for its formula) as percent P of the budget:
 *   P >= terminateJobsAt  -> TERMINATE: disable guarded queues, terminate their active jobs
 *   P >= disableQueuesAt  -> DISABLE:   disable guarded queues (only ENABLED ones; remember which)
 *   otherwise             -> BELOW:     re-enable exactly the queues the guardian disabled
 * Guarded queues: `guardian.jobQueues` by name, or else the queues tagged org-budgets:guard=true.
 * A queue someone else disabled is never "remembered", so never re-enabled by the guardian.
 *
 * Notices: one per action kind per episode (an episode runs from the estimate reaching
 * disableQueuesAt until it drops below again; a new budget period starts afresh), plus one when
 * queues are re-enabled. Mode `notify` decides the same but performs nothing: its actions are in
 * `wouldActions`, its notices say "would". Mode `off` does nothing and remembers nothing.
 */

export type GuardianConfig = BudgetItem['guardian'];
export type GuardianMode = GuardianConfig['mode'];
export type GuardianLevel = 'BELOW' | 'DISABLE' | 'TERMINATE';

export const GUARD_TAG_KEY = 'org-budgets:guard';
export const GUARD_TAG_VALUE = 'true';
/** A termination that AWS has not carried out after this long is asked for again. */
export const DEFAULT_TERMINATION_RETRY_AFTER_MS = 15 * 60 * 1000;

/** A job queue of the account as the adapter read it (DescribeJobQueues + tags). */
export interface JobQueueView {
  name: string;
  arn: string;
  state: 'ENABLED' | 'DISABLED';
  /** Tagged `org-budgets:guard=true`. */
  guardTagged: boolean;
}

/** An unfinished job in one of the queues (ListJobs, every page, every active status). */
export interface ActiveJobView {
  jobId: string;
  jobName: string;
  jobQueueName: string;
  status: ActiveJobStatus;
}

/** A queue the guardian disabled (or, `dryRun`, would have disabled) and has not yet given back. */
export interface HeldQueue {
  name: string;
  arn: string;
  /** ISO 8601. */
  since: string;
  dryRun: boolean;
}

export interface TerminationRequest {
  jobId: string;
  jobName: string;
  jobQueueName: string;
  /** ISO 8601. */
  requestedAt: string;
  dryRun: boolean;
}

export interface SentNotice {
  key: string;
  kind: NoticeKind;
  /** ISO 8601. */
  sentAt: string;
}

/** What the guardian remembers between runs, per budget (JSON-able). */
export interface GuardianState {
  /** Start of the budget period the rest belongs to (ISO 8601). */
  periodStart: string;
  /** Budget amount and threshold at the last decision: to tell "budget raised" in the re-enable notice. */
  budgetAmount: number;
  /**
   * The budget's period at the last decision: to tell finance's change of period from a new
   * period in the re-enable notice. Missing in states saved before it was kept.
   */
  period?: BudgetItem['period'];
  disableQueuesAt: number;
  /** Episodes in this period; the current or last one is `episode`. */
  episode: number;
  /** The estimate was at or above disableQueuesAt at the last decision. */
  over: boolean;
  heldQueues: HeldQueue[];
  terminationRequests: TerminationRequest[];
  /** Notices sent in this period. */
  notices: SentNotice[];
}

export type GuardianAction =
  | { type: 'DISABLE_QUEUE'; queueName: string; queueArn: string }
  | { type: 'ENABLE_QUEUE'; queueName: string; queueArn: string }
  | { type: 'TERMINATE_JOB'; jobId: string; jobName: string; jobQueueName: string; reason: string };

export type GuardianNotice = NoticeContent & RenderedNotice & { key: string };

export interface DecisionInput {
  /** The budget parameter (or item): account, name, amount, currency, period, guardian. */
  budget: Pick<BudgetItem, 'accountId' | 'budgetName' | 'amount' | 'currency' | 'period' | 'guardian'> &
    Partial<Pick<BudgetItem, 'costFilter'>>;
  /** The AWS Budgets figure that counts for the period (see `rememberSpend`). */
  actualSpend: CountedSpend;
  /** The period the figure belongs to (see `reportedPeriodBounds`); the calendar period by default. */
  periodBounds?: { start: Date; end: Date };
  /** Tracked Batch cost (USD) of the jobs the budget covers, accrued from `since` to now. */
  batchCostAccruedSince: (since: Date) => number;
  state: GuardianState | undefined;
  /** Every job queue of the account, with state and guard tag. */
  queues: JobQueueView[];
  /** Active jobs of the guarded queues (others are ignored). */
  activeJobs: ActiveJobView[];
  now: Date;
  terminationRetryAfterMs?: number;
  /** See EstimateSpendInput.billingDataLagMs. */
  billingDataLagMs?: number;
}

export interface Decision {
  mode: GuardianMode;
  dryRun: boolean;
  level: GuardianLevel;
  estimate: SpendEstimate;
  guardedQueues: string[];
  /** Names in `guardian.jobQueues` that match no queue of the account. */
  unknownQueues: string[];
  /** To perform now (enforce mode only). */
  actions: GuardianAction[];
  /** What enforce mode would perform (notify mode only). */
  wouldActions: GuardianAction[];
  notices: GuardianNotice[];
  nextState: GuardianState;
  /** False when `nextState` equals the state given: nothing to save. */
  stateChanged: boolean;
}

export function initialGuardianState(input: Pick<DecisionInput, 'budget' | 'now' | 'periodBounds'>): GuardianState {
  return {
    periodStart: (input.periodBounds ?? budgetPeriodBounds(input.budget.period, input.now)).start.toISOString(),
    budgetAmount: input.budget.amount,
    period: input.budget.period,
    disableQueuesAt: input.budget.guardian.disableQueuesAt,
    episode: 0,
    over: false,
    heldQueues: [],
    terminationRequests: [],
    notices: [],
  };
}

export function levelFor(percentOfBudget: number, guardian: GuardianConfig): GuardianLevel {
  if (percentOfBudget >= guardian.terminateJobsAt) return 'TERMINATE';
  if (percentOfBudget >= guardian.disableQueuesAt) return 'DISABLE';
  return 'BELOW';
}

/** The guarded queues among `queues`, and configured names that match none. */
export function resolveGuardedQueues(
  guardian: GuardianConfig,
  queues: JobQueueView[],
): { guarded: JobQueueView[]; unknown: string[] } {
  if (guardian.jobQueues === undefined) return { guarded: queues.filter((q) => q.guardTagged), unknown: [] };
  const names = new Set(guardian.jobQueues);
  return {
    guarded: queues.filter((q) => names.has(q.name)),
    unknown: guardian.jobQueues.filter((name) => !queues.some((q) => q.name === name)),
  };
}

export function decideGuardianActions(input: DecisionInput): Decision {
  const { budget, now } = input;
  const { guardian } = budget;
  const estimate = estimateSpend({
    budget,
    actualSpend: input.actualSpend,
    batchCostAccruedSince: input.batchCostAccruedSince,
    now,
    ...(input.periodBounds ? { periodBounds: input.periodBounds } : {}),
    ...(input.billingDataLagMs === undefined ? {} : { billingDataLagMs: input.billingDataLagMs }),
  });
  const level = levelFor(estimate.percentOfBudget, guardian);
  const { guarded, unknown } = resolveGuardedQueues(guardian, input.queues);
  const given = input.state ?? initialGuardianState(input);
  const base = {
    mode: guardian.mode,
    dryRun: guardian.mode === 'notify',
    level,
    estimate,
    guardedQueues: guarded.map((q) => q.name),
    unknownQueues: unknown,
  };
  if (guardian.mode === 'off') {
    return { ...base, actions: [], wouldActions: [], notices: [], nextState: given, stateChanged: false };
  }

  const dryRun = guardian.mode === 'notify';
  const nowIso = now.toISOString();
  const newPeriod = given.periodStart !== estimate.periodStart;
  const state: GuardianState = newPeriod
    ? { ...given, periodStart: estimate.periodStart, episode: 0, over: false, terminationRequests: [], notices: [] }
    : given;
  const performed: GuardianAction[] = [];
  const notices: GuardianNotice[] = [];
  let held = [...state.heldQueues];
  let requests = [...state.terminationRequests];
  let episode = state.episode;
  const context: NoticeContext = {
    accountId: budget.accountId,
    budgetName: budget.budgetName,
    dryRun,
    estimate,
    disableQueuesAt: guardian.disableQueuesAt,
    terminateJobsAt: guardian.terminateJobsAt,
    jobsCounted: describeCoverage(coverageOf(budget)),
  };
  const sent = new Set(state.notices.map((n) => n.key));
  const notify = (key: string, content: NoticeContent) => {
    if (sent.has(key)) return;
    sent.add(key);
    notices.push({ ...content, ...renderNotice(content), key });
  };
  const noticeKey = (kind: NoticeKind) => `${state.periodStart}#${episode}#${kind}#${dryRun ? 'would' : 'done'}`;

  if (level !== 'BELOW') {
    if (!state.over) episode += 1;

    const toDisable = guarded.filter(
      (q) => q.state === 'ENABLED' && !(dryRun && held.some((h) => h.name === q.name && h.dryRun)),
    );
    for (const q of toDisable) {
      performed.push({ type: 'DISABLE_QUEUE', queueName: q.name, queueArn: q.arn });
      held = [...held.filter((h) => h.name !== q.name), { name: q.name, arn: q.arn, since: nowIso, dryRun }];
    }
    if (toDisable.length > 0) {
      notify(noticeKey('QUEUES_DISABLED'), {
        ...context,
        kind: 'QUEUES_DISABLED',
        queues: toDisable.map((q) => q.name),
      });
    }

    if (level === 'TERMINATE') {
      const guardedNames = new Set(guarded.map((q) => q.name));
      const retryAfter = input.terminationRetryAfterMs ?? DEFAULT_TERMINATION_RETRY_AFTER_MS;
      const reason = terminationReason(budget.budgetName, estimate);
      const newlyTerminated: TerminatedJobSummary[] = [];
      for (const job of input.activeJobs.filter((j) => guardedNames.has(j.jobQueueName))) {
        const previous = requests.find((r) => r.jobId === job.jobId);
        const askedForReal = previous !== undefined && !previous.dryRun;
        if (
          dryRun
            ? previous !== undefined
            : askedForReal && now.getTime() - Date.parse(previous.requestedAt) < retryAfter
        ) {
          continue;
        }
        performed.push({
          type: 'TERMINATE_JOB',
          jobId: job.jobId,
          jobName: job.jobName,
          jobQueueName: job.jobQueueName,
          reason,
        });
        requests = [
          ...requests.filter((r) => r.jobId !== job.jobId),
          { jobId: job.jobId, jobName: job.jobName, jobQueueName: job.jobQueueName, requestedAt: nowIso, dryRun },
        ];
        if (!askedForReal) newlyTerminated.push({ ...job });
      }
      if (newlyTerminated.length > 0) {
        notify(noticeKey('JOBS_TERMINATED'), { ...context, kind: 'JOBS_TERMINATED', jobs: newlyTerminated });
      }
    }
  } else {
    const reason = reenableReason(newPeriod, state, budget);
    const reenabled: string[] = [];
    const kept: HeldQueue[] = [];
    for (const hold of held) {
      const queue = input.queues.find((q) => q.name === hold.name);
      if (hold.dryRun) {
        // Never disabled: in notify mode, say what enforce mode would give back; in enforce mode, forget it.
        if (dryRun && queue) {
          performed.push({ type: 'ENABLE_QUEUE', queueName: queue.name, queueArn: queue.arn });
          reenabled.push(queue.name);
        }
        continue;
      }
      if (!queue || queue.state === 'ENABLED') continue; // gone, or someone re-enabled it already
      performed.push({ type: 'ENABLE_QUEUE', queueName: queue.name, queueArn: queue.arn });
      reenabled.push(queue.name);
      if (dryRun) kept.push(hold); // notify mode changes nothing: the queue stays held until enforce mode
    }
    held = kept;
    requests = [];
    if (reenabled.length > 0) {
      notify(noticeKey('QUEUES_REENABLED'), { ...context, kind: 'QUEUES_REENABLED', queues: reenabled, reason });
    }
  }

  const nextState: GuardianState = {
    periodStart: state.periodStart,
    budgetAmount: budget.amount,
    period: budget.period,
    disableQueuesAt: guardian.disableQueuesAt,
    episode,
    over: level !== 'BELOW',
    heldQueues: held,
    terminationRequests: requests,
    notices: [...state.notices, ...notices.map((n) => ({ key: n.key, kind: n.kind, sentAt: nowIso }))],
  };
  return {
    ...base,
    actions: dryRun ? [] : performed,
    wouldActions: dryRun ? performed : [],
    notices,
    nextState,
    stateChanged: JSON.stringify(nextState) !== JSON.stringify(given),
  };
}

/**
 * The state to save when some actions failed: a queue that could not be disabled is not held, a
 * queue that could not be re-enabled stays held, a job that could not be terminated is not
 * remembered as asked. Notices are kept as decided.
 */
export function stateAfterActions(decision: Decision, failed: readonly GuardianAction[]): GuardianState {
  if (failed.length === 0) return decision.nextState;
  const state = decision.nextState;
  const failedDisable = new Set(failed.filter((a) => a.type === 'DISABLE_QUEUE').map((a) => a.queueName));
  const failedTerminate = new Set(failed.filter((a) => a.type === 'TERMINATE_JOB').map((a) => a.jobId));
  const failedEnable = failed.filter((a) => a.type === 'ENABLE_QUEUE');
  const since = decision.estimate.estimatedAt;
  return {
    ...state,
    heldQueues: [
      ...state.heldQueues.filter((h) => !failedDisable.has(h.name)),
      ...failedEnable
        .filter((a) => !state.heldQueues.some((h) => h.name === a.queueName))
        .map((a) => ({ name: a.queueName, arn: a.queueArn, since, dryRun: false })),
    ],
    terminationRequests: state.terminationRequests.filter((r) => !failedTerminate.has(r.jobId)),
  };
}

function reenableReason(
  newPeriod: boolean,
  previous: GuardianState,
  budget: Pick<BudgetItem, 'amount' | 'guardian' | 'period'>,
): ReenableReason {
  if (previous.period !== undefined && previous.period !== budget.period) return 'PERIOD_CHANGED';
  if (newPeriod) return 'NEW_PERIOD';
  if (budget.amount > previous.budgetAmount) return 'BUDGET_RAISED';
  if (budget.guardian.disableQueuesAt > previous.disableQueuesAt) return 'THRESHOLD_RAISED';
  return 'ESTIMATE_BELOW_THRESHOLD';
}

/** The reason given to TerminateJob; AWS Batch shows it as the job's status reason. */
export function terminationReason(budgetName: string, estimate: SpendEstimate): string {
  return (
    `org-budgets cost guardian: budget ${budgetName} at ${formatPercent(estimate.percentOfBudget)} ` +
    `(estimated ${formatMoney(estimate.total, estimate.currency)} of ${formatMoney(estimate.budgetAmount, estimate.currency)})`
  );
}
