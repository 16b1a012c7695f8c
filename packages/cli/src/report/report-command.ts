import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from '../context';
import { CliError } from '../context';
import { describeError } from '../propagation';
import { chartLibrarySource } from './chart-library';
import { buildReportModel } from './report-model';
import { renderReportPage } from './report-page';

export interface ReportOptions {
  out: string;
}

/**
 * `report --out report.html`: every budget read as `list` reads it (the table, the organization
 * for names and OUs), written as one self-contained page with charts (docs/cli.md, "report").
 * Without the organization (no permission) the page is still written, with a warning, without
 * names and OUs.
 */
export async function writeReport(context: CliContext, options: ReportOptions, now = new Date()): Promise<number> {
  const entries = await context.tableEntries();
  const directory = await context.directory().catch((error: unknown) => {
    context.io.stderr.write(
      `warning: ${error instanceof Error ? error.message : describeError(error)}; names and OUs are not shown\n`,
    );
    return undefined;
  });
  const model = buildReportModel({ entries, directory, tableName: context.tableName, generatedAt: now });
  const page = renderReportPage(model, chartLibrarySource());
  const file = resolve(context.io.cwd, options.out);
  try {
    await writeFile(file, page, 'utf8');
  } catch (error) {
    throw new CliError(`could not write ${file}: ${describeError(error)}`);
  }
  const t = model.totals;
  context.io.stdout.write(
    `wrote ${options.out}: ${t.budgets} budget(s) of ${t.accounts} account(s), ${t.defaults} organization default(s), ` +
      `${t.problems} REJECTED or FAILED\n`,
  );
  return 0;
}
