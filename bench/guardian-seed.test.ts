import { jobItem } from '@org-budgets/aws';
import { estimateJobCost, resolvePriceBook } from '@org-budgets/guardian';
import { seededJobs, type SeedPlan } from './guardian-seed';

const now = Date.UTC(2026, 11, 3, 8, 0, 0);
const plan: SeedPlan = {
  accountId: '123456789012',
  region: 'us-east-1',
  queue: 'research-a',
  now,
  days: 2,
  jobsPerDay: 12,
  quietMs: 600_000,
  vcpus: 1,
  memoryMiB: 2048,
  runSeconds: 600,
  recordLagMs: 2_000,
};

describe('seededJobs', () => {
  const jobs = seededJobs(plan);

  it('spreads finished jobs evenly over the days before now, none in the last quiet minutes', () => {
    expect(jobs).toHaveLength(24);
    const stops = jobs.map((j) => j.record.stoppedAt ?? 0);
    expect(Math.min(...stops)).toBeGreaterThanOrEqual(now - 2 * 86_400_000);
    expect(Math.max(...stops)).toBeLessThanOrEqual(now - 600_000);
    expect(new Set(jobs.map((j) => j.record.jobId)).size).toBe(24);
    for (const { record, recordedAt } of jobs) {
      expect(record).toMatchObject({ status: 'SUCCEEDED', billable: true, jobQueueName: 'research-a', version: 1 });
      expect(recordedAt).toBe((record.stoppedAt ?? 0) + 2_000);
    }
  });

  it('gives records the ledger indexes by the day their finish was recorded, priced as the guardian prices them', () => {
    const { record, recordedAt } = jobs[0]!;
    const item = jobItem(record, recordedAt);
    expect(item['activity']?.S).toMatch(
      new RegExp(`^STOPPED#${new Date(recordedAt).toISOString().slice(0, 10)}#[0-7]$`),
    );
    // 1 vCPU and 2 GiB on Fargate x86 in us-east-1 for 600 s
    const prices = resolvePriceBook('us-east-1');
    expect(estimateJobCost(record, new Date(now), prices)).toBeCloseTo(((0.04048 + 2 * 0.004445) * 600) / 3600, 9);
  });
});
