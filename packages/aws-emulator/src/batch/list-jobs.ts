/**
 * ListJobs over the simulated jobs: which jobs a request selects, in which order, and the paging.
 *
 * AWS Batch API reference, ListJobs: exactly one of jobQueue (name or ARN), arrayJobId and
 * multiNodeJobId; `jobStatus` filters by status, RUNNING when not given; `filters` (one at a time:
 * JOB_NAME, JOB_DEFINITION, BEFORE_CREATED_AT, AFTER_CREATED_AT, SHARE_IDENTIFIER) replace the
 * status filter but for SHARE_IDENTIFIER, which combines with it, and sort the jobs newest first;
 * maxResults is at least 1 and at most 1000 with a status (or neither), 100 with filters, and a
 * page is that long when maxResults is not given; nextToken is opaque.
 *
 * The order is always newest first (by submission), and a nextToken remembers the last job
 * given, not a position: a page never repeats a job of an earlier page, and no job that keeps
 * matching is skipped while other jobs change status between the pages.
 */
import { clientException, notSupportedLocally } from './batch-errors';
import { asRecord, optionalNumber, optionalRecordList, optionalString, optionalStringList } from './json-fields';

export const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type BatchJobStatus = (typeof JOB_STATUSES)[number];

/** Longest page with a status filter (or none). */
export const MAX_LIST_JOBS_RESULTS = 1000;
/** Longest page with `filters`. */
export const MAX_FILTERED_LIST_JOBS_RESULTS = 100;

/** What ListJobs looks at in a job. */
export interface ListableJob {
  /** Submission order: later jobs have larger numbers. */
  seq: number;
  jobId: string;
  jobName: string;
  jobQueueArn: string;
  jobQueueName: string;
  jobDefinitionArn: string;
  status: BatchJobStatus;
  createdAt: number;
  shareIdentifier?: string;
}

export type ListJobsFilter =
  | { name: 'JOB_NAME'; values: string[] }
  | { name: 'JOB_DEFINITION'; values: string[] }
  | { name: 'BEFORE_CREATED_AT'; values: string[] }
  | { name: 'AFTER_CREATED_AT'; values: string[] }
  | { name: 'SHARE_IDENTIFIER'; values: string[] };

/** A ListJobs request, checked. */
export interface ListJobsQuery {
  jobQueue: string;
  /** Undefined when a filter other than SHARE_IDENTIFIER replaces it. */
  jobStatus?: BatchJobStatus;
  filter?: ListJobsFilter;
  maxResults: number;
  nextToken?: string;
}

const FILTER_NAMES = new Set<string>([
  'JOB_NAME',
  'JOB_DEFINITION',
  'BEFORE_CREATED_AT',
  'AFTER_CREATED_AT',
  'SHARE_IDENTIFIER',
]);

/** Reads a ListJobs request body; throws ClientException for what AWS refuses or the simulator lacks. */
export function parseListJobsRequest(body: unknown): ListJobsQuery {
  const input = asRecord(body);
  const jobQueue = optionalString(input, 'jobQueue');
  const arrayJobId = optionalString(input, 'arrayJobId');
  const multiNodeJobId = optionalString(input, 'multiNodeJobId');
  const given = [jobQueue, arrayJobId, multiNodeJobId].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw clientException('Exactly one of jobQueue, arrayJobId or multiNodeJobId must be provided');
  }
  if (jobQueue === undefined)
    throw notSupportedLocally('array and multi-node parallel jobs (arrayJobId, multiNodeJobId)');

  const status = optionalString(input, 'jobStatus');
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
    throw clientException(`jobStatus must be one of ${JOB_STATUSES.join(' | ')}`);
  }
  const filters = optionalRecordList(input, 'filters') ?? [];
  if (filters.length > 1) throw clientException('Only one filter can be used at a time');
  const filter = filters.length === 1 ? readFilter(filters[0] as Record<string, unknown>) : undefined;

  const limit =
    filter === undefined || filter.name === 'SHARE_IDENTIFIER' ? MAX_LIST_JOBS_RESULTS : MAX_FILTERED_LIST_JOBS_RESULTS;
  const requested = optionalNumber(input, 'maxResults');
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw clientException('maxResults must be at least 1');
  }
  const nextToken = optionalString(input, 'nextToken');
  const jobStatus: BatchJobStatus | undefined =
    filter === undefined || filter.name === 'SHARE_IDENTIFIER' ? ((status ?? 'RUNNING') as BatchJobStatus) : undefined;
  return {
    jobQueue,
    ...(jobStatus === undefined ? {} : { jobStatus }),
    ...(filter === undefined ? {} : { filter }),
    maxResults: Math.min(requested ?? limit, limit),
    ...(nextToken === undefined || nextToken === '' ? {} : { nextToken }),
  };
}

