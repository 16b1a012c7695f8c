import { accruedSince, resolvePriceBook } from './cost-model';
import { finishedJob, runningJob } from './testing';
import { advanceTotals, finishedReadFrom, trackedCost, type FinishedJob } from './tracked-totals';

const prices = resolvePriceBook('us-east-1');
const at = (iso: string) => new Date(iso);
const MINUTE = 60_000;
const windowStart = at('2026-11-23T06:00:00Z');
const recorded = (job: ReturnType<typeof finishedJob>, delayMs = 1_000): FinishedJob => ({
  job,
  recordedAt: (job.stoppedAt as number) + delayMs,
});

describe('running totals of finished jobs', () => {
  const a = finishedJob('2026-11-23T07:00:00Z', '2026-11-23T08:00:00Z', { jobId: 'a' });
  const b = finishedJob('2026-11-23T05:00:00Z', '2026-11-23T09:00:00Z', { jobId: 'b' });
  const c = finishedJob('2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z', { jobId: 'c' });

  it('reads every job finished since the window start when it starts afresh, and only the last runs after', () => {
    expect(finishedReadFrom(undefined, {}, windowStart)).toEqual(windowStart);
    const totals = advanceTotals({
      totals: undefined,
      coverage: {},
      windowStart,
      now: at('2026-11-23T09:30:00Z'),
      finished: [recorded(a), recorded(b)],
      prices,
    });
    expect(finishedReadFrom(totals, {}, windowStart)).toEqual(at('2026-11-23T09:28:00Z'));
    expect(finishedReadFrom(totals, {}, at('2026-11-23T07:00:00Z'))).toEqual(at('2026-11-23T07:00:00Z'));
    expect(finishedReadFrom(totals, { queues: ['gpu'] }, windowStart)).toEqual(windowStart);
  });

  it('adds each finished job once, from the window start, and equals the cost of them all', () => {
    const first = advanceTotals({
      totals: undefined,
      coverage: {},
      windowStart,
      now: at('2026-11-23T09:30:00Z'),
      finished: [recorded(a), recorded(b)],
      prices,
    });
    const cRecord = recorded(c);
    // The next run reads from 2 minutes before the last one: nothing new there but c.
    const second = advanceTotals({
      totals: first,
      coverage: {},
      windowStart,
      now: at('2026-11-23T10:05:00Z'),
      finished: [cRecord],
      prices,
    });
    const direct = accruedSince([a, b, c], windowStart, at('2026-11-23T10:05:00Z'), prices);
    expect(second.cost).toBeCloseTo(direct, 9);
    expect(second.jobs).toBe(3);
  });

  it('does not count again a job it read in the margin of the last run', () => {
    const late = recorded(c, 30_000); // recorded 10:00:30
    const first = advanceTotals({
      totals: undefined,
      coverage: {},
      windowStart,
      now: at('2026-11-23T10:01:00Z'),
      finished: [late],
      prices,
    });
    expect(first.recent).toEqual(['c']);
    const second = advanceTotals({
      totals: first,
      coverage: {},
      windowStart,
      now: at('2026-11-23T10:06:00Z'),
      finished: [late],
      prices,
    });
    expect(second.cost).toBe(first.cost);
    expect(second.recent).toEqual([]);
  });

  it('counts only the jobs the budget covers', () => {
    const other = finishedJob('2026-11-23T07:00:00Z', '2026-11-23T08:00:00Z', { jobId: 'o', jobQueueName: 'ops' });
    const totals = advanceTotals({
      totals: undefined,
      coverage: { queues: [a.jobQueueName] },
      windowStart,
      now: at('2026-11-23T09:30:00Z'),
      finished: [recorded(a), recorded(other)],
      prices,
    });
    expect(totals.cost).toBeCloseTo(accruedSince([a], windowStart, at('2026-11-23T09:30:00Z'), prices), 9);
  });

  it('starts afresh when the window moves (AWS refreshed its figure)', () => {
    const first = advanceTotals({
      totals: undefined,
      coverage: {},
      windowStart,
      now: at('2026-11-23T09:30:00Z'),
      finished: [recorded(a), recorded(b)],
      prices,
    });
    const moved = at('2026-11-23T08:30:00Z');
    const second = advanceTotals({
      totals: first,
      coverage: {},
      windowStart: moved,
      now: at('2026-11-23T09:35:00Z'),
      finished: [recorded(b)],
      prices,
    });
    expect(second.from).toBe(moved.toISOString());
    expect(second.cost).toBeCloseTo(accruedSince([b], moved, at('2026-11-23T09:35:00Z'), prices), 9);
  });

  it('adds the active jobs up to now, leaving out one already counted as finished', () => {
    const now = at('2026-11-23T10:00:00Z');
    const running = runningJob('2026-11-23T09:00:00Z', { jobId: 'r' });
    const staleA = { ...a, status: 'RUNNING' as const }; // the index still lists a as active
    const totals = advanceTotals({
      totals: undefined,
      coverage: {},
      windowStart,
      now,
      finished: [recorded(a)],
      prices,
    });
    const cost = trackedCost(totals, [running, staleA], {}, windowStart, now, prices, new Set(['a']));
    expect(cost).toBeCloseTo(accruedSince([a, running], windowStart, now, prices), 9);
    expect(MINUTE).toBeGreaterThan(0);
  });
});
