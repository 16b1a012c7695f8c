import type { CliContext } from '../context';
import {
  LIST_HEADINGS,
  listingCells,
  matchesFilters,
  renderListCsv,
  renderListJson,
  renderTable,
  toListing,
  type ListFilters,
} from '../list-view';
import { CliError } from '../context';
import { describeError } from '../propagation';
import type { OrganizationDirectory } from '../organization-directory';

export interface ListOptions extends ListFilters {
  json?: boolean;
  csv?: boolean;
}

/**
 * `list` / `status`: every budget of the table with its account's name and OU, its status, its
 * spend and state when the hub writes them, and when its status last changed; filtered, as a
 * table, JSON or CSV. Without the organization (no permission) the table is still shown, with
 * a warning, without names and OUs (an OU filter then needs it and fails).
 */
export async function listBudgets(context: CliContext, options: ListOptions): Promise<number> {
  if (options.json && options.csv) throw new CliError('choose one of --json and --csv', 2);
  const entries = await context.tableEntries();
  const directory = await context.directory().catch((error: unknown) => {
    if (options.ou?.length) throw error;
    context.io.stderr.write(
      `warning: ${error instanceof Error ? error.message : describeError(error)}; names and OUs are not shown\n`,
    );
    return undefined;
  });
  checkOuFilters(options, directory);
  const listings = entries
    .map((entry) => toListing(entry, directory))
    .filter((listing) => matchesFilters(listing, options, directory))
    .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.budgetName.localeCompare(b.budgetName));

  const { stdout } = context.io;
  if (options.json) {
    stdout.write(renderListJson(listings));
    return 0;
  }
  if (options.csv) {
    stdout.write(renderListCsv(listings));
    return 0;
  }
  if (listings.length === 0) {
    stdout.write(entries.length === 0 ? `no budgets in ${context.tableName}\n` : 'no budget matches the filters\n');
    return 0;
  }
  stdout.write(`${renderTable(LIST_HEADINGS, listings.map(listingCells))}\n`);
  const problems = listings.filter((l) => l.status === 'REJECTED' || l.status === 'FAILED');
  for (const l of problems) stdout.write(`${l.status} ${l.accountId}/${l.budgetName}: ${l.message ?? ''}\n`);
  const counts = new Map<string, number>();
  for (const l of listings) counts.set(l.status ?? 'no status', (counts.get(l.status ?? 'no status') ?? 0) + 1);
  stdout.write(`${listings.length} budget(s): ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}\n`);
  return 0;
}

function checkOuFilters(options: ListOptions, directory: OrganizationDirectory | undefined): void {
  for (const ou of options.ou ?? []) {
    if (directory && !directory.hasUnit(ou))
      throw new CliError(`no OU "${ou}" in the organization (give its name, path or id)`, 2);
  }
}
