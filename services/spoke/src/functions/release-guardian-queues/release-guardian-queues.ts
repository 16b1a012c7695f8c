import {
  StateWriteConflictError,
  type BatchQueues,
  type GuardianLedger,
  type Lease,
  type Logger,
} from '@org-budgets/aws';
import type { HeldQueue } from '@org-budgets/guardian';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { GuardianRunStillActingError } from './errors';

/**
 * The spoke's custom resource GuardianQueuesRelease (services/spoke/serverless.yml): when the
 * spoke stack is deleted (or its StackSet instance), the cost guardian gives back what it holds.
 * For every budget with a guardian state in the ledger it re-enables each job queue the guardian
 * disabled that is still DISABLED, records a REMOVAL run in the ledger, and saves the state
 * released (no held queues left but those that could not be re-enabled) under a lease that keeps
 * enforce-spend off the budget while the rest of the stack goes. Create and Update do nothing.
 */

/** Leases of a removal are taken over by the next removal attempt (a retried deletion). */
export const REMOVAL_LEASE_PREFIX = 'stack-removal:';

export interface ReleaseDeps {
  ledger: Pick<GuardianLedger, 'budgetsWithState' | 'getState' | 'saveState' | 'recordRun'>;
  batch: Pick<BatchQueues, 'listQueues' | 'setQueueState'>;
  /** The CloudFormation request id: the run id in the ledger and the lease owner. */
  runId: string;
  /** Why the queues are given back, as recorded in the ledger. */
  reason: string;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Epoch ms after which no more waiting starts: the answer to CloudFormation needs the rest. */
  deadline: number;
  /** How long the released states stay leased to the removal (enforce-spend waits, then fails). */
  leaseMs: number;
  /** Wait between two looks at a budget leased by a guardian run. */
  pollMs: number;
  logger: Logger;
}

export interface QueueRelease {
  budgetName: string;
  queueName: string;
  /** REENABLED: done now; ENABLED: someone did already; GONE: the queue no longer exists; FAILED. */
  outcome: 'REENABLED' | 'ENABLED' | 'GONE' | 'FAILED';
  error?: string;
}

export interface ReleaseOutcome {
  /** Budgets that had a guardian state. */
  budgets: string[];
  queues: QueueRelease[];
  /** Budgets that could not be released at all (ledger, lease), with the reason. */
  budgetErrors: { budgetName: string; error: string }[];
}

/** Gives back every queue the guardian holds, budget by budget; one budget's failure does not stop the others. */
export async function releaseGuardianQueues(deps: ReleaseDeps): Promise<ReleaseOutcome> {
  const budgets = [...new Set(await deps.ledger.budgetsWithState())].sort();
  const outcome: ReleaseOutcome = { budgets, queues: [], budgetErrors: [] };
  for (const budgetName of budgets) {
    try {
      outcome.queues.push(...(await releaseBudget(budgetName, deps)));
    } catch (error) {
      deps.logger.error('could not give back the queues of this budget', { budgetName, error });
      outcome.budgetErrors.push({ budgetName, error: describe(error) });
    }
  }
  return outcome;
}

