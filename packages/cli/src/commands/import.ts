import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  BudgetCsvUnreadableError,
  DELIMITER_NAMES,
  parseBudgetCsv,
  type CsvProblem,
  type Delimiter,
} from '../budget-csv';
import { keyText } from '../budget-table';
import { CliError, type CliContext } from '../context';
import { countPlan, planImport, type ImportPlan, type PlannedEdit } from '../import-plan';
import { renderTable } from '../list-view';
import { startProgressBar, type PropagationCounts } from '../progress';
import { deleteItem, mapLimited, waitForOutcomes, writeItem, type EditOutcome, type WrittenEdit } from '../propagation';

export interface ImportOptions {
  dryRun: boolean;
  prune: boolean;
  /** Write the good rows even if some are bad (the bad ones are reported and skipped). */
  skipInvalid: boolean;
  delimiter?: Delimiter;
  wait: boolean;
  /** Seconds. */
  timeout: number;
  /** Writes at once. */
  concurrency: number;
  /** Rows of each kind listed in the plan (the rest counted). */
  showPlan: number;
  /** Called after the plan is made and before anything is written (tests edit the table here). */
  beforeWrite?: () => Promise<void>;
}

export const describeProblem = (p: CsvProblem): string =>
  `${p.row !== undefined ? `row ${p.row}` : 'file'}${p.column ? `, column ${p.column}` : ''}: ${p.message}`;

/**
 * `import FILE.csv`: reads and checks every row first and writes nothing while a row is bad
 * (unless --skip-invalid); shows the plan; writes each edit only if the item is still as read
 * (an edit made meanwhile in the console is reported, never overwritten); then follows the
 * edits to their final status with a progress bar and ends with a summary per row.
 */
