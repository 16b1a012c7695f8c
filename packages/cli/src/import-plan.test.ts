import type { OrganizationTree } from '@org-budgets/aws';
import { parseBudgetCsv } from './budget-csv';
import { tableEntry, type TableEntry } from './budget-table';
import { countPlan, planImport } from './import-plan';
import { OrganizationDirectory } from './organization-directory';

const LAB = '111111111111';
const SHOP = '222222222222';
const CLOSED = '333333333333';

const tree: OrganizationTree = {
  units: new Map([
    ['r-ab12', { id: 'r-ab12', name: 'Root' }],
    ['ou-ab12-research', { id: 'ou-ab12-research', name: 'Research', parentId: 'r-ab12' }],
  ]),
  accounts: new Map([
    [LAB, { id: LAB, name: 'lab', state: 'ACTIVE', parentId: 'ou-ab12-research' }],
    [SHOP, { id: SHOP, name: 'shop', state: 'ACTIVE', parentId: 'r-ab12' }],
    [CLOSED, { id: CLOSED, name: 'old', state: 'SUSPENDED', parentId: 'r-ab12' }],
  ]),
};
const directory = new OrganizationDirectory(tree);

function item(accountId: string, budgetName: string, attributes: Record<string, unknown> = {}): TableEntry {
  return tableEntry({
    accountId: { S: accountId },
    budgetName: { S: budgetName },
    amount: { N: String((attributes['amount'] as number | undefined) ?? 100) },
    ...(attributes['emails'] ? { emails: { SS: attributes['emails'] as string[] } } : {}),
    ...(attributes['currency'] ? { currency: { S: attributes['currency'] as string } } : {}),
    sync: { M: { status: { S: 'APPLIED' }, revision: { N: '10' } } },
  });
}

function plan(csv: string, table: TableEntry[] = [], prune = false) {
  const parsed = parseBudgetCsv(csv);
  expect(parsed.problems).toEqual([]);
  return planImport({ rows: parsed.rows, columns: parsed.columns, table, directory, prune });
}

