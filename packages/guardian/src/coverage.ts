import type { BudgetItem } from '@org-budgets/contracts';
import type { Platform } from './batch-job-event';
import { stableJson } from './spend-memory';

/**
 * Which AWS Batch jobs count toward a budget's estimate: the jobs whose cost AWS Budgets would
 * put in that budget's figure. A job counts when it passes every part the budget has:
 *
 * - `guardian.jobQueues`: the job ran in one of those queues (by name);
 * - `costFilter.tags`: the job carries at least one of the tag values (AWS Budgets joins the
 *   values of its TagKeyValue filter with OR). Batch job tags are the ones Batch reports on the
 *   job: from the submit, the job definition or the queue's scheduling; they reach the bill only
 *   when `propagateTags` is on, so counting a tagged job errs high, never low;
 * - `costFilter.services`: one of the services a Batch job is billed under is listed — EC2 jobs
 *   bill to "Amazon Elastic Compute Cloud - Compute", Fargate jobs to "Amazon Elastic Container
 *   Service" — or "AWS Batch" is (taken to mean Batch jobs of either kind). A services filter
 *   without any of them counts no job.
 *
 * A budget with none of these counts every job of the account.
 */
export interface JobCoverage {
  queues?: readonly string[];
  tags?: Readonly<Record<string, readonly string[]>>;
  services?: readonly string[];
}

/** The services AWS bills a Batch job's compute under, by platform. */
export const BATCH_BILLING_SERVICES: Record<Platform, readonly string[]> = {
  EC2: ['Amazon Elastic Compute Cloud - Compute'],
  FARGATE: ['Amazon Elastic Container Service'],
};
/** A services filter naming this counts Batch jobs of every platform. */
export const BATCH_SERVICE_NAME = 'AWS Batch';

export function coverageOf(budget: Pick<BudgetItem, 'costFilter' | 'guardian'>): JobCoverage {
  const tags = budget.costFilter?.tags;
  const services = budget.costFilter?.services;
  return {
    ...(budget.guardian.jobQueues !== undefined ? { queues: budget.guardian.jobQueues } : {}),
    ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
    ...(services && services.length > 0 ? { services } : {}),
  };
}

/** A job as coverage needs it. */
export interface CoverableJob {
  jobQueueName: string;
  platform: Platform;
  tags?: Readonly<Record<string, string>> | undefined;
}

export function covers(coverage: JobCoverage, job: CoverableJob): boolean {
  if (coverage.queues !== undefined && !coverage.queues.includes(job.jobQueueName)) return false;
  if (coverage.tags !== undefined) {
    const tags = job.tags ?? {};
    const matches = Object.entries(coverage.tags).some(
      ([key, values]) => tags[key] !== undefined && values.includes(tags[key]),
    );
    if (!matches) return false;
  }
  if (coverage.services !== undefined) {
    const billedUnder = [BATCH_SERVICE_NAME, ...BATCH_BILLING_SERVICES[job.platform]];
    if (!coverage.services.some((service) => billedUnder.includes(service))) return false;
  }
  return true;
}

/** A stable text for a coverage: running totals kept for one coverage are not reused for another. */
export function coverageKey(coverage: JobCoverage): string {
  return stableJson({
    queues: coverage.queues ? [...coverage.queues].sort() : null,
    tags: coverage.tags
      ? Object.fromEntries(Object.entries(coverage.tags).map(([key, values]) => [key, [...values].sort()]))
      : null,
    services: coverage.services ? [...coverage.services].sort() : null,
  });
}

/** In words, for notices and logs: "jobs of queues gpu, cpu with tag project=genomics". */
export function describeCoverage(coverage: JobCoverage): string {
  const parts = [
    coverage.queues !== undefined
      ? `of queue${coverage.queues.length === 1 ? '' : 's'} ${coverage.queues.join(', ')}`
      : '',
    coverage.tags !== undefined
      ? `tagged ${Object.entries(coverage.tags)
          .flatMap(([key, values]) => values.map((value) => `${key}=${value}`))
          .join(' or ')}`
      : '',
    coverage.services !== undefined ? `billed under ${coverage.services.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'every AWS Batch job of the account' : `AWS Batch jobs ${parts.join(', ')}`;
}
