import type { BudgetItem, OptOutItem } from '@org-budgets/contracts';
import { describeTarget } from '@org-budgets/contracts';
import type { CsvColumn, CsvProblem, CsvRow } from './budget-csv';
import { columnOfAttribute, rowToItemInput } from './budget-row';
import { CONTENT_ATTRIBUTES, keyText, validateItem, type ItemKey, type TableEntry } from './budget-table';
import type { OrganizationDirectory } from './organization-directory';

/** One step of an import: what happens to one item. */
export type PlannedEdit =
  | {
      kind: 'add' | 'change';
      row: number;
      key: ItemKey;
      /** The content attributes to write: the row's cells (attributes the file has no column for are left as they are). */
      desired: Record<string, unknown>;
      /** Content attributes the file empties. */
      remove: string[];
      /** The item as read (undefined for an addition): the write is made only if it is still so. */
      expected?: TableEntry;
      /** What changes, for people: `amount 1200 → 1500`. */
      changes: string[];
    }
  | { kind: 'unchanged'; row: number; key: ItemKey }
  | { kind: 'delete'; key: ItemKey; expected: TableEntry };

export interface ImportPlan {
  edits: PlannedEdit[];
  /** Problems by row and column; the import writes nothing while there is one (unless told to skip bad rows). */
  problems: CsvProblem[];
  /** The rows with a problem. */
  badRows: Set<number>;
}

const describe = (value: unknown): string => {
  if (value === undefined) return '(none)';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(describe).join(';');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
};

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The plan of an import: each row checked (cells readable, the item valid by the contract with
 * the hub's messages, the account one of the organization, the key unique in the file and not a
 * case variant of an existing budget), then compared with the table: to add, to change,
 * unchanged, and with `prune` the items the file does not have, to delete. The file's columns
 * decide what it manages: a column it lacks is left as it is in the table.
 */