export async function importBudgets(context: CliContext, file: string, options: ImportOptions): Promise<number> {
  const { stdout, stderr } = context.io;
  let text: string;
  try {
    text = await readFile(resolve(context.io.cwd, file), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let csv;
  try {
    csv = parseBudgetCsv(text, options.delimiter ? { delimiter: options.delimiter } : {});
  } catch (error) {
    if (error instanceof BudgetCsvUnreadableError) throw new CliError(`${file}: ${error.message}; nothing written`);
    throw error;
  }
  if (csv.delimiter !== ',') stdout.write(`${file}: read as ${DELIMITER_NAMES[csv.delimiter]}-separated\n`);
  const [table, directory] = await Promise.all([context.tableEntries(), context.directory()]);
  const plan = planImport({ rows: csv.rows, columns: csv.columns, table, directory, prune: options.prune });
  const problems = [...csv.problems, ...plan.problems].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  const badRows = new Set([...plan.badRows, ...csv.problems.flatMap((p) => (p.row === undefined ? [] : [p.row]))]);
  const headerBad = csv.problems.some((p) => p.row === 1 || p.row === undefined);

  printPlan(context, plan, csv.rows.length, options.showPlan);
  if (problems.length > 0) {
    stderr.write(`\n${badRows.size} row(s) with problems:\n`);
    for (const p of problems) stderr.write(`  ${describeProblem(p)}\n`);
    if (headerBad || !options.skipInvalid) {
      stderr.write(
        headerBad
          ? 'nothing written: fix the header row and import again\n'
          : 'nothing written: fix these rows and import again (or --skip-invalid to write the other rows)\n',
      );
      return 1;
    }
    stderr.write(`--skip-invalid: these ${badRows.size} row(s) are skipped\n`);
  }
  if (options.dryRun) {
    stdout.write('dry run: nothing written\n');
    return problems.length > 0 ? 1 : 0;
  }
  const writes = plan.edits.filter(
    (edit): edit is Exclude<PlannedEdit, { kind: 'unchanged' }> => edit.kind !== 'unchanged',
  );
  if (writes.length === 0) {
    stdout.write('nothing to write: the table already matches the file\n');
    return problems.length > 0 ? 1 : 0;
  }
  await options.beforeWrite?.();

  const outcomes = new Map<string, EditOutcome>();
  const written: WrittenEdit[] = [];
  await mapLimited(writes, options.concurrency, async (edit) => {
    if (edit.kind === 'delete') {
      outcomes.set(keyText(edit.key), await deleteItem(context, edit.key, edit.expected.image));
      return;
    }
    const result = await writeItem(context, edit.key, edit.desired, edit.remove, edit.expected?.image);
    if ('outcome' in result) outcomes.set(keyText(edit.key), result.outcome);
    else written.push(result.written);
  });
  stdout.write(
    `written: ${written.length} edit(s)${countOf(outcomes, 'DELETED') ? `, ${countOf(outcomes, 'DELETED')} deletion(s)` : ''}\n`,
  );

  if (written.length > 0 && options.wait) {
    const counts: PropagationCounts = { APPLIED: 0, REJECTED: 0, FAILED: 0, other: 0 };
    const bar = startProgressBar(context.io, written.length);
    try {
      const waited = await waitForOutcomes(context, written, {
        timeoutMs: options.timeout * 1000,
        onOutcome: (_key, outcome) => {
          if (outcome.status === 'APPLIED' || outcome.status === 'REJECTED' || outcome.status === 'FAILED')
            counts[outcome.status] += 1;
          else counts.other += 1;
          bar.tick(counts);
        },
      });
      for (const [key, outcome] of waited) outcomes.set(key, outcome);
    } finally {
      bar.stop();
    }
  } else {
    for (const edit of written) {
      outcomes.set(keyText(edit.key), {
        status: 'WAITING',
        message: 'written; not waited for (see org-budgets status)',
      });
    }
  }
  return printSummary(context, plan, outcomes, problems.length > 0);
}

const countOf = (outcomes: Map<string, EditOutcome>, status: EditOutcome['status']) =>
  [...outcomes.values()].filter((o) => o.status === status).length;

function printPlan(context: CliContext, plan: ImportPlan, rows: number, show: number): void {
  const counts = countPlan(plan);
  const { stdout } = context.io;
  stdout.write(
    `plan for ${rows} row(s): ${counts.add} to add, ${counts.change} to change, ` +
      `${counts.delete} to delete, ${counts.unchanged} unchanged\n`,
  );
  for (const kind of ['add', 'change', 'delete'] as const) {
    const edits = plan.edits.filter((edit) => edit.kind === kind);
    for (const edit of edits.slice(0, show)) stdout.write(`  ${describeEdit(edit)}\n`);
    if (edits.length > show) stdout.write(`  … and ${edits.length - show} more to ${kind}\n`);
  }
}

function describeEdit(edit: PlannedEdit): string {
  const key = `${edit.key.accountId}/${edit.key.budgetName}`;
  switch (edit.kind) {
    case 'add':
      return `+ ${key} (row ${edit.row}): ${edit.changes.join(', ')}`;
    case 'change':
      return `~ ${key} (row ${edit.row}): ${edit.changes.join(', ')}`;
    case 'delete':
      return `- ${key} (not in the file; --prune)`;
    case 'unchanged':
      return `= ${key} (row ${edit.row})`;
  }
}

/** The per-row summary: every row that did not end APPLIED, then the counts. Exit 1 unless all went through. */
function printSummary(
  context: CliContext,
  plan: ImportPlan,
  outcomes: Map<string, EditOutcome>,
  hadProblems: boolean,
): number {
  const { stdout } = context.io;
  const rows: string[][] = [];
  for (const edit of plan.edits) {
    if (edit.kind === 'unchanged') continue;
    const outcome = outcomes.get(keyText(edit.key));
    if (!outcome || outcome.status === 'APPLIED') continue;
    rows.push([
      edit.kind === 'delete' ? '—' : String(edit.row),
      `${edit.key.accountId}/${edit.key.budgetName}`,
      edit.kind,
      outcome.status,
      outcome.message,
    ]);
  }
  const totals = new Map<string, number>();
  for (const outcome of outcomes.values()) totals.set(outcome.status, (totals.get(outcome.status) ?? 0) + 1);
  if (rows.length > 0) stdout.write(`\n${renderTable(['ROW', 'BUDGET', 'EDIT', 'OUTCOME', 'MESSAGE'], rows)}\n`);
  const order = ['APPLIED', 'REJECTED', 'FAILED', 'CHANGED', 'WAITING', 'ERROR', 'DELETED'];
  stdout.write(
    `summary: ${order
      .filter((status) => totals.has(status) || ['APPLIED', 'REJECTED', 'FAILED'].includes(status))
      .map((status) => `${status} ${totals.get(status) ?? 0}`)
      .join(', ')}; ${countPlan(plan).unchanged} unchanged\n`,
  );
  const ok = [...outcomes.values()].every((o) => o.status === 'APPLIED' || o.status === 'DELETED');
  return ok && !hadProblems ? 0 : 1;
}
