import { BudgetItemInvalidError } from './errors';
import { spokeSpendDetailSchema } from './spend-report';
import { spokeStatusDetailSchema } from './status-event';

const ACCOUNT = '111111111111';
const REVISION = '1100000000017454423020';

describe('spokeStatusDetailSchema', () => {
  const report = {
    accountId: ACCOUNT,
    budgetName: 'research',
    revision: REVISION,
    status: 'APPLIED',
    message: 'budget 100 USD monthly applied',
    at: '2026-12-03T12:00:00.000Z',
  };

  it('reads an APPLIED report, and a DELETED one that says it is a deletion', () => {
    expect(spokeStatusDetailSchema.parse(report)).toEqual(report);
    expect(spokeStatusDetailSchema.parse({ ...report, status: 'DELETED', deletion: true })).toMatchObject({
      deletion: true,
    });
  });

  it('refuses another status, a deletion flag other than true, an overlong message, a bad date', () => {
    for (const bad of [
      { ...report, status: 'DONE' },
      { ...report, deletion: false },
      { ...report, message: 'x'.repeat(2001) },
      { ...report, at: 'yesterday' },
      { ...report, accountId: '123' },
    ]) {
      expect(spokeStatusDetailSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('spokeSpendDetailSchema', () => {
  const report = {
    accountId: ACCOUNT,
    budgetName: 'research',
    revision: REVISION,
    actual: 250.5,
    forecasted: 700,
    unit: 'USD',
    awsUpdatedAt: '2026-12-03T08:00:00.000Z',
    readAt: '2026-12-03T11:59:00.000Z',
    guardianEstimate: { amount: 260, at: '2026-12-03T11:58:00.000Z' },
  };

  it('reads a report with its figures and the guardian’s estimate', () => {
    expect(spokeSpendDetailSchema.parse(report)).toEqual(report);
  });

  it('refuses negative, infinite or huge figures, a unit that is not a currency code, unknown fields', () => {
    for (const bad of [
      { ...report, actual: -1 },
      { ...report, forecasted: Number.POSITIVE_INFINITY },
      { ...report, actual: 2e12 },
      { ...report, unit: 'dollars' },
      { ...report, guardianEstimate: { amount: 1, at: 'now' } },
      { ...report, extra: 1 },
    ]) {
      expect(spokeSpendDetailSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('BudgetItemInvalidError', () => {
  it('names the item and each problem', () => {
    const error = new BudgetItemInvalidError(ACCOUNT, 'research', [
      { attribute: 'amount', reason: 'must be greater than 0, got -5' },
    ]);
    expect(error.name).toBe('BudgetItemInvalidError');
    expect(error.message).toContain(`budget item ${ACCOUNT}/research is invalid`);
    expect(error.message).toContain('amount');
    expect(error.message).toContain('must be greater than 0, got -5');
  });
});
