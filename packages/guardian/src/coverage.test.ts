import { coverageKey, coverageOf, covers, describeCoverage } from './coverage';

const job = (
  overrides: { jobQueueName?: string; platform?: 'EC2' | 'FARGATE'; tags?: Record<string, string> } = {},
) => ({
  jobQueueName: 'gpu',
  platform: 'EC2' as const,
  ...overrides,
});
const guardian = { mode: 'enforce', disableQueuesAt: 80, terminateJobsAt: 100 } as const;

describe('which jobs a budget counts', () => {
  it('counts every job when the budget has no queues and no filter', () => {
    const coverage = coverageOf({ guardian });
    expect(coverage).toEqual({});
    expect(covers(coverage, job())).toBe(true);
    expect(describeCoverage(coverage)).toBe('every AWS Batch job of the account');
  });

  it('counts the jobs of its queues only', () => {
    const coverage = coverageOf({ guardian: { ...guardian, jobQueues: ['gpu', 'cpu'] } });
    expect([covers(coverage, job()), covers(coverage, job({ jobQueueName: 'ops' }))]).toEqual([true, false]);
  });

  it('counts jobs carrying one of the tag values (values joined with OR, as AWS Budgets does)', () => {
    const coverage = coverageOf({
      guardian,
      costFilter: { tags: { project: ['genomics', 'proteomics'], team: ['lab'] } },
    });
    expect(covers(coverage, job({ tags: { project: 'proteomics' } }))).toBe(true);
    expect(covers(coverage, job({ tags: { team: 'lab' } }))).toBe(true);
    expect(covers(coverage, job({ tags: { project: 'astro' } }))).toBe(false);
    expect(covers(coverage, job())).toBe(false);
  });

  it('counts jobs by the service they are billed under', () => {
    const ec2Only = coverageOf({ guardian, costFilter: { services: ['Amazon Elastic Compute Cloud - Compute'] } });
    expect([covers(ec2Only, job()), covers(ec2Only, job({ platform: 'FARGATE' }))]).toEqual([true, false]);
    const batch = coverageOf({ guardian, costFilter: { services: ['AWS Batch'] } });
    expect([covers(batch, job()), covers(batch, job({ platform: 'FARGATE' }))]).toEqual([true, true]);
    const s3 = coverageOf({ guardian, costFilter: { services: ['Amazon Simple Storage Service'] } });
    expect([covers(s3, job()), covers(s3, job({ platform: 'FARGATE' }))]).toEqual([false, false]);
  });

  it('needs every part the budget has', () => {
    const coverage = coverageOf({
      guardian: { ...guardian, jobQueues: ['gpu'] },
      costFilter: { tags: { project: ['genomics'] }, services: ['AWS Batch'] },
    });
    expect(covers(coverage, job({ tags: { project: 'genomics' } }))).toBe(true);
    expect(covers(coverage, job({ jobQueueName: 'cpu', tags: { project: 'genomics' } }))).toBe(false);
    expect(describeCoverage(coverage)).toBe(
      'AWS Batch jobs of queue gpu, tagged project=genomics, billed under AWS Batch',
    );
  });

  it('keys a coverage whatever the order of its lists', () => {
    expect(coverageKey({ queues: ['b', 'a'], tags: { k: ['2', '1'] } })).toBe(
      coverageKey({ queues: ['a', 'b'], tags: { k: ['1', '2'] } }),
    );
    expect(coverageKey({ queues: ['a'] })).not.toBe(coverageKey({}));
  });
});
