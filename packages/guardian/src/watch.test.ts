import { jobHourlyRate, resolvePriceBook } from './cost-model';
import { finishedJob, runningJob } from './testing';
import { nextCrossing, runningRateOf, scheduleIntervalMs, startCouldCross, type BudgetWatch } from './watch';

const prices = resolvePriceBook('us-east-1');
const HOUR = 3_600_000;
const at = '2026-11-23T12:00:00.000Z';

function watch(overrides: Partial<BudgetWatch> = {}): BudgetWatch {
  return {
    estimate: 70,
    at,
    level: 'BELOW',
    disableAt: 80,
    terminateAt: 100,
    coverage: {},
    runningRate: 10,
    ...overrides,
  };
}

describe('the guardian watch', () => {
  it('sums the hourly rates of the covered jobs that run (not finished ones, not other queues)', () => {
    const running = runningJob('2026-11-23T11:00:00Z', { jobId: 'r' });
    const other = runningJob('2026-11-23T11:00:00Z', { jobId: 'o', jobQueueName: 'ops' });
    const done = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', { jobId: 'd' });
    const waiting = {
      ...runningJob('2026-11-23T11:00:00Z', { jobId: 'w' }),
      status: 'RUNNABLE' as const,
      currentRun: undefined,
    };
    const coverage = { queues: [running.jobQueueName] };
    expect(runningRateOf([running, other, done, waiting], coverage, prices)).toBeCloseTo(
      jobHourlyRate(running, prices),
      9,
    );
  });

  it('finds when the running jobs carry the estimate across the next threshold', () => {
    expect(nextCrossing(watch())?.toISOString()).toBe('2026-11-23T13:00:00.000Z'); // $10 to go at $10/h
    expect(nextCrossing(watch({ level: 'DISABLE', estimate: 90 }))?.toISOString()).toBe('2026-11-23T13:00:00.000Z');
    expect(nextCrossing(watch({ estimate: 85, level: 'BELOW' }))?.toISOString()).toBe(at); // already over: at once
    expect(nextCrossing(watch({ runningRate: 0 }))).toBeUndefined();
    expect(nextCrossing(watch({ level: 'TERMINATE' }))).toBeUndefined();
  });

  it('asks for a check when a starting job could cross the next threshold before the next scheduled run', () => {
    const job = runningJob(at, { jobId: 'gpu', resources: { vcpus: 64, memoryMiB: 256 * 1024, gpus: 0 } });
    const rate = jobHourlyRate(job, prices);
    const now = new Date(Date.parse(at) + 60_000);
    // $10 to go; running jobs $10/h: in 5 minutes they bring ~$1 — with this job, enough only if it is dear.
    const needed = (10 - (10 * 6) / 60) / (5 / 60);
    expect(startCouldCross(watch(), job, prices, now, 5 * 60_000)).toBe(rate >= needed);
    expect(startCouldCross(watch({ estimate: 79.5 }), job, prices, now, 5 * 60_000)).toBe(true);
    expect(startCouldCross(watch({ estimate: 10 }), job, prices, now, 5 * 60_000)).toBe(false);
  });

  it('ignores jobs the budget does not cover, and asks at once at TERMINATE', () => {
    const job = runningJob(at, { jobId: 'x', jobQueueName: 'ops' });
    const now = new Date(Date.parse(at) + HOUR);
    expect(startCouldCross(watch({ estimate: 79.9, coverage: { queues: ['gpu'] } }), job, prices, now, 300_000)).toBe(
      false,
    );
    expect(
      startCouldCross(watch({ level: 'TERMINATE', coverage: { queues: ['ops'] } }), job, prices, now, 300_000),
    ).toBe(true);
  });
});

describe('scheduleIntervalMs', () => {
  it.each([
    ['rate(5 minutes)', 300_000],
    ['rate(1 minute)', 60_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
    ['cron(0/5 * * * ? *)', 3_600_000],
  ])('%s is %d ms', (expression, ms) => {
    expect(scheduleIntervalMs(expression)).toBe(ms);
  });
});
