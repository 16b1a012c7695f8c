import { costAt, crossingInstant, type BilledJob } from './guardian-crossing';

const t0 = Date.UTC(2026, 11, 3, 8, 0, 0);
/** $3.60 an hour: $0.001 a second, $0.06 for the first minute. */
const RATE = 3.6;

describe('costAt', () => {
  it('bills the first minute at once, then each second begun, and nothing after the stop', () => {
    const jobs: BilledJob[] = [{ start: t0, hourlyRate: RATE }];
    expect(costAt(jobs, t0)).toBe(0);
    expect(costAt(jobs, t0 + 1)).toBeCloseTo(0.06, 12);
    expect(costAt(jobs, t0 + 60_001)).toBeCloseTo(0.061, 12);
    expect(costAt([{ start: t0, stop: t0 + 90_000, hourlyRate: RATE }], t0 + 600_000)).toBeCloseTo(0.09, 12);
  });
});

describe('crossingInstant', () => {
  it('finds the millisecond the figure plus the jobs reaches the threshold', () => {
    const burst: BilledJob[] = Array.from({ length: 10 }, () => ({ start: t0, hourlyRate: RATE }));
    // the one-minute minimum of ten jobs ($0.60) crosses $0.50 at once
    expect(crossingInstant(0, 0.5, burst)).toBe(t0 + 1);
    // $9 + $0.01 a second: $10 after 100 billed seconds, i.e. from 99.001 s on
    expect(crossingInstant(9, 10, burst)).toBe(t0 + 99_001);
  });

  it('takes each job from its own start', () => {
    const jobs: BilledJob[] = [
      { start: t0, hourlyRate: RATE },
      { start: t0 + 30_000, hourlyRate: RATE },
    ];
    // the first alone reaches $0.10 at 100 s; the second's minimum brings $0.12 at 30.001 s
    expect(crossingInstant(0, 0.1, jobs)).toBe(t0 + 30_001);
  });

  it('is undefined when the jobs stop short of it, or the figure alone is there already', () => {
    expect(crossingInstant(0, 0.07, [{ start: t0, stop: t0 + 10_000, hourlyRate: RATE }])).toBeUndefined();
    expect(crossingInstant(10, 10, [{ start: t0, hourlyRate: RATE }])).toBeUndefined();
    expect(crossingInstant(0, 1, [])).toBeUndefined();
  });
});
