import { BatchError } from './batch-errors';
import { definitionArn, queueArn } from './batch-test-support';
import { listJobsPage, parseListJobsRequest, type BatchJobStatus, type ListableJob } from './list-jobs';

const QUEUE = queueArn('research');

function job(seq: number, fields: Partial<ListableJob> = {}): ListableJob {
  return {
    seq,
    jobId: `job-${seq}`,
    jobName: `job-${seq}`,
    jobQueueArn: QUEUE,
    jobQueueName: 'research',
    jobDefinitionArn: definitionArn('align', 1),
    status: 'RUNNING',
    createdAt: 1_700_000_000_000 + seq,
    ...fields,
  };
}

/** Follows nextToken to the end, like the guardian does. */
function allPages(jobs: ListableJob[], request: Record<string, unknown>, between?: (page: number) => void) {
  const pages: string[][] = [];
  let nextToken: string | undefined;
  do {
    const page = listJobsPage(jobs, parseListJobsRequest({ ...request, ...(nextToken ? { nextToken } : {}) }));
    pages.push(page.jobs.map((entry) => entry.jobId));
    nextToken = page.nextToken;
    between?.(pages.length);
  } while (nextToken);
  return pages;
}

function clientExceptionOf(run: () => unknown): BatchError {
  try {
    run();
  } catch (error) {
    if (error instanceof BatchError) return error;
    throw error;
  }
  throw new Error('no ClientException');
}