function readFilter(raw: Record<string, unknown>): ListJobsFilter {
  const name = optionalString(raw, 'name');
  if (name === undefined || !FILTER_NAMES.has(name)) {
    throw clientException(`filters name must be one of ${[...FILTER_NAMES].join(' | ')}`);
  }
  const values = optionalStringList(raw, 'values') ?? [];
  if (values.length === 0) throw clientException(`filter ${name} needs a value`);
  if ((name === 'BEFORE_CREATED_AT' || name === 'AFTER_CREATED_AT') && !/^\d+$/.test(values[0] as string)) {
    throw clientException(`filter ${name} takes epoch milliseconds, got ${values[0] as string}`);
  }
  return { name: name as ListJobsFilter['name'], values };
}

/** One page of the jobs `query` selects among `jobs` (already restricted to the caller's account and region). */
export function listJobsPage<T extends ListableJob>(
  jobs: Iterable<T>,
  query: ListJobsQuery,
): { jobs: T[]; nextToken?: string } {
  const scope = scopeOf(query);
  const after = query.nextToken === undefined ? undefined : readToken(query.nextToken, scope);
  const selected: T[] = [];
  for (const job of jobs) {
    if (after !== undefined && job.seq >= after) continue;
    if (job.jobQueueArn !== query.jobQueue && job.jobQueueName !== query.jobQueue) continue;
    if (query.jobStatus !== undefined && job.status !== query.jobStatus) continue;
    if (query.filter !== undefined && !matchesFilter(job, query.filter)) continue;
    selected.push(job);
  }
  selected.sort((a, b) => b.seq - a.seq);
  if (selected.length <= query.maxResults) return { jobs: selected };
  const page = selected.slice(0, query.maxResults);
  return { jobs: page, nextToken: writeToken(scope, (page[page.length - 1] as T).seq) };
}

function matchesFilter(job: ListableJob, filter: ListJobsFilter): boolean {
  const value = filter.values[0] as string;
  switch (filter.name) {
    case 'JOB_NAME':
      return value.endsWith('*')
        ? job.jobName.toLowerCase().startsWith(value.slice(0, -1).toLowerCase())
        : job.jobName.toLowerCase() === value.toLowerCase();
    case 'JOB_DEFINITION': {
      if (value.startsWith('arn:')) return job.jobDefinitionArn === value;
      const name = /job-definition\/([^:]+):\d+$/.exec(job.jobDefinitionArn)?.[1] ?? '';
      return value.endsWith('*') ? name.startsWith(value.slice(0, -1)) : name === value;
    }
    case 'BEFORE_CREATED_AT':
      return job.createdAt < Number(value);
    case 'AFTER_CREATED_AT':
      return job.createdAt > Number(value);
    case 'SHARE_IDENTIFIER':
      return job.shareIdentifier === value;
  }
}

/** What a token is valid for: the same queue, status and filter. */
function scopeOf(query: ListJobsQuery): string {
  return JSON.stringify([query.jobQueue, query.jobStatus ?? null, query.filter ?? null]);
}

function writeToken(scope: string, lastSeq: number): string {
  return Buffer.from(JSON.stringify({ v: 1, scope, before: lastSeq })).toString('base64url');
}

function readToken(token: string, scope: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fields = asRecord(parsed);
  if (fields.v !== 1 || typeof fields.before !== 'number' || fields.scope !== scope) {
    throw clientException('Invalid nextToken: it does not come from a ListJobs call with the same parameters');
  }
  return fields.before;
}
