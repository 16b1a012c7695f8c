import type { JobRecord } from '../ledger';
import { QUEUE_ARN, QUEUE_NAME } from './batch-events';

/** Test data only: a ledger record of a Fargate x86 job of 1 vCPU and 2 GiB; override what matters. */
export function jobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId: 'job-1',
    jobName: 'align-genomes',
    jobQueueArn: QUEUE_ARN,
    jobQueueName: QUEUE_NAME,
    status: 'RUNNING',
    kind: 'SINGLE',
    billable: true,
    resources: { vcpus: 1, memoryMiB: 2048, gpus: 0 },
    platform: 'FARGATE',
    architecture: 'X86_64',
    capacity: 'UNKNOWN',
    attempts: [],
    statusEventTime: Date.parse('2026-11-23T10:00:00Z'),
    lastEventTime: Date.parse('2026-11-23T10:00:00Z'),
    version: 1,
    ...overrides,
  };
}

/** A job that ran one attempt from `start` to `stop` (ISO) and succeeded. */
export function finishedJob(start: string, stop: string, overrides: Partial<JobRecord> = {}): JobRecord {
  const startedAt = Date.parse(start);
  const stoppedAt = Date.parse(stop);
  return jobRecord({
    status: 'SUCCEEDED',
    startedAt,
    stoppedAt,
    attempts: [{ startedAt, stoppedAt }],
    currentRun: { attempt: 0, since: startedAt },
    statusEventTime: stoppedAt,
    lastEventTime: stoppedAt,
    ...overrides,
  });
}

/** A job running since `start` (ISO). */
export function runningJob(start: string, overrides: Partial<JobRecord> = {}): JobRecord {
  const startedAt = Date.parse(start);
  return jobRecord({
    status: 'RUNNING',
    startedAt,
    currentRun: { attempt: 0, since: startedAt },
    statusEventTime: startedAt,
    lastEventTime: startedAt,
    ...overrides,
  });
}