describe('planImport', () => {
  it('adds new items, changes different ones and leaves equal ones', () => {
    const result = plan(`accountId,budgetName,amount\n${LAB},gpu,500\n${LAB},cpu,200\n${SHOP},prod,100\n`, [
      item(LAB, 'cpu', { amount: 150 }),
      item(SHOP, 'prod', { amount: 100 }),
    ]);

    expect(result.problems).toEqual([]);
    expect(countPlan(result)).toEqual({ add: 1, change: 1, delete: 0, unchanged: 1 });
    expect(result.edits.find((e) => e.kind === 'change')).toMatchObject({
      row: 3,
      key: { accountId: LAB, budgetName: 'cpu' },
      desired: { amount: 200 },
      changes: ['amount 150 → 200'],
    });
  });

  it('reads an organization default (an OU or root id) as the hub does: an unedited export of one is unchanged', () => {
    const table = [item('ou-ab12-research', 'baseline', { amount: 200 }), item('r-ab12', 'floor', { amount: 10 })];

    const same = plan(`accountId,budgetName,amount\nou-ab12-research,baseline,200\nr-ab12,floor,10\n`, table);
    const raised = plan(`accountId,budgetName,amount\nou-ab12-research,baseline,250\nr-ab12,floor,10\n`, table);

    expect(same.problems).toEqual([]);
    expect(countPlan(same)).toEqual({ add: 0, change: 0, delete: 0, unchanged: 2 });
    expect(raised.edits.find((e) => e.kind === 'change')).toMatchObject({
      key: { accountId: 'ou-ab12-research', budgetName: 'baseline' },
      changes: ['amount 200 → 250'],
    });
  });

  it('reads an opt-out as the hub does: an unedited export of one is unchanged, a new one is added', () => {
    const optOut = tableEntry({
      accountId: { S: LAB },
      budgetName: { S: 'baseline' },
      optOut: { BOOL: true },
      sync: { M: { status: { S: 'APPLIED' }, revision: { N: '10' } } },
    });
    expect(optOut.invalid).toBeUndefined();

    const same = plan(`accountId,budgetName,amount,optOut\n${LAB},baseline,,true\n`, [optOut]);
    const added = plan(`accountId,budgetName,amount,optOut\n${SHOP},baseline,,true\n`, []);

    expect(same.problems).toEqual([]);
    expect(countPlan(same)).toEqual({ add: 0, change: 0, delete: 0, unchanged: 1 });
    expect(added.problems).toEqual([]);
    expect(added.edits).toEqual([
      expect.objectContaining({ kind: 'add', changes: ['opts out of the organization default of this name'] }),
    ]);
  });

  it('compares normalized items: an empty currency and USD are the same budget, emails in any order', () => {
    const result = plan(`accountId,budgetName,amount,currency,emails\n${LAB},gpu,100,,b@example.org;a@example.org\n`, [
      item(LAB, 'gpu', { currency: 'USD', emails: ['a@example.org', 'b@example.org'] }),
    ]);

    expect(countPlan(result)).toMatchObject({ change: 0, unchanged: 1 });
  });

  it('removes an attribute whose cell is emptied, and leaves those the file has no column for', () => {
    const table = [item(LAB, 'gpu', { emails: ['a@example.org'], currency: 'EUR' })];

    const result = plan(`accountId,budgetName,amount,emails\n${LAB},gpu,100,\n`, table);

    expect(result.edits[0]).toMatchObject({
      kind: 'change',
      remove: ['emails'],
      desired: { amount: 100 },
      changes: ['emails a@example.org → none'],
    });
  });

  it('deletes the items the file does not have only with prune', () => {
    const table = [item(LAB, 'gpu'), item(SHOP, 'prod')];
    const csv = `accountId,budgetName,amount\n${LAB},gpu,100\n`;

    expect(countPlan(plan(csv, table))).toMatchObject({ delete: 0, unchanged: 1 });
    expect(
      plan(csv, table, true)
        .edits.filter((e) => e.kind === 'delete')
        .map((e) => e.key),
    ).toEqual([{ accountId: SHOP, budgetName: 'prod' }]);
  });

  it('reports the contract’s problems by row and column, with the hub’s messages', () => {
    const result = plan(`accountId,budgetName,amount,period,alertAt\n${LAB},gpu,-5,WEEKLY,50;50\n${LAB},ok,5,,\n`);

    expect(result.problems).toEqual([
      { row: 2, column: 'amount', message: 'amount must be greater than 0, got -5' },
      {
        row: 2,
        column: 'period',
        message: 'period must be one of MONTHLY, QUARTERLY, ANNUALLY, got the text "WEEKLY"',
      },
      { row: 2, column: 'alertAt', message: 'alertAt must not repeat a threshold' },
    ]);
    expect([...result.badRows]).toEqual([2]);
    expect(result.edits.map((e) => e.kind)).toEqual(['add']);
  });

  it('refuses accounts outside the organization and suspended ones', () => {
    const result = plan(`accountId,budgetName,amount\n999999999999,gpu,5\n${CLOSED},gpu,5\n`);

    expect(result.problems).toEqual([
      {
        row: 2,
        column: 'accountId',
        message:
          'account 999999999999 is not in the organization (3 accounts): a typo, or an account that left or was closed?',
      },
      {
        row: 3,
        column: 'accountId',
        message: `account ${CLOSED} (old) is SUSPENDED in the organization: it cannot get a budget`,
      },
    ]);
  });

  it('refuses a budget name that differs only by case from an existing one, or from another row', () => {
    const result = plan(`accountId,budgetName,amount\n${LAB},GPU,5\n${SHOP},prod,5\n${SHOP},Prod,5\n`, [
      item(LAB, 'gpu'),
    ]);

    expect(result.problems).toEqual([
      {
        row: 2,
        column: 'budgetName',
        message: `"GPU" differs only by case from the existing budget "gpu" of account ${LAB}: write it "gpu" to change that budget (to rename it, delete the old one first)`,
      },
      {
        row: 4,
        column: 'budgetName',
        message:
          '"Prod" differs only by case from "prod" of row 3 (same account or OU): budget names differ by case only by mistake; use one spelling',
      },
    ]);
  });

  it('names an organization default’s OU as an OU, not an account, in a case twin', () => {
    const result = plan(`accountId,budgetName,amount\nou-ab12-research,Baseline,5\n`, [
      item('ou-ab12-research', 'baseline', { amount: 200 }),
    ]);

    expect(result.problems).toEqual([
      expect.objectContaining({
        row: 2,
        message: expect.stringContaining('the existing budget "baseline" of OU ou-ab12-research:'),
      }),
    ]);
  });

  it('refuses a row that repeats another’s account and budget', () => {
    const result = plan(`accountId,budgetName,amount\n${LAB},gpu,5\n${LAB},gpu,6\n`);

    expect(result.problems).toEqual([
      { row: 3, column: 'budgetName', message: `repeats the budget gpu of account ${LAB} of row 2` },
    ]);
  });

  it('reports an unreadable amount once, by its column', () => {
    const result = plan(`accountId,budgetName,amount\n${LAB},gpu,"$1,500.00"\n`);

    expect(result.problems).toEqual([
      { row: 2, column: 'amount', message: expect.stringContaining('"$1,500.00" has a currency sign or code') },
    ]);
  });

  it('compares an invalid item of the table as written, and plans its fix as a change', () => {
    const table = [item(LAB, 'gpu', { amount: -5 })];

    const result = plan(`accountId,budgetName,amount\n${LAB},gpu,5\n`, table);

    expect(result.edits[0]).toMatchObject({ kind: 'change', changes: ['amount -5 → 5'] });
  });
});
