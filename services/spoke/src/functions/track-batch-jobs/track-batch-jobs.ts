import type { GuardianLedger, Logger } from '@org-budgets/aws';
import type { CapacityType, JobObservation } from '@org-budgets/guardian';

export interface TrackBatchJobsDeps {
  ledger: Pick<GuardianLedger, 'recordObservation'>;
  /** Spot or on-demand of a job queue's compute environments. */
  capacityOf(jobQueueArn: string): Promise<CapacityType>;
  logger: Logger;
}

export type TrackOutcome =
  { result: 'recorded'; jobId: string; status: string } | { result: 'unchanged'; jobId: string; status: string };

/**
 * Records one Batch Job State Change in the ledger. The merge in @org-budgets/guardian makes a
 * repeated or late event harmless (it adds nothing, or only what the record lacked). Spot or
 * on-demand is not in the event: it comes from the queue's compute environments, for billable jobs.
 */
export async function trackBatchJob(observation: JobObservation, deps: TrackBatchJobsDeps): Promise<TrackOutcome> {
  const resolved =
    observation.billable && observation.capacity === 'UNKNOWN'
      ? { ...observation, capacity: await deps.capacityOf(observation.jobQueueArn) }
      : observation;
  const changed = await deps.ledger.recordObservation(resolved);
  const outcome = { jobId: observation.jobId, status: observation.status };
  deps.logger.info(changed ? 'job recorded' : 'event added nothing; ledger unchanged', {
    ...outcome,
    jobQueue: observation.jobQueueName,
    capacity: resolved.capacity,
    eventId: observation.eventId,
  });
  return { result: changed ? 'recorded' : 'unchanged', ...outcome };
}
