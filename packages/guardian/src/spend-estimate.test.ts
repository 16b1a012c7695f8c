import { budgetPeriodBounds, estimateSpend, reportedPeriodBounds, trackedWindowStart } from './spend-estimate';

const at = (iso: string) => new Date(iso);
const iso = (bounds: { start: Date; end: Date }) => [bounds.start.toISOString(), bounds.end.toISOString()];
const HOUR = 3_600_000;

describe('budgetPeriodBounds', () => {
  it.each([
    ['MONTHLY', '2026-11-23T12:00:00Z', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['MONTHLY', '2026-12-31T23:59:59Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['QUARTERLY', '2026-11-23T12:00:00Z', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['QUARTERLY', '2026-04-01T00:00:00Z', '2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'],
    ['ANNUALLY', '2026-11-23T12:00:00Z', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ] as const)('%s period around %s runs from %s to %s (UTC)', (period, now, start, end) => {
    expect(iso(budgetPeriodBounds(period, at(now)))).toEqual([start, end]);
  });
});

describe('reportedPeriodBounds', () => {
  const now = at('2026-11-23T12:00:00Z');

  it('is the calendar period when the budget has no time period, or one that began before it', () => {
    expect(iso(reportedPeriodBounds('MONTHLY', now))).toEqual(['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
    expect(
      iso(reportedPeriodBounds('MONTHLY', now, { start: at('2024-01-01T00:00:00Z'), end: at('2087-06-15T00:00:00Z') })),
    ).toEqual(['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
  });

  it('starts at the budget start when the budget began inside the period, and ends at its end', () => {
    const bounds = reportedPeriodBounds('MONTHLY', now, {
      start: at('2026-11-10T00:00:00Z'),
      end: at('2026-11-28T00:00:00Z'),
    });
    expect(iso(bounds)).toEqual(['2026-11-10T00:00:00.000Z', '2026-11-28T00:00:00.000Z']);
  });

  it('ignores a start in the future (the budget has not begun: the calendar period is the widest guess)', () => {
    expect(reportedPeriodBounds('MONTHLY', now, { start: at('2026-11-25T00:00:00Z') }).start).toEqual(
      at('2026-11-01T00:00:00Z'),
    );
  });
});

describe('trackedWindowStart', () => {
  const periodStart = at('2026-11-01T00:00:00Z');
  const now = at('2026-11-23T12:00:00Z');

  it('is the refresh less the billing-data lag', () => {
    expect(trackedWindowStart(periodStart, at('2026-11-23T06:00:00Z'), now, 8 * HOUR)).toEqual(
      at('2026-11-22T22:00:00Z'),
    );
  });

  it('is the period start when the refresh time is unknown: the whole period is tracked', () => {
    expect(trackedWindowStart(periodStart, undefined, now, 8 * HOUR)).toEqual(periodStart);
  });

  it('never starts before the period nor after now', () => {
    expect(trackedWindowStart(periodStart, at('2026-11-01T02:00:00Z'), now, 8 * HOUR)).toEqual(periodStart);
    expect(trackedWindowStart(periodStart, at('2026-11-23T12:05:00Z'), now)).toEqual(now);
  });
});

describe('estimateSpend', () => {
  const budget = { amount: 1000, currency: 'USD', period: 'MONTHLY' } as const;
  const now = at('2026-11-23T12:00:00Z');

  it('adds the Batch cost accrued since the window start to the counted figure', () => {
    const accrued = jest.fn().mockReturnValue(42.5);

    const estimate = estimateSpend({
      budget,
      actualSpend: { reported: 700, counted: 700, basis: 'REPORTED', refreshedAfter: at('2026-11-23T06:00:00Z') },
      batchCostAccruedSince: accrued,
      now,
      billingDataLagMs: 8 * HOUR,
    });

    expect(accrued).toHaveBeenCalledWith(at('2026-11-22T22:00:00Z'));
    expect(estimate).toMatchObject({
      actualSpend: 700,
      actualSpendCounted: 700,
      actualSpendRefreshedAfter: '2026-11-23T06:00:00.000Z',
      basis: 'REPORTED',
      trackedBatchCost: 42.5,
      trackedSince: '2026-11-22T22:00:00.000Z',
      total: 742.5,
      percentOfBudget: 74.25,
    });
  });

  it('counts what it is given, not what AWS reports: last period’s figure counts 0', () => {
    const accrued = jest.fn().mockReturnValue(3);

    const estimate = estimateSpend({
      budget,
      actualSpend: { reported: 1200, counted: 0, basis: 'PREVIOUS_PERIOD' },
      batchCostAccruedSince: accrued,
      now: at('2026-12-01T02:00:00Z'),
    });

    expect(accrued).toHaveBeenCalledWith(at('2026-12-01T00:00:00Z'));
    expect(estimate).toMatchObject({ actualSpend: 1200, actualSpendCounted: 0, total: 3 });
    expect(estimate).not.toHaveProperty('actualSpendRefreshedAfter');
  });

  it('uses the period it is given (the budget’s own time period)', () => {
    const accrued = jest.fn().mockReturnValue(0);

    const estimate = estimateSpend({
      budget,
      periodBounds: { start: at('2026-11-10T00:00:00Z'), end: at('2026-12-01T00:00:00Z') },
      actualSpend: { reported: 0, counted: 0, basis: 'REPORTED' },
      batchCostAccruedSince: accrued,
      now,
    });

    expect(accrued).toHaveBeenCalledWith(at('2026-11-10T00:00:00Z'));
    expect(estimate.periodStart).toBe('2026-11-10T00:00:00.000Z');
  });

  it('never counts negative tracked cost', () => {
    const estimate = estimateSpend({
      budget,
      actualSpend: { reported: 10, counted: 10, basis: 'REPORTED' },
      batchCostAccruedSince: () => -5,
      now,
    });
    expect(estimate.total).toBe(10);
  });
});
