import type { GuardianChecks, GuardianLedger, GuardianWatches, Logger } from '@org-budgets/aws';
import { startCouldCross, type CapacityType, type JobObservation, type PriceBook } from '@org-budgets/guardian';

export interface TrackBatchJobsDeps {
  ledger: Pick<GuardianLedger, 'recordObservation'>;
  /** Spot or on-demand of a job queue's compute environments. */
  capacityOf(jobQueueArn: string): Promise<CapacityType>;
  /** The watches enforce-spend left, and the per-budget debounce of check requests. */
  watches: Pick<GuardianWatches, 'read' | 'claimCheck'>;
  checks: GuardianChecks;
  prices: PriceBook;
  /** How far a starting job's cost is projected: the schedule's interval. */
  horizonMs: number;
  checkDebounceMs: number;
  now(): Date;
  logger: Logger;
}

export type TrackOutcome = {
  result: 'recorded' | 'unchanged';
  jobId: string;
  status: string;
  /** Budgets a check was asked for, because this job's start could carry them across a threshold. */
  checksRequested?: string[];
};

/**
 * Records one Batch Job State Change in the ledger. The merge in @org-budgets/guardian makes a
 * repeated or late event harmless (it adds nothing, or only what the record lacked). Spot or
 * on-demand is not in the event: it comes from the queue's compute environments, for billable jobs.
 *
 * When a billable job starts (STARTING or RUNNING), it looks at every budget's watch: a budget the
 * job counts toward whose estimate this start could carry across its next threshold before the
 * next scheduled run gets a check at once — or, within the debounce window of an earlier one, a
 * check at the window's end, so that every start is looked at within seconds — and at most two
 * checks per window and budget. A failure to ask fails the invocation (EventBridge retries; the merge makes it safe).
 */
export async function trackBatchJob(observation: JobObservation, deps: TrackBatchJobsDeps): Promise<TrackOutcome> {
  const resolved =
    observation.billable && observation.capacity === 'UNKNOWN'
      ? { ...observation, capacity: await deps.capacityOf(observation.jobQueueArn) }
      : observation;
  const changed = await deps.ledger.recordObservation(resolved);
  const outcome: TrackOutcome = {
    result: changed ? 'recorded' : 'unchanged',
    jobId: observation.jobId,
    status: observation.status,
  };
  const starts = changed && resolved.billable && (resolved.status === 'STARTING' || resolved.status === 'RUNNING');
  if (starts) {
    const requested = await askForChecks(resolved, deps);
    if (requested.length > 0) outcome.checksRequested = requested;
  }
  deps.logger.info(changed ? 'job recorded' : 'event added nothing; ledger unchanged', {
    jobId: outcome.jobId,
    status: outcome.status,
    jobQueue: observation.jobQueueName,
    capacity: resolved.capacity,
    eventId: observation.eventId,
    ...(outcome.checksRequested ? { checksRequested: outcome.checksRequested } : {}),
  });
  return outcome;
}

async function askForChecks(job: JobObservation, deps: TrackBatchJobsDeps): Promise<string[]> {
  const now = deps.now();
  const requested: string[] = [];
  for (const [budgetName, watch] of await deps.watches.read()) {
    if (!startCouldCross(watch, job, deps.prices, now, deps.horizonMs)) continue;
    // At once, or at the end of the debounce window (a check already pending will see this job).
    const slot = await deps.watches.claimCheck(budgetName, now, deps.checkDebounceMs);
    if (!slot) continue;
    await deps.checks.request(budgetName, slot.delaySeconds, `job ${job.jobId} started near a threshold`);
    requested.push(budgetName);
  }
  return requested;
}
