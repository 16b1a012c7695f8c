import { countedSpendOf, rememberSpend, spendDefinitionKey, type SpendMemory } from './spend-memory';

const at = (iso: string) => new Date(iso);
const MONTHLY = spendDefinitionKey({ timeUnit: 'MONTHLY', unit: 'USD' });
const ANNUALLY = spendDefinitionKey({ timeUnit: 'ANNUALLY', unit: 'USD' });
const NOVEMBER = at('2026-11-01T00:00:00Z');
const DECEMBER = at('2026-12-01T00:00:00Z');

function remembered(overrides: Partial<SpendMemory> = {}): SpendMemory {
  return {
    definition: MONTHLY,
    periodStart: NOVEMBER.toISOString(),
    lastReading: 400,
    counted: 400,
    basis: 'REPORTED',
    refreshedAfter: '2026-11-20T06:00:00.000Z',
    checkedAt: '2026-11-23T11:55:00.000Z',
    ...overrides,
  };
}

describe('spendDefinitionKey', () => {
  it('is the same whatever the order of filters and values', () => {
    const a = spendDefinitionKey({
      timeUnit: 'MONTHLY',
      unit: 'USD',
      costFilters: { Service: ['b', 'a'], TagKeyValue: ['user:x$1'] },
    });
    const b = spendDefinitionKey({
      timeUnit: 'MONTHLY',
      unit: 'USD',
      costFilters: { TagKeyValue: ['user:x$1'], Service: ['a', 'b', 'a'] },
    });
    expect(a).toBe(b);
  });

  it('differs when the period, the filters, the time period or the currency differ', () => {
    const keys = [
      spendDefinitionKey({ timeUnit: 'MONTHLY', unit: 'USD' }),
      spendDefinitionKey({ timeUnit: 'ANNUALLY', unit: 'USD' }),
      spendDefinitionKey({ timeUnit: 'MONTHLY', unit: 'EUR' }),
      spendDefinitionKey({ timeUnit: 'MONTHLY', unit: 'USD', costFilters: { Service: ['AWS Batch'] } }),
      spendDefinitionKey({ timeUnit: 'MONTHLY', unit: 'USD', timePeriodStart: '2026-11-10T00:00:00.000Z' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('rememberSpend', () => {
  const now = at('2026-11-23T12:00:00Z');

  it('takes a first non-zero figure as refreshed after the budget was last changed', () => {
    const memory = rememberSpend(
      { actual: 300, lastUpdated: at('2026-11-05T09:00:00Z'), definition: MONTHLY },
      undefined,
      NOVEMBER,
      now,
    );
    expect(memory).toEqual({
      definition: MONTHLY,
      periodStart: NOVEMBER.toISOString(),
      lastReading: 300,
      counted: 300,
      basis: 'REPORTED',
      refreshedAfter: '2026-11-05T09:00:00.000Z',
      checkedAt: now.toISOString(),
    });
  });

  it('does not know when a first figure was refreshed without LastUpdatedTime: the whole period is tracked', () => {
    const memory = rememberSpend({ actual: 300, definition: MONTHLY }, undefined, NOVEMBER, now);
    expect(memory.refreshedAfter).toBeUndefined();
    expect(countedSpendOf(memory)).toEqual({ reported: 300, counted: 300, basis: 'REPORTED' });
  });

  it('ignores a LastUpdatedTime in the future', () => {
    const memory = rememberSpend(
      { actual: 300, lastUpdated: at('2026-11-23T13:00:00Z'), definition: MONTHLY },
      undefined,
      NOVEMBER,
      now,
    );
    expect(memory.refreshedAfter).toBeUndefined();
  });

  it('takes a new figure as refreshed after the last run that saw the old one (never later than AWS refreshed it)', () => {
    const memory = rememberSpend(
      { actual: 450, lastUpdated: at('2026-11-05T09:00:00Z'), definition: MONTHLY },
      remembered(),
      NOVEMBER,
      now,
    );
    expect(memory).toMatchObject({
      counted: 450,
      lastReading: 450,
      refreshedAfter: '2026-11-23T11:55:00.000Z',
      checkedAt: now.toISOString(),
    });
  });

  it('keeps the window of an unchanged figure and notes the check', () => {
    const memory = rememberSpend({ actual: 400, definition: MONTHLY }, remembered(), NOVEMBER, now);
    expect(memory).toEqual(remembered({ checkedAt: now.toISOString() }));
  });

  it('keeps the last figure while AWS shows 0 after the budget was updated', () => {
    const zeroed = rememberSpend(
      { actual: 0, lastUpdated: at('2026-11-23T11:58:00Z'), definition: MONTHLY },
      remembered(),
      NOVEMBER,
      now,
    );
    expect(zeroed).toMatchObject({
      counted: 400,
      lastReading: 0,
      basis: 'KEPT_AFTER_ZERO',
      refreshedAfter: '2026-11-20T06:00:00.000Z',
    });

    const later = at('2026-11-23T18:00:00Z');
    const recalculated = rememberSpend({ actual: 420, definition: MONTHLY }, zeroed, NOVEMBER, later);
    expect(recalculated).toMatchObject({ counted: 420, basis: 'REPORTED', refreshedAfter: now.toISOString() });
  });

  it('takes a lower non-zero figure as AWS says it (credits, refunds)', () => {
    expect(rememberSpend({ actual: 380, definition: MONTHLY }, remembered(), NOVEMBER, now).counted).toBe(380);
  });

  it('starts afresh when the definition changes: an annual figure never counts against a monthly budget', () => {
    const annual = remembered({ definition: ANNUALLY, lastReading: 9000, counted: 9000 });

    const zeroedByTheChange = rememberSpend(
      { actual: 0, lastUpdated: at('2026-11-23T11:59:00Z'), definition: MONTHLY },
      annual,
      NOVEMBER,
      now,
    );
    expect(zeroedByTheChange).toMatchObject({ definition: MONTHLY, counted: 0, basis: 'REPORTED' });
    expect(zeroedByTheChange.refreshedAfter).toBeUndefined();

    const stillAnnualFigure = rememberSpend(
      { actual: 9000, lastUpdated: at('2026-11-23T11:59:00Z'), definition: MONTHLY },
      annual,
      NOVEMBER,
      now,
    );
    expect(stillAnnualFigure).toMatchObject({ counted: 9000, refreshedAfter: '2026-11-23T11:59:00.000Z' });
  });

  describe('a new period', () => {
    const december = at('2026-12-01T02:00:00Z');

    it('counts 0 while AWS still shows the last figure of the previous period, then the new figure', () => {
      const notReset = rememberSpend({ actual: 400, definition: MONTHLY }, remembered(), DECEMBER, december);
      expect(notReset).toMatchObject({
        periodStart: DECEMBER.toISOString(),
        counted: 0,
        lastReading: 400,
        basis: 'PREVIOUS_PERIOD',
      });
      expect(notReset.refreshedAfter).toBeUndefined();

      const stillNot = rememberSpend(
        { actual: 400, definition: MONTHLY },
        notReset,
        DECEMBER,
        at('2026-12-01T02:05:00Z'),
      );
      expect(stillNot).toMatchObject({ counted: 0, basis: 'PREVIOUS_PERIOD', checkedAt: '2026-12-01T02:05:00.000Z' });

      const reset = rememberSpend({ actual: 12, definition: MONTHLY }, stillNot, DECEMBER, at('2026-12-01T09:00:00Z'));
      expect(reset).toMatchObject({ counted: 12, basis: 'REPORTED', refreshedAfter: '2026-12-01T02:05:00.000Z' });
    });

    it('takes a figure above the last one as last period’s (AWS refreshed it once more after the last run of that period)', () => {
      const memory = rememberSpend(
        { actual: 905, definition: MONTHLY },
        remembered({ lastReading: 900, counted: 900 }),
        DECEMBER,
        december,
      );
      expect(memory).toMatchObject({ counted: 0, basis: 'PREVIOUS_PERIOD', previousPeriodLast: 900 });
      const still = rememberSpend({ actual: 910, definition: MONTHLY }, memory, DECEMBER, at('2026-12-01T05:00:00Z'));
      expect(still).toMatchObject({ counted: 0, basis: 'PREVIOUS_PERIOD', lastReading: 910 });
    });

    it('counts what AWS reports once a day has passed, even a figure above last period’s (errs high)', () => {
      const memory = rememberSpend({ actual: 400, definition: MONTHLY }, remembered(), DECEMBER, december);
      const nextDay = rememberSpend({ actual: 450, definition: MONTHLY }, memory, DECEMBER, at('2026-12-02T00:05:00Z'));
      expect(nextDay).toMatchObject({ counted: 450, basis: 'REPORTED', refreshedAfter: december.toISOString() });
    });

    it('takes the figure kept after an update as last period’s last', () => {
      const kept = remembered({ lastReading: 0, counted: 400, basis: 'KEPT_AFTER_ZERO' });
      expect(rememberSpend({ actual: 400, definition: MONTHLY }, kept, DECEMBER, december)).toMatchObject({
        counted: 0,
        basis: 'PREVIOUS_PERIOD',
      });
    });

    it('never inherits the last period’s figure, even when AWS shows 0', () => {
      const zero = rememberSpend({ actual: 0, definition: MONTHLY }, remembered(), DECEMBER, december);
      expect(zero).toMatchObject({ counted: 0, basis: 'REPORTED' });
      expect(zero.refreshedAfter).toBeUndefined();
    });

    it('takes a changed figure as the new period’s, refreshed after the last check of the old one', () => {
      const memory = rememberSpend({ actual: 7, definition: MONTHLY }, remembered(), DECEMBER, december);
      expect(memory).toMatchObject({ counted: 7, basis: 'REPORTED', refreshedAfter: '2026-11-23T11:55:00.000Z' });
    });
  });
});
