import { formatMoney, formatPercent, MAX_JOBS_LISTED, renderNotice, type NoticeContext } from './notice';
import type { SpendEstimate } from './spend-estimate';

const estimate = (overrides: Partial<SpendEstimate> = {}): SpendEstimate => ({
  currency: 'USD',
  budgetAmount: 1000,
  period: 'MONTHLY',
  periodStart: '2026-11-01T00:00:00.000Z',
  periodEnd: '2026-12-01T00:00:00.000Z',
  actualSpend: 790.5,
  actualSpendRefreshedAfter: '2026-11-23T06:00:00.000Z',
  actualSpendCounted: 790.5,
  basis: 'REPORTED',
  trackedBatchCost: 24.25,
  trackedSince: '2026-11-23T06:00:00.000Z',
  estimatedAt: '2026-11-23T12:00:00.000Z',
  total: 814.75,
  percentOfBudget: 81.475,
  ...overrides,
});

const context = (overrides: Partial<NoticeContext> = {}): NoticeContext => ({
  accountId: '111111111111',
  budgetName: 'genomics-lab',
  dryRun: false,
  estimate: estimate(),
  disableQueuesAt: 80,
  terminateJobsAt: 100,
  ...overrides,
});

describe('renderNotice', () => {
  it('tells researchers that their queues were disabled, why, and what to do', () => {
    const { subject, body } = renderNotice({ ...context(), kind: 'QUEUES_DISABLED', queues: ['cpu', 'gpu'] });

    expect(subject).toBe(
      '[org-budgets] 111111111111/genomics-lab: AWS Batch job queues disabled at 81.4% of the budget',
    );
    expect(body).toBe(
      [
        'The estimated spend of budget "genomics-lab" in AWS account 111111111111 has reached',
        '81.4% of its monthly budget of 1,000.00 USD',
        '(period 2026-11-01 to 2026-11-30, UTC).',
        '',
        'What happened',
        '  The cost guardian disabled these AWS Batch job queues. They accept no new jobs; jobs already',
        '  in them carry on unless the estimate reaches 100% of the budget:',
        '    - cpu',
        '    - gpu',
        '',
        'Why',
        '  Estimated spend 814.75 USD = 790.50 USD actual spend reported by AWS Budgets (refreshed after 2026-11-23 06:00 UTC)',
        '    + 24.25 USD AWS Batch cost the guardian tracked since 2026-11-23 06:00 UTC',
        '      (AWS Budgets learns of spend only a few times a day; the guardian adds the Batch jobs it saw',
        '      since then, running jobs up to 2026-11-23 12:00 UTC, at AWS list prices).',
        '  Thresholds: job queues are disabled at 80% (800.00 USD),',
        '  jobs in them are terminated at 100% (1,000.00 USD).',
        '',
        'What to do',
        '  If this work must go on, ask finance to raise the budget "genomics-lab" of AWS account',
        '  111111111111 (the org-budgets item with accountId 111111111111 and budgetName genomics-lab).',
        '  The guardian re-enables the queues it disabled by itself once the estimate is below',
        '  80% again (budget raised, or a new budget period). Re-enabling them by hand',
        '  does not help: the guardian disables them again while the estimate stays above 80%.',
        '',
        '-- org-budgets cost guardian (mode enforce), account 111111111111, budget genomics-lab',
      ].join('\n'),
    );
  });

  it('says "would" in notify mode, and that nothing was changed', () => {
    const { subject, body } = renderNotice({ ...context({ dryRun: true }), kind: 'QUEUES_DISABLED', queues: ['cpu'] });

    expect(subject).toBe(
      '[org-budgets] 111111111111/genomics-lab: AWS Batch job queues would be disabled at 81.4% of the budget (notify mode)',
    );
    expect(body).toContain(
      'The cost guardian is in notify mode: it changed nothing. In enforce mode it would now disable',
    );
    expect(body).toContain('(mode notify)');
    expect(body).not.toContain('Re-enabling them by hand');
  });

  it('does not promise that jobs carry on when they are being terminated as well', () => {
    const over = context({ estimate: estimate({ total: 1014.75, percentOfBudget: 101.475 }) });

    const { body } = renderNotice({ ...over, kind: 'QUEUES_DISABLED', queues: ['cpu'] });

    expect(body).toContain('the jobs\n  already in them are being terminated (see the separate notice)');
    expect(body).not.toContain('carry on');
  });

  it('lists the terminated jobs, and counts those beyond the list', () => {
    const jobs = Array.from({ length: MAX_JOBS_LISTED + 3 }, (_, i) => ({
      jobId: `id-${i}`,
      jobName: `align-${i}`,
      jobQueueName: 'cpu',
      status: 'RUNNING',
    }));
    const over = context({ estimate: estimate({ total: 1014.75, percentOfBudget: 101.475 }) });

    const { subject, body } = renderNotice({ ...over, kind: 'JOBS_TERMINATED', jobs });

    expect(subject).toBe(
      '[org-budgets] 111111111111/genomics-lab: 28 AWS Batch jobs terminated at 101.4% of the budget',
    );
    expect(body).toContain('    - align-0 (id-0) in cpu, was RUNNING');
    expect(body).not.toContain('align-25');
    expect(body).toContain('    … and 3 more');
    expect(body).toContain('ask finance to raise the budget "genomics-lab" of AWS account\n  111111111111');
  });

  it('tells why the queues came back', () => {
    const { subject, body } = renderNotice({
      ...context({ estimate: estimate({ budgetAmount: 2000, percentOfBudget: 40.7375 }) }),
      kind: 'QUEUES_REENABLED',
      queues: ['cpu'],
      reason: 'BUDGET_RAISED',
    });

    expect(subject).toBe(
      '[org-budgets] 111111111111/genomics-lab: AWS Batch job queues re-enabled at 40.7% of the budget',
    );
    expect(body).toContain('disables job queues: the budget was raised.');
    expect(body).toContain('    - cpu');
    expect(body).toContain('Queues that someone else disabled stay as they are.');
  });

  it('explains a new period, where the old actual spend no longer counts', () => {
    const newPeriod = estimate({
      periodStart: '2026-12-01T00:00:00.000Z',
      periodEnd: '2027-01-01T00:00:00.000Z',
      actualSpend: 1150,
      actualSpendCounted: 0,
      basis: 'PREVIOUS_PERIOD',
      trackedBatchCost: 2,
      total: 2,
      percentOfBudget: 0.2,
    });

    const { body } = renderNotice({
      ...context({ estimate: newPeriod }),
      kind: 'QUEUES_REENABLED',
      queues: ['cpu'],
      reason: 'NEW_PERIOD',
    });

    expect(body).toContain('a new budget period has begun');
    expect(body).toContain(
      "Estimated spend 2.00 USD = 0.00 USD actual spend: AWS Budgets still shows last period's 1,150.00 USD",
    );
  });
});

describe('formatPercent', () => {
  it('rounds down, so that a figure below a threshold never reads as the threshold', () => {
    expect(formatPercent(79.96)).toBe('79.9%');
    expect(formatPercent(80)).toBe('80.0%');
  });
});

describe('formatMoney', () => {
  it('writes two decimals, thousands separated, and the currency', () => {
    expect(formatMoney(12345.678, 'USD')).toBe('12,345.68 USD');
  });
});