async function releaseBudget(budgetName: string, deps: ReleaseDeps): Promise<QueueRelease[]> {
  for (;;) {
    const stored = await deps.ledger.getState(budgetName);
    if (!stored) return [];
    const now = deps.now().getTime();
    const held = stored.lease;
    if (held && held.until > now && !held.owner.startsWith(REMOVAL_LEASE_PREFIX)) {
      // A guardian run is acting on the budget (it may be disabling queues right now): let it finish.
      if (now + deps.pollMs > deps.deadline) throw new GuardianRunStillActingError(budgetName, held.owner);
      deps.logger.info('a guardian run holds the budget; waiting for it to finish', {
        budgetName,
        owner: held.owner,
        until: new Date(held.until).toISOString(),
      });
      await deps.sleep(deps.pollMs);
      continue;
    }
    // Everything saved beside the state (spend, recipients, …) is kept as it is; only the lease changes.
    const { state, version, lease: _previous, ...extras } = stored;
    const lease = (): Lease => ({
      owner: `${REMOVAL_LEASE_PREFIX}${deps.runId}`,
      until: deps.now().getTime() + deps.leaseMs,
    });
    let claimed: number;
    try {
      // Claimed before anything is done: from here on enforce-spend leaves the budget alone.
      claimed = await deps.ledger.saveState(budgetName, state, version, { ...extras, lease: lease() });
    } catch (error) {
      if (error instanceof StateWriteConflictError) continue; // a run saved meanwhile: look again
      throw error;
    }

    const releases = await enableHeldQueues(budgetName, state.heldQueues, deps);
    const attempted = releases.filter((r) => r.outcome === 'REENABLED' || r.outcome === 'FAILED');
    await deps.ledger.recordRun({
      budgetName,
      runId: deps.runId,
      at: deps.now(),
      mode: 'off',
      level: 'REMOVAL',
      estimate: {
        reason: deps.reason,
        alreadyEnabled: releases.filter((r) => r.outcome === 'ENABLED').map((r) => r.queueName),
        gone: releases.filter((r) => r.outcome === 'GONE').map((r) => r.queueName),
        neverDisabled: state.heldQueues.filter((h) => h.dryRun).map((h) => h.name),
      },
      actions: attempted.map((r) => ({
        type: 'ENABLE_QUEUE',
        target: r.queueName,
        outcome: r.outcome === 'FAILED' ? ('FAILED' as const) : ('DONE' as const),
        ...(r.error === undefined ? {} : { error: r.error }),
      })),
      notices: [],
    });
    const failed = new Set(releases.filter((r) => r.outcome === 'FAILED').map((r) => r.queueName));
    await deps.ledger.saveState(
      budgetName,
      { ...state, heldQueues: state.heldQueues.filter((h) => !h.dryRun && failed.has(h.name)) },
      claimed,
      { ...extras, lease: lease() },
    );
    deps.logger.info('the guardian gave back the queues it held for this budget', {
      budgetName,
      reenabled: releases.filter((r) => r.outcome === 'REENABLED').map((r) => r.queueName),
      failed: releases.filter((r) => r.outcome === 'FAILED').map((r) => ({ queue: r.queueName, error: r.error })),
    });
    return releases;
  }
}

/** Re-enables each queue the guardian disabled (not a dry run's) that is still DISABLED. */
async function enableHeldQueues(
  budgetName: string,
  held: readonly HeldQueue[],
  deps: ReleaseDeps,
): Promise<QueueRelease[]> {
  const disabledByTheGuardian = held.filter((h) => !h.dryRun);
  if (disabledByTheGuardian.length === 0) return [];
  const queues = await deps.batch.listQueues();
  const releases: QueueRelease[] = [];
  for (const hold of disabledByTheGuardian) {
    const queue = queues.find((q) => q.name === hold.name);
    if (!queue) {
      releases.push({ budgetName, queueName: hold.name, outcome: 'GONE' });
      continue;
    }
    if (queue.state === 'ENABLED') {
      releases.push({ budgetName, queueName: hold.name, outcome: 'ENABLED' });
      continue;
    }
    try {
      await deps.batch.setQueueState(queue.arn, 'ENABLED');
      releases.push({ budgetName, queueName: hold.name, outcome: 'REENABLED' });
    } catch (error) {
      deps.logger.error('could not re-enable a job queue the guardian disabled', {
        budgetName,
        queue: hold.name,
        error,
      });
      releases.push({ budgetName, queueName: hold.name, outcome: 'FAILED', error: describe(error) });
    }
  }
  return releases;
}

/** What the custom resource answers CloudFormation (the handler adds the request's ids). */
export interface CustomResourceAnswer {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
}

export interface AnswerDeps {
  /** The stack's status (DescribeStacks), undefined when CloudFormation knows no such stack. */
  stackStatus(stackId: string): Promise<string | undefined>;
  release(): Promise<ReleaseOutcome>;
  logger: Logger;
}

