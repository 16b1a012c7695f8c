import type { BudgetSpend } from '@org-budgets/aws';
import type { SpokeSpendDetail } from '@org-budgets/contracts';
import { reportSpend, type ReportSpendDeps } from './report-spend';

const spend = (overrides: Partial<BudgetSpend> = {}): BudgetSpend => ({
  actual: 812.5,
  forecasted: 1210,
  unit: 'USD',
  lastUpdated: new Date('2026-12-03T08:00:00.000Z'),
  timeUnit: 'MONTHLY',
  timePeriod: {},
  definition: { timeUnit: 'MONTHLY', unit: 'USD' },
  ...overrides,
});

function setup(figures: BudgetSpend, guardian?: { amount: number; at: string }) {
  const sent: SpokeSpendDetail[] = [];
  const deps: ReportSpendDeps = {
    accountId: '111111111111',
    budgets: { readSpend: async () => figures },
    sendSpend: async (detail) => void sent.push(detail),
    ...(guardian ? { readGuardianEstimate: async () => guardian } : {}),
    now: () => new Date('2026-12-03T12:00:00.000Z'),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { deps, sent };
}

describe('reportSpend', () => {
  it('sends AWS Budgets’ actual and forecast with their time, for the revision', async () => {
    const { deps, sent } = setup(spend());
    await reportSpend('research', '10', deps);
    expect(sent).toEqual([
      {
        accountId: '111111111111',
        budgetName: 'research',
        revision: '10',
        actual: 812.5,
        forecasted: 1210,
        unit: 'USD',
        awsUpdatedAt: '2026-12-03T08:00:00.000Z',
        readAt: '2026-12-03T12:00:00.000Z',
      },
    ]);
  });

  it('leaves out a forecast AWS does not have yet, and adds the guardian’s estimate', async () => {
    const { deps, sent } = setup(spend({ forecasted: undefined }), { amount: 900, at: '2026-12-03T11:59:00.000Z' });
    await reportSpend('research', '10', deps);
    expect(sent[0]).not.toHaveProperty('forecasted');
    expect(sent[0]?.guardianEstimate).toEqual({ amount: 900, at: '2026-12-03T11:59:00.000Z' });
  });
});
