import { reportFixtureDirectory, reportFixtureEntries, reportFixtureItems } from '../testing/report-fixtures';
import { buildReportModel, MAX_CHART_ROWS, type ReportModel } from './report-model';

const generatedAt = new Date('2026-12-03T10:00:00.000Z');
const model = (
  entries = reportFixtureEntries(),
  directory: ReturnType<typeof reportFixtureDirectory> | undefined = reportFixtureDirectory(),
): ReportModel => buildReportModel({ entries, directory, tableName: 'org-budgets-test', generatedAt });

describe('buildReportModel', () => {
  it('counts the budgets of accounts, the accounts, the defaults and the problems', () => {
    expect(model().totals).toEqual({ budgets: 11, accounts: 6, defaults: 1, problems: 3 });
  });

  it('names accounts, OUs and ids the organization does not have, as list does', () => {
    const budgets = model().budgets;

    expect(budgets.find((b) => b.budgetName === 'research-compute')).toMatchObject({
      account: 'genomics-lab (111111111111)',
      ou: 'Root/Research/Genomics',
    });
    expect(budgets.find((b) => b.accountId === '999999999999')).toMatchObject({
      account: '999999999999 (not in the organization)',
    });
    expect(budgets.find((b) => b.accountId === '999999999999')?.ou).toBeUndefined();
  });

  it('keeps spend, state and its reason, and the default a copy comes from', () => {
    const compute = model().budgets.find((b) => b.budgetName === 'research-compute');
    const copy = model().budgets.find((b) => b.accountId === '222222222222' && b.budgetName === 'baseline');

    expect(compute).toMatchObject({
      amount: 5000,
      currency: 'USD',
      actual: 4800,
      forecasted: 6200,
      actualPercent: 96,
      forecastedPercent: 124,
      state: 'Critical',
      stateReason: 'actual 96% of the amount, at or above criticalAt 90%',
    });
    expect(copy).toMatchObject({ inheritedFrom: 'ou-ab12-research', state: 'Over' });
  });

  it('charts every budget of an account per currency, most at risk first, the forecast or else the actual', () => {
    const charts = model().accountCharts;

    expect(charts.map((c) => c.currency)).toEqual(['EUR', 'USD']);
    const usd = charts[1]!;
    expect(usd.rows[0]).toEqual({ label: 'shop-prod · experiments', budget: 300, actual: 330, forecast: 400 });
    expect(usd.rows.find((r) => r.label === 'research-ml · baseline')).toEqual({
      label: 'research-ml · baseline',
      budget: 500,
      actual: 2,
      forecast: 2,
    });
    expect(usd.rows.find((r) => r.label === 'research-hpc · gpu')).toMatchObject({ actual: null, forecast: null });
  });

  it('adds up the budgets of one name per OU, counting those that reported spend', () => {
    const usd = model().ouCharts.find((c) => c.currency === 'USD')!;

    expect(usd.rows.find((r) => r.label === 'Root/Research · baseline')).toEqual({
      label: 'Root/Research · baseline',
      budget: 1000,
      actual: 482,
      forecast: 562,
      budgets: 2,
      reporting: 2,
    });
    expect(usd.rows.find((r) => r.label === 'Root/Research/Genomics · baseline')).toMatchObject({ budget: 500 });
    expect(usd.rows.find((r) => r.label.startsWith('Root/Shop · shop-ops'))).toMatchObject({
      actual: null,
      budgets: 1,
      reporting: 0,
    });
  });

  it('shows at most MAX_CHART_ROWS rows a chart and says how many it left out', () => {
    const items = Array.from({ length: MAX_CHART_ROWS + 5 }, (_, i) => ({
      accountId: '111111111111',
      budgetName: `b${i}`,
      amount: 100,
    }));

    const chart = model(reportFixtureEntries(items)).accountCharts[0]!;

    expect(chart.rows).toHaveLength(MAX_CHART_ROWS);
    expect(chart.omitted).toBe(5);
  });

  it('draws no bar for an amount that is no budget (a REJECTED -5), which the tables still list', () => {
    const items = [
      { accountId: '111111111111', budgetName: 'typo', amount: -5, sync: { status: 'REJECTED', message: 'm' } },
      { accountId: '111111111111', budgetName: 'fine', amount: 10 },
    ];

    const rejected = model(reportFixtureEntries(items));

    expect(rejected.accountCharts[0]?.rows.map((r) => r.label)).toEqual(['genomics-lab · fine']);
    expect(rejected.ouCharts[0]?.rows.map((r) => r.label)).toEqual(['Root/Research/Genomics · fine']);
    expect(rejected.budgets.map((b) => b.budgetName)).toEqual(['fine', 'typo']);
  });

  it('counts states in their order of severity, a budget without one as Unknown', () => {
    expect(model().states).toEqual([
      { name: 'Unknown', count: 4 },
      { name: 'Unused', count: 1 },
      { name: 'Under', count: 2 },
      { name: 'On target', count: 1 },
      { name: 'Over', count: 1 },
      { name: 'Critical', count: 1 },
      { name: 'Shutdown', count: 1 },
    ]);
  });

  it('counts the statuses of every item, defaults too', () => {
    expect(model().statuses).toEqual([
      { name: 'APPLIED', count: 6 },
      { name: 'DELIVERED', count: 2 },
      { name: 'REJECTED', count: 2 },
      { name: 'FAILED', count: 1 },
      { name: 'none', count: 1 },
    ]);
  });

  it('lists REJECTED and FAILED items with their messages, most recent first', () => {
    expect(model().problems.map((p) => [p.status, p.budgetName, p.message])).toEqual([
      ['REJECTED', expect.stringContaining('</script>'), expect.stringContaining('may contain only')],
      ['FAILED', 'experiments', 'could not reach account 333333333333: AccessDenied'],
      ['REJECTED', 'gpu', expect.stringContaining('not an email address')],
    ]);
  });

  it('lists the last lockdown decision of each budget, most recent first', () => {
    expect(model().lockdowns.map((l) => [l.at, l.status, l.locked, l.mode])).toEqual([
      ['2026-12-03T08:05:02.000Z', 'LOCKED', true, 'enforce'],
      ['2026-12-03T07:00:00.000Z', 'WOULD_LOCK', false, 'notify'],
      ['2026-12-02T12:00:00.000Z', 'LIFTED', false, 'enforce'],
    ]);
    expect(model().lockdownCounts).toEqual([
      { name: 'LIFTED', count: 1 },
      { name: 'LOCKED', count: 1 },
      { name: 'WOULD_LOCK', count: 1 },
    ]);
  });

  it("lists the guardian's estimates against AWS Budgets' actual", () => {
    expect(model().guardian).toEqual([
      {
        account: 'research-hpc (222222222222)',
        budgetName: 'hpc-batch',
        currency: 'USD',
        amount: 1000,
        estimate: 1150,
        estimatePercent: 115,
        estimatedAt: '2026-12-03T08:10:00.000Z',
        actual: 800,
        actualPercent: 80,
      },
    ]);
  });

  it("reads an OU default's roll-up", () => {
    expect(model().defaults).toEqual([
      {
        target: 'ou-ab12-research',
        targetLabel: 'OU Research (Root/Research)',
        budgetName: 'baseline',
        amount: 500,
        currency: 'USD',
        status: 'DELIVERED',
        message: 'APPLIED in 2 of 3 accounts; 1 on their way',
        rollup: {
          accounts: 3,
          applied: 2,
          pending: 1,
          failed: 0,
          overridden: 0,
          optedOut: 0,
          actual: 602,
          forecasted: 862,
          reporting: 3,
          states: [
            { name: 'Unused', count: 1 },
            { name: 'Under', count: 1 },
            { name: 'Over', count: 1 },
          ],
        },
      },
    ]);
  });

  it('works without the organization: ids only, no OU chart', () => {
    const withoutOrg = buildReportModel({
      entries: reportFixtureEntries(),
      directory: undefined,
      tableName: 't',
      generatedAt,
    });

    expect(withoutOrg.organizationKnown).toBe(false);
    expect(withoutOrg.ouCharts).toEqual([]);
    expect(withoutOrg.budgets[0]?.account).toBe('111111111111');
  });

  it('is empty for an empty table', () => {
    const empty = model([]);

    expect(empty.totals).toEqual({ budgets: 0, accounts: 0, defaults: 0, problems: 0 });
    expect(empty.accountCharts).toEqual([]);
    expect(reportFixtureItems().length).toBeGreaterThan(0);
  });
});
