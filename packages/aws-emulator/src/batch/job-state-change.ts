/**
 * "Batch Job State Change" events, as AWS Batch puts them on the account's default bus whenever a
 * job changes status (AWS Batch User Guide, "Job state change events"): source `aws.batch`, the
 * job's ARN as the one resource, and a `detail` that is the job as DescribeJobs shows it. No event
 * is sent for the initial submission (SUBMITTED).
 */
import type { JobDetail } from '@aws-sdk/client-batch';
import { eventTime, type EmittedEvent } from '../events/event-bus';

export const BATCH_JOB_STATE_CHANGE = 'Batch Job State Change';
export const BATCH_EVENT_SOURCE = 'aws.batch';

export type BatchJobStateChangeEvent = EmittedEvent<Record<string, unknown>>;

/** The event for `detail` (a job as DescribeJobs answers it) in `accountId`/`region`. */
export function batchJobStateChangeEvent(input: {
  detail: JobDetail;
  accountId: string;
  region: string;
  id: string;
  time: Date;
}): BatchJobStateChangeEvent {
  return {
    version: '0',
    id: input.id,
    'detail-type': BATCH_JOB_STATE_CHANGE,
    source: BATCH_EVENT_SOURCE,
    account: input.accountId,
    time: eventTime(input.time),
    region: input.region,
    resources: input.detail.jobArn === undefined ? [] : [input.detail.jobArn],
    detail: structuredClone(input.detail) as unknown as Record<string, unknown>,
  };
}