/**
 * Statuses in which a Delete means the whole stack goes: its deletion (also of a StackSet
 * instance), or the rollback of its creation. Any other status (an update's cleanup or rollback
 * removing this resource) leaves the guardian running: it keeps its queues.
 */
export const STACK_GOING_STATUSES: ReadonlySet<string> = new Set(['DELETE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);

/**
 * Decides the answer to one CloudFormation request. Never throws for a failure of the release:
 * a queue that could not be re-enabled answers FAILED (the deletion stops, DELETE_FAILED, and can
 * be retried once the queue is dealt with) rather than SUCCESS (the stack would go, and the queue
 * stay disabled with no one left to give it back).
 */
export async function answerCustomResource(
  event: CloudFormationCustomResourceEvent,
  deps: AnswerDeps,
): Promise<CustomResourceAnswer> {
  if (event.RequestType === 'Create') {
    return {
      Status: 'SUCCESS',
      Reason: 'nothing to do until the stack is deleted',
      PhysicalResourceId: `${event.LogicalResourceId}-${stackUuidOf(event.StackId)}`,
    };
  }
  // The same id on Update: a new one would make CloudFormation send a Delete for the old one.
  const physicalResourceId = event.PhysicalResourceId;
  if (event.RequestType === 'Update') {
    return {
      Status: 'SUCCESS',
      Reason: 'nothing to do until the stack is deleted',
      PhysicalResourceId: physicalResourceId,
    };
  }

  const status = await deps.stackStatus(event.StackId);
  if (status !== undefined && !STACK_GOING_STATUSES.has(status)) {
    deps.logger.warn('the resource is removed but the stack stays: the guardian keeps its queues', {
      stackStatus: status,
    });
    return {
      Status: 'SUCCESS',
      Reason: `the stack stays (${status}): the cost guardian keeps running and keeps its queues`,
      PhysicalResourceId: physicalResourceId,
    };
  }

  const outcome = await deps.release();
  const reenabled = outcome.queues.filter((q) => q.outcome === 'REENABLED');
  const failed = outcome.queues.filter((q) => q.outcome === 'FAILED');
  const summary = {
    stackStatus: status ?? 'unknown to CloudFormation',
    budgets: outcome.budgets,
    reenabled: reenabled.map((q) => `${q.queueName} (${q.budgetName})`),
    failed: failed.map((q) => ({ queue: q.queueName, budgetName: q.budgetName, error: q.error })),
    budgetErrors: outcome.budgetErrors,
  };
  if (failed.length === 0 && outcome.budgetErrors.length === 0) {
    deps.logger.info('the stack is deleted: the guardian gave back every queue it held', summary);
    return {
      Status: 'SUCCESS',
      Reason:
        reenabled.length === 0
          ? `no job queue held by the cost guardian (${outcome.budgets.length} budget(s) in the ledger)`
          : `the cost guardian re-enabled ${reenabled.length} job queue(s): ${summary.reenabled.join(', ')}`,
      PhysicalResourceId: physicalResourceId,
    };
  }
  deps.logger.error('the stack is deleted but the guardian could not give back every queue it held', summary);
  const problems = [
    ...failed.map((q) => `queue ${q.queueName} (budget ${q.budgetName}) is still DISABLED: ${q.error ?? 'failed'}`),
    ...outcome.budgetErrors.map((b) => `budget ${b.budgetName}: ${b.error}`),
  ];
  return {
    Status: 'FAILED',
    Reason:
      `the cost guardian could not give back what it holds, so the deletion stops here: ${problems.join('; ')}. ` +
      'Re-enable the queues (aws batch update-job-queue --state ENABLED) or fix the cause, then delete again ' +
      '(docs/deploy.md, "Removing a spoke").' +
      (reenabled.length > 0 ? ` Re-enabled meanwhile: ${summary.reenabled.join(', ')}.` : ''),
    PhysicalResourceId: physicalResourceId,
  };
}

/** The unique part of a stack id (`arn:…:stack/<name>/<uuid>`), or the whole id. */
function stackUuidOf(stackId: string): string {
  return stackId.split('/').at(-1) || stackId;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
