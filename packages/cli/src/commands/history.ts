import { queryEditHistory, type EditHistoryEntry } from '@org-budgets/aws';
import { CliError, type CliContext } from '../context';
import { HISTORY_HEADINGS, historyCells, renderHistoryCsv, renderHistoryJson } from '../history-view';
import { renderTable } from '../list-view';
import { describeError } from '../propagation';

export interface HistoryOptions {
  json?: boolean;
  csv?: boolean;
}

/** An account id, OU id or root id: used as typed, without asking the organization. */
const ITEM_ID = /^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

/**
 * `history ACCOUNT BUDGET`: every recorded edit of one budget, newest first — when, the revision,
 * what changed (old → new), who made it where that is known, and its outcome (docs/history.md).
 * An id is used as typed (the history outlives accounts that left); a name is looked up in the
 * organization.
 */
export async function showHistory(
  context: CliContext,
  account: string,
  budgetName: string,
  options: HistoryOptions,
): Promise<number> {
  if (options.json && options.csv) throw new CliError('choose one of --json and --csv', 2);
  let accountId = account.trim();
  if (!ITEM_ID.test(accountId)) {
    const resolved = (await context.directory()).resolveAccount(accountId);
    if ('problem' in resolved) throw new CliError(resolved.problem);
    accountId = resolved.id;
  }
  let entries: EditHistoryEntry[];
  try {
    entries = await queryEditHistory(context.ddb, context.historyTableName, { accountId, budgetName });
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') {
      throw new CliError(
        `the history table ${context.historyTableName} does not exist here: give --table (or --stage) of the hub's deploy, or ORG_BUDGETS_HISTORY_TABLE`,
      );
    }
    throw new CliError(`could not read the history table ${context.historyTableName}: ${describeError(error)}`);
  }
  if (entries.length === 0) {
    throw new CliError(
      `no history for ${accountId}/${budgetName} in ${context.historyTableName}: no edit of that budget was recorded ` +
        '(a typo in the account or budget name — names are case-sensitive —, or its last edit is older than the retention)',
    );
  }
  const { stdout } = context.io;
  if (options.json) stdout.write(renderHistoryJson(entries));
  else if (options.csv) stdout.write(renderHistoryCsv(entries));
  else {
    stdout.write(`${accountId}/${budgetName}: ${entries.length} edit(s), newest first\n`);
    stdout.write(`${renderTable(HISTORY_HEADINGS, entries.map(historyCells))}\n`);
  }
  return 0;
}