describe('ListJobs of the simulator', () => {
  it('lists RUNNING jobs when no status is given, newest first', () => {
    const jobs = [
      job(1),
      job(2, { status: 'SUCCEEDED' }),
      job(3),
      job(4, { jobQueueArn: queueArn('other'), jobQueueName: 'other' }),
    ];
    expect(listJobsPage(jobs, parseListJobsRequest({ jobQueue: 'research' })).jobs.map((j) => j.jobId)).toEqual([
      'job-3',
      'job-1',
    ]);
    expect(
      listJobsPage(jobs, parseListJobsRequest({ jobQueue: QUEUE, jobStatus: 'SUCCEEDED' })).jobs.map((j) => j.jobId),
    ).toEqual(['job-2']);
  });

  it('gives 250 jobs in pages of 100, 100 and 50, each job exactly once', () => {
    const jobs = Array.from({ length: 250 }, (_, i) => job(i + 1, { status: 'RUNNABLE' }));
    const pages = allPages(jobs, { jobQueue: 'research', jobStatus: 'RUNNABLE', maxResults: 100 });
    expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(250);
    expect(ids.sort()).toEqual(jobs.map((entry) => entry.jobId).sort());
  });

  it('skips no job that stays in the status while others leave it between pages', () => {
    const jobs = Array.from({ length: 250 }, (_, i) => job(i + 1));
    const leaving = new Set(['job-250', 'job-240', 'job-100', 'job-1']);
    const pages = allPages(jobs, { jobQueue: 'research', jobStatus: 'RUNNING', maxResults: 100 }, (page) => {
      if (page !== 1) return;
      // After the first page some jobs finish, among them jobs already listed and jobs still to come.
      for (const entry of jobs) if (leaving.has(entry.jobId)) entry.status = 'SUCCEEDED';
    });
    const listed = pages.flat();
    expect(new Set(listed).size).toBe(listed.length);
    for (const entry of jobs) {
      if (entry.status === 'RUNNING') expect(listed).toContain(entry.jobId);
    }
    expect(listed).not.toContain('job-100');
    expect(listed).not.toContain('job-1');
  });

  it('pages 1000 jobs at most without maxResults (as AWS documents), and caps maxResults at 1000', () => {
    const jobs = Array.from({ length: 1001 }, (_, i) => job(i + 1));
    const first = listJobsPage(jobs, parseListJobsRequest({ jobQueue: 'research' }));
    expect(first.jobs).toHaveLength(1000);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(listJobsPage(jobs, parseListJobsRequest({ jobQueue: 'research', maxResults: 5000 })).jobs).toHaveLength(
      1000,
    );
  });

  it('refuses a token from another query, a maxResults under 1, and a missing queue', () => {
    const jobs = Array.from({ length: 3 }, (_, i) => job(i + 1, { status: 'RUNNABLE' }));
    const { nextToken } = listJobsPage(
      jobs,
      parseListJobsRequest({ jobQueue: 'research', jobStatus: 'RUNNABLE', maxResults: 1 }),
    );
    expect(
      clientExceptionOf(() =>
        listJobsPage(jobs, parseListJobsRequest({ jobQueue: 'research', jobStatus: 'RUNNING', nextToken })),
      ).message,
    ).toMatch(/Invalid nextToken/);
    expect(clientExceptionOf(() => parseListJobsRequest({ jobQueue: 'research', maxResults: 0 })).code).toBe(
      'ClientException',
    );
    expect(clientExceptionOf(() => parseListJobsRequest({})).message).toMatch(/jobQueue, arrayJobId or multiNodeJobId/);
    expect(clientExceptionOf(() => parseListJobsRequest({ arrayJobId: 'abc' })).message).toMatch(
      /does not support array and multi-node/,
    );
    expect(clientExceptionOf(() => parseListJobsRequest({ jobQueue: 'research', jobStatus: 'DONE' })).message).toMatch(
      /jobStatus must be one of/,
    );
  });

  it('filters by job name (case-insensitive, * for a prefix) across statuses, 100 a page at most', () => {
    const statuses: BatchJobStatus[] = ['SUBMITTED', 'RUNNING', 'FAILED'];
    const jobs = statuses.map((status, i) => job(i + 1, { status, jobName: `Align-${i}` }));
    jobs.push(job(9, { jobName: 'other' }));
    const byPrefix = parseListJobsRequest({
      jobQueue: 'research',
      filters: [{ name: 'JOB_NAME', values: ['align*'] }],
    });
    expect(byPrefix.maxResults).toBe(100);
    expect(listJobsPage(jobs, byPrefix).jobs.map((j) => j.jobName)).toEqual(['Align-2', 'Align-1', 'Align-0']);
    const exact = parseListJobsRequest({ jobQueue: 'research', filters: [{ name: 'JOB_NAME', values: ['ALIGN-1'] }] });
    expect(listJobsPage(jobs, exact).jobs.map((j) => j.jobName)).toEqual(['Align-1']);
  });

  it('filters by job definition and creation time', () => {
    const jobs = [
      job(1, { jobDefinitionArn: definitionArn('align', 1), createdAt: 1000 }),
      job(2, { jobDefinitionArn: definitionArn('align', 2), createdAt: 2000 }),
      job(3, { jobDefinitionArn: definitionArn('alignx', 1), createdAt: 3000 }),
    ];
    const ids = (filter: { name: string; values: string[] }) =>
      listJobsPage(jobs, parseListJobsRequest({ jobQueue: 'research', filters: [filter] })).jobs.map((j) => j.jobId);
    expect(ids({ name: 'JOB_DEFINITION', values: ['align'] })).toEqual(['job-2', 'job-1']);
    expect(ids({ name: 'JOB_DEFINITION', values: ['align*'] })).toEqual(['job-3', 'job-2', 'job-1']);
    expect(ids({ name: 'JOB_DEFINITION', values: [definitionArn('align', 2)] })).toEqual(['job-2']);
    expect(ids({ name: 'BEFORE_CREATED_AT', values: ['2500'] })).toEqual(['job-2', 'job-1']);
    expect(ids({ name: 'AFTER_CREATED_AT', values: ['1500'] })).toEqual(['job-3', 'job-2']);
    expect(
      clientExceptionOf(() =>
        parseListJobsRequest({
          jobQueue: 'research',
          filters: [
            { name: 'JOB_NAME', values: ['a'] },
            { name: 'AFTER_CREATED_AT', values: ['1'] },
          ],
        }),
      ).message,
    ).toBe('Only one filter can be used at a time');
  });
});
