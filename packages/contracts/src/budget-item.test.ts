import { applyChange, BAD_BUDGET_ITEMS, budgetItem } from '@org-budgets/test-fixtures';
import { validateBudgetItem } from './budget-item';

describe('validateBudgetItem', () => {
  it('accepts an item with only accountId, budgetName and amount, filling the defaults', () => {
    const result = validateBudgetItem({ accountId: '111111111111', budgetName: 'team-a', amount: 250 });

    expect(result).toEqual({
      valid: true,
      item: {
        accountId: '111111111111',
        budgetName: 'team-a',
        amount: 250,
        currency: 'USD',
        period: 'MONTHLY',
        emails: [],
        alertAt: [50, 80, 100],
        forecastAlertAt: [100],
        guardian: { mode: 'off', disableQueuesAt: 80, terminateJobsAt: 100 },
      },
    });
  });

  it('normalizes lists: emails from a string set, de-duplicated and sorted; thresholds sorted', () => {
    const result = validateBudgetItem(
      budgetItem({ emails: new Set(['b@example.com', 'a@example.com']), alertAt: [100, 25, 75] }),
    );

    expect(result.valid && result.item.emails).toEqual(['a@example.com', 'b@example.com']);
    expect(result.valid && result.item.alertAt).toEqual([25, 75, 100]);
  });

  it('accepts a full item with cost filter, guardian and notes', () => {
    const result = validateBudgetItem(
      budgetItem({
        amount: 12500.5,
        period: 'QUARTERLY',
        emails: ['pi@example.org'],
        alertAt: [90],
        forecastAlertAt: [100, 120],
        costFilter: { tags: { project: ['genomics'] }, services: ['AWS Batch'] },
        guardian: { mode: 'enforce', disableQueuesAt: 85, terminateJobsAt: 100, jobQueues: ['gpu-queue'] },
        notes: 'grant 42',
      }),
    );

    expect(result.valid).toBe(true);
  });

  it('ignores the system-owned sync attribute', () => {
    const result = validateBudgetItem(budgetItem({ sync: { status: 'APPLIED' } }));

    expect(result.valid && 'sync' in result.item).toBe(false);
  });

  it.each(BAD_BUDGET_ITEMS)('rejects $name, naming $attribute', ({ change, attribute, reason }) => {
    const result = validateBudgetItem(applyChange(budgetItem(), change));

    expect(result.valid).toBe(false);
    if (result.valid) return;
    const problem = result.problems.find((p) => p.attribute === attribute);
    expect(problem?.reason).toMatch(reason);
    expect(result.message).toContain(attribute ? `${attribute} ` : 'unknown attribute');
  });

  it('reports every problem of an item at once', () => {
    const result = validateBudgetItem({ accountId: '1', budgetName: '', amount: -1 });

    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.problems.map((p) => p.attribute)).toEqual(['accountId', 'budgetName', 'amount']);
  });

  it('has at least 20 kinds of bad item in its fixtures', () => {
    expect(BAD_BUDGET_ITEMS.length).toBeGreaterThanOrEqual(20);
  });
});
