import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateBudgetItem } from '@org-budgets/contracts';
import { BASE_COLUMNS, parseBudgetCsv } from './budget-csv';
import { rowToItemInput } from './budget-row';

/** docs/examples/budgets.csv, the example of docs/cli.md, stays a file the import accepts. */
describe('the documented example file', () => {
  const text = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'examples', 'budgets.csv'), 'utf8');

  it('has every column and only valid rows', () => {
    const csv = parseBudgetCsv(text);

    expect(csv.problems).toEqual([]);
    expect(csv.columns).toEqual(BASE_COLUMNS);
    expect(csv.rows).toHaveLength(4);
    for (const row of csv.rows) {
      const { input, problems } = rowToItemInput(row);
      expect(problems).toEqual([]);
      expect(validateBudgetItem(input)).toMatchObject({ valid: true });
    }
  });
});