export function planImport(input: {
  rows: readonly CsvRow[];
  columns: readonly CsvColumn[];
  table: readonly TableEntry[];
  directory: OrganizationDirectory;
  prune: boolean;
}): ImportPlan {
  const problems: CsvProblem[] = [];
  const badRows = new Set<number>();
  const edits: PlannedEdit[] = [];
  const problem = (row: number, column: string | undefined, message: string) => {
    problems.push({ row, ...(column ? { column } : {}), message });
    badRows.add(row);
  };

  const byKey = new Map(input.table.map((entry) => [keyText(entry.key), entry]));
  const byFoldedKey = new Map<string, TableEntry[]>();
  for (const entry of input.table) {
    const folded = keyText(entry.key).toLowerCase();
    byFoldedKey.set(folded, [...(byFoldedKey.get(folded) ?? []), entry]);
  }
  const managed = CONTENT_ATTRIBUTES.filter((name) => input.columns.includes(name));
  const seen = new Map<string, number>();
  const seenFolded = new Map<string, { row: number; name: string }>();
  const inFile = new Set<string>();

  for (const row of input.rows) {
    const { input: cells, problems: cellProblems } = rowToItemInput(row);
    for (const p of cellProblems) problem(row.row, p.column, p.message);
    const accountId = typeof cells['accountId'] === 'string' ? cells['accountId'] : undefined;
    const budgetName = typeof cells['budgetName'] === 'string' ? cells['budgetName'] : undefined;
    const key = accountId !== undefined && budgetName !== undefined ? { accountId, budgetName } : undefined;
    const existing = key ? byKey.get(keyText(key)) : undefined;
    if (key) inFile.add(keyText(key));

    // What the item becomes: the table's attributes the file has no column for, then the row's cells.
    const desired: Record<string, unknown> = {};
    if (existing) {
      for (const [name, value] of Object.entries(existing.content)) {
        if (!managed.includes(name)) desired[name] = value;
      }
    }
    Object.assign(desired, cells);
    const validation = validateItem(desired);
    if (!validation.valid) {
      for (const p of validation.problems) {
        const column = p.attribute === '' ? undefined : columnOfAttribute(p.attribute);
        // A cell already reported unreadable is not reported again as missing.
        if (column && cellProblems.some((c) => c.column === column)) continue;
        const inTableOnly = column !== undefined && !input.columns.includes(column) && existing;
        problem(
          row.row,
          column,
          `${p.attribute ? `${p.attribute} ` : ''}${p.reason}${inTableOnly ? ' (in the table: the file has no such column)' : ''}`,
        );
      }
    }
    if (!key) continue;
    if (
      accountId !== undefined &&
      !cellProblems.some((c) => c.column === 'accountId') &&
      /^\d{12}$|^(ou|r)-/.test(accountId)
    ) {
      const accountProblem = input.directory.problemWith(accountId);
      if (accountProblem) problem(row.row, 'accountId', accountProblem);
    }
    const text = keyText(key);
    const earlier = seen.get(text);
    if (earlier !== undefined) {
      problem(
        row.row,
        'budgetName',
        `repeats the budget ${budgetName} of ${describeTarget(String(accountId))} of row ${earlier}`,
      );
      continue;
    }
    seen.set(text, row.row);
    const folded = text.toLowerCase();
    const caseTwin = seenFolded.get(folded);
    if (caseTwin) {
      problem(
        row.row,
        'budgetName',
        `"${budgetName}" differs only by case from "${caseTwin.name}" of row ${caseTwin.row} (same account or OU): ` +
          `budget names differ by case only by mistake; use one spelling`,
      );
      continue;
    }
    seenFolded.set(folded, { row: row.row, name: budgetName as string });
    const tableTwin = (byFoldedKey.get(folded) ?? []).find((entry) => entry.key.budgetName !== budgetName);
    if (!existing && tableTwin) {
      problem(
        row.row,
        'budgetName',
        `"${budgetName}" differs only by case from the existing budget "${tableTwin.key.budgetName}" of ${describeTarget(String(accountId))}: ` +
          `write it "${tableTwin.key.budgetName}" to change that budget (to rename it, delete the old one first)`,
      );
      continue;
    }
    if (badRows.has(row.row) || !validation.valid) continue;

    const remove = existing
      ? managed.filter((name) => existing.content[name] !== undefined && desired[name] === undefined)
      : [];
    if (!existing) {
      edits.push({
        kind: 'add',
        row: row.row,
        key,
        desired: stripKey(desired),
        remove: [],
        changes: [
          'amount' in validation.item
            ? `amount ${describe(validation.item.amount)} ${validation.item.currency}`
            : 'opts out of the organization default of this name',
        ],
      });
      continue;
    }
    const changes = describeChanges(existing, validation.item, desired);
    if (changes.length === 0) edits.push({ kind: 'unchanged', row: row.row, key });
    else
      edits.push({
        kind: 'change',
        row: row.row,
        key,
        desired: stripKey(cells),
        remove,
        expected: existing,
        changes,
      });
  }

  if (input.prune) {
    for (const entry of input.table) {
      if (!inFile.has(keyText(entry.key))) edits.push({ kind: 'delete', key: entry.key, expected: entry });
    }
  }
  problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return { edits, problems, badRows };
}

function stripKey(content: Record<string, unknown>): Record<string, unknown> {
  const { accountId: _a, budgetName: _b, ...rest } = content;
  return rest;
}

/**
 * What differs between the item in the table and the row, attribute by attribute, compared in
 * normalized form (defaults filled, lists sorted): `currency` left empty and `USD` are the same
 * budget. An item the contract rejects is compared as written.
 */
function describeChanges(
  existing: TableEntry,
  desired: BudgetItem | OptOutItem,
  raw: Record<string, unknown>,
): string[] {
  const changes: string[] = [];
  for (const name of CONTENT_ATTRIBUTES) {
    const before = existing.normalized
      ? (existing.normalized as Record<string, unknown>)[name]
      : existing.content[name];
    const after = existing.normalized ? (desired as Record<string, unknown>)[name] : raw[name];
    if (!same(normalizeForCompare(before), normalizeForCompare(after))) {
      changes.push(`${name} ${describe(before)} → ${describe(after)}`);
    }
  }
  return changes;
}

const normalizeForCompare = (value: unknown): unknown =>
  value instanceof Set
    ? [...(value as Set<unknown>)].map(normalizeForCompare)
    : Array.isArray(value)
      ? value.map(normalizeForCompare)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, normalizeForCompare((value as Record<string, unknown>)[k])]),
          )
        : value;

/** Counts of a plan, by kind. */
export function countPlan(plan: ImportPlan): Record<PlannedEdit['kind'], number> {
  const counts = { add: 0, change: 0, delete: 0, unchanged: 0 };
  for (const edit of plan.edits) counts[edit.kind] += 1;
  return counts;
}
