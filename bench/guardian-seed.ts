import { recordFromObservation, type JobRecord } from '@org-budgets/guardian';

/**
 * Finished Batch jobs for a guardian ledger, as the tracker would have recorded them: one record
 * per job (from a SUCCEEDED observation, through the guardian's own `recordFromObservation`) and
 * the time its finish was recorded. `pnpm bench:guardian` writes them with `jobItem` (the ledger's
 * own item layout), to give a budget's window months of finished jobs. Pure.
 */
export interface SeedPlan {
  accountId: string;
  region: string;
  queue: string;
  /** Jobs finish from `now - days` to `now - quietMs`, evenly. */
  now: number;
  days: number;
  jobsPerDay: number;
  /** The most recent finish is this long before `now` (none in the reads of the next runs). */
  quietMs: number;
  vcpus: number;
  memoryMiB: number;
  runSeconds: number;
  /** How long after its stop the tracker recorded the finish. */
  recordLagMs: number;
}

export interface SeededJob {
  record: JobRecord;
  recordedAt: number;
}

const DAY_MS = 86_400_000;

export function seededJobs(plan: SeedPlan): SeededJob[] {
  const total = Math.round(plan.days * plan.jobsPerDay);
  const from = plan.now - plan.days * DAY_MS;
  const span = plan.days * DAY_MS - plan.quietMs;
  const jobs: SeededJob[] = [];
  for (let i = 0; i < total; i++) {
    const stoppedAt = Math.floor(from + ((i + 0.5) * span) / total);
    const startedAt = stoppedAt - plan.runSeconds * 1000;
    const jobId = `seed-${String(i).padStart(6, '0')}`;
    const record = recordFromObservation({
      jobId,
      jobName: `seeded-${i}`,
      jobArn: `arn:aws:batch:${plan.region}:${plan.accountId}:job/${jobId}`,
      jobQueueArn: `arn:aws:batch:${plan.region}:${plan.accountId}:job-queue/${plan.queue}`,
      jobQueueName: plan.queue,
      status: 'SUCCEEDED',
      statusReason: 'Essential container in task exited',
      kind: 'SINGLE',
      billable: true,
      resources: { vcpus: plan.vcpus, memoryMiB: plan.memoryMiB, gpus: 0 },
      platform: 'FARGATE',
      architecture: 'X86_64',
      capacity: 'ON_DEMAND',
      createdAt: startedAt - 60_000,
      startedAt,
      stoppedAt,
      attempts: [{ startedAt, stoppedAt }],
      eventId: `seed-event-${i}`,
      eventTime: stoppedAt,
      accountId: plan.accountId,
      region: plan.region,
    });
    jobs.push({ record, recordedAt: stoppedAt + plan.recordLagMs });
  }
  return jobs;
}
