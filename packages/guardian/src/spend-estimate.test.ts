import { budgetPeriodBounds, estimateSpend } from './spend-estimate';

const at = (iso: string) => new Date(iso);
const iso = (bounds: { start: Date; end: Date }) => [bounds.start.toISOString(), bounds.end.toISOString()];

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

describe('estimateSpend', () => {
  const budget = { amount: 1000, currency: 'USD', period: 'MONTHLY' } as const;

  it('counts tracked cost from the billing-data lag before the refresh, and says when AWS refreshed', () => {
    const accrued = jest.fn().mockReturnValue(10);

    const estimate = estimateSpend({
      budget,
      actualSpend: { amount: 700, lastUpdated: at('2026-11-23T06:00:00Z') },
      batchCostAccruedSince: accrued,
      now: at('2026-11-23T12:00:00Z'),
      billingDataLagMs: 8 * 3_600_000,
    });

    expect(accrued).toHaveBeenCalledWith(at('2026-11-22T22:00:00Z'));
    expect(estimate).toMatchObject({
      actualSpendUpdatedAt: '2026-11-23T06:00:00.000Z',
      trackedSince: '2026-11-22T22:00:00.000Z',
      total: 710,
    });
  });

  it('never counts tracked cost from before the period, whatever the lag', () => {
    const accrued = jest.fn().mockReturnValue(0);
    estimateSpend({
      budget,
      actualSpend: { amount: 1, lastUpdated: at('2026-11-01T02:00:00Z') },
      batchCostAccruedSince: accrued,
      now: at('2026-11-01T03:00:00Z'),
      billingDataLagMs: 8 * 3_600_000,
    });
    expect(accrued).toHaveBeenCalledWith(at('2026-11-01T00:00:00Z'));
  });

  it('adds the Batch cost accrued since AWS Budgets last refreshed to its actual spend', () => {
    const accrued = jest.fn().mockReturnValue(42.5);

    const estimate = estimateSpend({
      budget,
      actualSpend: { amount: 700, lastUpdated: at('2026-11-23T06:00:00Z') },
      batchCostAccruedSince: accrued,
      now: at('2026-11-23T12:00:00Z'),
    });

    expect(accrued).toHaveBeenCalledWith(at('2026-11-23T06:00:00Z'));
    expect(estimate).toMatchObject({
      actualSpend: 700,
      actualSpendCounted: 700,
      trackedBatchCost: 42.5,
      trackedSince: '2026-11-23T06:00:00.000Z',
      total: 742.5,
      percentOfBudget: 74.25,
    });
  });

  it('does not count the previous period: AWS Budgets has not refreshed since the reset', () => {
    const accrued = jest.fn().mockReturnValue(3);

    const estimate = estimateSpend({
      budget,
      actualSpend: { amount: 1200, lastUpdated: at('2026-11-30T20:00:00Z') },
      batchCostAccruedSince: accrued,
      now: at('2026-12-01T02:00:00Z'),
    });

    expect(accrued).toHaveBeenCalledWith(at('2026-12-01T00:00:00Z'));
    expect(estimate).toMatchObject({
      actualSpend: 1200,
      actualSpendCounted: 0,
      total: 3,
      periodStart: '2026-12-01T00:00:00.000Z',
    });
  });

  it('never looks into the future when AWS reports a refresh later than now', () => {
    const accrued = jest.fn().mockReturnValue(0);

    estimateSpend({
      budget,
      actualSpend: { amount: 10, lastUpdated: at('2026-11-23T12:05:00Z') },
      batchCostAccruedSince: accrued,
      now: at('2026-11-23T12:00:00Z'),
    });

    expect(accrued).toHaveBeenCalledWith(at('2026-11-23T12:00:00Z'));
  });
});
