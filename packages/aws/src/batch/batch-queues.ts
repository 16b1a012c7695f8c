import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  TerminateJobCommand,
  UpdateJobQueueCommand,
  type JobQueueDetail,
} from '@aws-sdk/client-batch';
import {
  ACTIVE_JOB_STATUSES,
  GUARD_TAG_KEY,
  GUARD_TAG_VALUE,
  type ActiveJobView,
  type CapacityType,
  type JobQueueView,
} from '@org-budgets/guardian';

/** What the guardian asks of AWS Batch in its own account. */
export interface BatchQueues {
  /** Every job queue of the account (DescribeJobQueues, every page), with state and guard tag. */
  listQueues(): Promise<JobQueueView[]>;
  /**
   * Every job of the given queues that is SUBMITTED, PENDING, RUNNABLE, STARTING or RUNNING
   * (ListJobs per queue and status, every page). A job listed twice while it changes status is
   * given once, in its later status.
   */
  listActiveJobs(queueNames: readonly string[]): Promise<ActiveJobView[]>;
  setQueueState(queueArn: string, state: 'ENABLED' | 'DISABLED'): Promise<void>;
  /** The jobs as DescribeJobs gives them (100 ids a call); ids Batch no longer knows are left out. */
  describeJobs(jobIds: readonly string[]): Promise<Record<string, unknown>[]>;
  terminateJob(jobId: string, reason: string): Promise<void>;
}

/** Jobs per ListJobs page: AWS allows up to 1000 with a status (enforce-spend's LIST_JOBS_PAGE_SIZE). */
export const DEFAULT_LIST_JOBS_PAGE_SIZE = 100;

export function createBatchQueues(batch: BatchClient, options: { listJobsPageSize?: number } = {}): BatchQueues {
  const pageSize = options.listJobsPageSize ?? DEFAULT_LIST_JOBS_PAGE_SIZE;
  return {
    async listQueues() {
      const queues: JobQueueView[] = [];
      for (const detail of await describeAllQueues(batch)) {
        if (!detail.jobQueueName || !detail.jobQueueArn) continue;
        queues.push({
          name: detail.jobQueueName,
          arn: detail.jobQueueArn,
          state: detail.state === 'DISABLED' ? 'DISABLED' : 'ENABLED',
          guardTagged: detail.tags?.[GUARD_TAG_KEY] === GUARD_TAG_VALUE,
        });
      }
      return queues;
    },

    async listActiveJobs(queueNames) {
      const rank = new Map<string, number>(ACTIVE_JOB_STATUSES.map((status, index) => [status, index]));
      const jobs = new Map<string, ActiveJobView>();
      for (const jobQueueName of queueNames) {
        for (const status of ACTIVE_JOB_STATUSES) {
          let nextToken: string | undefined;
          do {
            const page = await batch.send(
              new ListJobsCommand({ jobQueue: jobQueueName, jobStatus: status, maxResults: pageSize, nextToken }),
            );
            for (const summary of page.jobSummaryList ?? []) {
              if (!summary.jobId) continue;
              const seen = jobs.get(summary.jobId);
              if (seen && (rank.get(seen.status) ?? 0) >= (rank.get(status) ?? 0)) continue;
              jobs.set(summary.jobId, { jobId: summary.jobId, jobName: summary.jobName ?? '', jobQueueName, status });
            }
            nextToken = page.nextToken || undefined;
          } while (nextToken);
        }
      }
      return [...jobs.values()];
    },

    async setQueueState(queueArn, state) {
      await batch.send(new UpdateJobQueueCommand({ jobQueue: queueArn, state }));
    },

    async describeJobs(jobIds) {
      const jobs: Record<string, unknown>[] = [];
      for (let i = 0; i < jobIds.length; i += 100) {
        const page = await batch.send(new DescribeJobsCommand({ jobs: jobIds.slice(i, i + 100) }));
        jobs.push(...((page.jobs ?? []) as unknown as Record<string, unknown>[]));
      }
      return jobs;
    },

    async terminateJob(jobId, reason) {
      await batch.send(new TerminateJobCommand({ jobId, reason }));
    },
  };
}

async function describeAllQueues(batch: BatchClient, jobQueues?: string[]): Promise<JobQueueDetail[]> {
  const details: JobQueueDetail[] = [];
  let nextToken: string | undefined;
  do {
    const page = await batch.send(new DescribeJobQueuesCommand({ jobQueues, nextToken }));
    details.push(...(page.jobQueues ?? []));
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return details;
}

/**
 * Spot or on-demand capacity of a job queue, from the compute environments it is attached to:
 * SPOT when every one is FARGATE_SPOT or SPOT, ON_DEMAND when none is, UNKNOWN (priced as
 * on-demand) when they are mixed or cannot be read. Remembered for `ttlMs` per queue.
 */
export function createQueueCapacityResolver(
  batch: BatchClient,
  options: { ttlMs?: number; now?: () => number } = {},
): (jobQueueArn: string) => Promise<CapacityType> {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { capacity: CapacityType; at: number }>();
  return async (jobQueueArn) => {
    const cached = cache.get(jobQueueArn);
    if (cached && now() - cached.at < ttlMs) return cached.capacity;
    const [queue] = await describeAllQueues(batch, [jobQueueArn]);
    const environments = (queue?.computeEnvironmentOrder ?? []).flatMap((o) =>
      o.computeEnvironment ? [o.computeEnvironment] : [],
    );
    let capacity: CapacityType = 'UNKNOWN';
    if (environments.length > 0) {
      const { computeEnvironments = [] } = await batch.send(
        new DescribeComputeEnvironmentsCommand({ computeEnvironments: environments }),
      );
      const types = computeEnvironments.map((ce) => ce.computeResources?.type ?? '');
      const spot = types.filter((type) => type === 'FARGATE_SPOT' || type === 'SPOT').length;
      if (types.length > 0 && spot === types.length) capacity = 'SPOT';
      else if (types.length > 0 && spot === 0 && types.every((type) => type !== '')) capacity = 'ON_DEMAND';
    }
    cache.set(jobQueueArn, { capacity, at: now() });
    return capacity;
  };
}
