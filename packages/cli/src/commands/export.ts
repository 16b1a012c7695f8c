import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeBudgetCsv, type Delimiter } from '../budget-csv';
import { itemToCells } from '../budget-row';
import { CliError, type CliContext } from '../context';

export interface ExportOptions {
  bom: boolean;
  delimiter?: Delimiter;
}

/**
 * `export FILE.csv` (`-`: standard output): every item in the import format, sorted by account
 * and budget, so that export → edit in a spreadsheet → import changes exactly what was edited.
 */
export async function exportBudgets(context: CliContext, file: string, options: ExportOptions): Promise<number> {
  const entries = (await context.tableEntries()).sort(
    (a, b) => a.key.accountId.localeCompare(b.key.accountId) || a.key.budgetName.localeCompare(b.key.budgetName),
  );
  const rows = entries.map((entry) => {
    const { cells } = itemToCells(entry.content);
    const unexported = entry.unknownAttributes ?? [];
    if (unexported.length > 0) {
      context.io.stderr.write(
        `warning: ${entry.key.accountId}/${entry.key.budgetName} has ${unexported.join(', ')}, which the CSV format has no column for (not a known attribute: the hub rejects the item)\n`,
      );
    }
    return cells;
  });
  const text = writeBudgetCsv(rows, {
    bom: options.bom,
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
  });
  if (file === '-') {
    context.io.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(resolve(context.io.cwd, file), text, 'utf8');
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`);
  }
  context.io.stdout.write(`${rows.length} budget(s) written to ${file}\n`);
  return 0;
}
