import { queryBudgetItemImages } from '@org-budgets/aws';
import { describeTarget, isDefaultTarget } from '@org-budgets/contracts';
import { parseAmountCell, parseEmailsCell, parseThresholdsCell } from '../budget-row';
import { tableEntry, validateItem, type TableEntry } from '../budget-table';
import { CliError, type CliContext } from '../context';
import { startSpinner } from '../progress';
import {
  deleteItem,
  describeError,
  revisionBeforeDeletion,
  waitForDeletion,
  waitForOutcomes,
  writeItem,
  type EditOutcome,
} from '../propagation';

export interface SetOptions {
  amount?: string;
  currency?: string;
  period?: string;
  emails?: string;
  alertAt?: string;
  forecastAlertAt?: string;
  notes?: string;
  /** Write the account's opt-out of an organization default of this name instead of a budget. */
  optOut?: boolean;
  wait: boolean;
  /** Seconds. */
  timeout: number;
}

/**
 * The id an argument names (an account id or exact name, or an OU or root id for an organization
 * default), and the items of that id.
 */
async function accountItems(context: CliContext, account: string): Promise<{ accountId: string; items: TableEntry[] }> {
  const directory = await context.directory();
  const resolved = directory.resolveAccount(account);
  if ('problem' in resolved) throw new CliError(resolved.problem);
  const problem = directory.problemWith(resolved.id);
  if (problem) throw new CliError(problem);
  try {
    const images = await queryBudgetItemImages(context.ddb, context.tableName, resolved.id);
    return { accountId: resolved.id, items: images.map(tableEntry) };
  } catch (error) {
    throw context.tableError(error);
  }
}

function caseTwin(items: readonly TableEntry[], budgetName: string): TableEntry | undefined {
  return items.find(
    (item) => item.key.budgetName !== budgetName && item.key.budgetName.toLowerCase() === budgetName.toLowerCase(),
  );
}

/**
 * `set ACCOUNT BUDGET --amount …`: creates the item or changes the attributes given (the others
 * stay), validated by the contract first with the hub's messages; written only if the item is
 * still as read; then waits for the hub and the member account and exits 1 on REJECTED or FAILED.
 * With an OU or root id instead of an account, the item is an organization default: validated as
 * the hub validates one, and waited for until every account below it has it APPLIED (the status
 * expand-org-defaults writes on it) or one FAILED.
 */
export async function setBudget(
  context: CliContext,
  account: string,
  budgetName: string,
  options: SetOptions,
): Promise<number> {
  const { accountId, items } = await accountItems(context, account);
  const existing = items.find((item) => item.key.budgetName === budgetName);
  const twin = caseTwin(items, budgetName);
  if (!existing && twin) {
    throw new CliError(
      `"${budgetName}" differs only by case from the existing budget "${twin.key.budgetName}" of ${describeTarget(accountId)}: ` +
        `write "${twin.key.budgetName}" to change it (to rename it, delete the old one first)`,
    );
  }
  if (options.optOut) return setOptOut(context, accountId, budgetName, existing, options);
  // An opt-out given budget attributes becomes the account's own budget (its notes kept).
  const optedOut = existing?.content['optOut'] === true;
  const base = existing && !optedOut ? existing.content : { accountId, budgetName, ...notesOf(existing) };
  const desired: Record<string, unknown> = { ...base };
  const problems: string[] = [];
  if (options.amount !== undefined) {
    const amount = parseAmountCell(options.amount);
    if ('problem' in amount) problems.push(`--amount ${amount.problem}`);
    else desired['amount'] = amount.value;
  }
  if (options.currency !== undefined) desired['currency'] = options.currency.trim();
  if (options.period !== undefined) desired['period'] = options.period.trim().toUpperCase();
  if (options.emails !== undefined) desired['emails'] = parseEmailsCell(options.emails);
  for (const [option, name] of [
    ['alertAt', 'alertAt'],
    ['forecastAlertAt', 'forecastAlertAt'],
  ] as const) {
    const text = options[option];
    if (text === undefined) continue;
    const thresholds = parseThresholdsCell(text);
    if ('problem' in thresholds)
      problems.push(`--${option === 'alertAt' ? 'alert-at' : 'forecast-alert-at'} ${thresholds.problem}`);
    else desired[name] = thresholds.value;
  }
  if (options.notes !== undefined) desired['notes'] = options.notes;
  if (problems.length > 0) throw new CliError(problems.join('\n'));
  const validation = validateItem(desired);
  if (!validation.valid) {
    throw new CliError(
      `${existing && !optedOut ? 'the budget would be' : 'the new budget is'} invalid, nothing written: ${validation.message}` +
        ((existing && !optedOut) || options.amount !== undefined
          ? ''
          : optedOut
            ? ' (the account opted out of this budget: its own budget needs --amount)'
            : ' (a new budget needs --amount)'),
    );
  }
  if (existing?.normalized && JSON.stringify(existing.normalized) === JSON.stringify(validation.item)) {
    context.io.stdout.write(
      `${accountId}/${budgetName} unchanged (status ${existing.sync?.status ?? 'none'}${existing.sync?.message ? `: ${existing.sync.message}` : ''})\n`,
    );
    return 0;
  }
  return writeAndWait(context, accountId, budgetName, desired, existing, options);
}

/** The budget attributes `set` takes as options, by option name: none of them goes with --opt-out. */
const BUDGET_OPTIONS = [
  ['amount', '--amount'],
  ['currency', '--currency'],
  ['period', '--period'],
  ['emails', '--emails'],
  ['alertAt', '--alert-at'],
  ['forecastAlertAt', '--forecast-alert-at'],
] as const;

/**
 * `set ACCOUNT BUDGET --opt-out [--notes …]`: the account's opt-out of the organization default
 * of that name (docs/organization-defaults.md): the item becomes `optOut: true` (its notes kept
 * or replaced), whatever it was (an inherited copy, the account's own budget); the hub removes the
 * budget from the account and says `APPLIED: opted out`.
 */
async function setOptOut(
  context: CliContext,
  accountId: string,
  budgetName: string,
  existing: TableEntry | undefined,
  options: SetOptions,
): Promise<number> {
  if (isDefaultTarget(accountId)) {
    throw new CliError(
      `--opt-out is for an account: ${describeTarget(accountId)} holds organization defaults (to stop one, delete it)`,
    );
  }
  const given = BUDGET_OPTIONS.filter(([name]) => options[name] !== undefined).map(([, flag]) => flag);
  if (given.length > 0) {
    throw new CliError(
      `--opt-out takes no budget attributes (${given.join(', ')} given): an opt-out holds only accountId, budgetName, optOut and notes`,
    );
  }
  const desired: Record<string, unknown> = {
    accountId,
    budgetName,
    optOut: true,
    ...(options.notes === undefined ? notesOf(existing) : { notes: options.notes }),
  };
  const validation = validateItem(desired);
  if (!validation.valid) throw new CliError(`the opt-out is invalid, nothing written: ${validation.message}`);
  if (existing?.normalized && JSON.stringify(existing.normalized) === JSON.stringify(validation.item)) {
    context.io.stdout.write(
      `${accountId}/${budgetName} unchanged: opted out already (status ${existing.sync?.status ?? 'none'})\n`,
    );
    return 0;
  }
  return writeAndWait(context, accountId, budgetName, desired, existing, options);
}

/** The notes of the account's own item (an inherited copy's are the default's: not kept). */
function notesOf(existing: TableEntry | undefined): { notes?: unknown } {
  const notes = existing?.content['notes'];
  return notes === undefined || existing?.content['inheritedFrom'] !== undefined ? {} : { notes };
}

/** Writes `desired` over `existing` (attributes it lacks removed) if the item is still as read, then waits unless told not to. */
async function writeAndWait(
  context: CliContext,
  accountId: string,
  budgetName: string,
  desired: Record<string, unknown>,
  existing: TableEntry | undefined,
  options: SetOptions,
): Promise<number> {
  const { accountId: _a, budgetName: _b, ...content } = desired;
  const remove = existing ? Object.keys(existing.content).filter((name) => desired[name] === undefined) : [];
  const result = await writeItem(context, { accountId, budgetName }, content, remove, existing?.image);
  if ('outcome' in result) return report(context, `${accountId}/${budgetName}`, result.outcome);
  if (!options.wait) {
    context.io.stdout.write(
      `${accountId}/${budgetName} written; not waiting for its status (see org-budgets status)\n`,
    );
    return 0;
  }
  const spinner = startSpinner(
    context.io,
    `${accountId}/${budgetName}: waiting for the hub and ${isDefaultTarget(accountId) ? 'every member account below it' : 'the member account'}`,
  );
  const outcomes = await waitForOutcomes(context, [result.written], { timeoutMs: options.timeout * 1000 });
  const outcome = outcomes.values().next().value as EditOutcome;
  const line = `${accountId}/${budgetName}: ${outcome.status}${outcome.message ? ` — ${outcome.message}` : ''}`;
  if (outcome.status === 'APPLIED') spinner.succeed(line);
  else spinner.fail(line);
  return report(context, `${accountId}/${budgetName}`, outcome);
}

function report(context: CliContext, name: string, outcome: EditOutcome): number {
  const ok = outcome.status === 'APPLIED' || outcome.status === 'DELETED';
  (ok ? context.io.stdout : context.io.stderr).write(
    `${outcome.status} ${name}${outcome.message ? `: ${outcome.message}` : ''}\n`,
  );
  return ok ? 0 : 1;
}

export interface DeleteOptions {
  wait: boolean;
  /** Seconds. */
  timeout: number;
}

/**
 * `delete ACCOUNT BUDGET`: deletes the item only if it is still as read, then waits for the
 * deletion's outcome in the edit history (docs/history.md): exit 0 when the spoke reported the AWS
 * Budget deleted (or the account held no parameter), 1 with the reason on FAILED, or at the
 * timeout with how far it got. An organization default (OU or root) is not waited for: its
 * accounts' copies are deleted by expand-org-defaults, each with its own history.
 */
export async function deleteBudget(
  context: CliContext,
  account: string,
  budgetName: string,
  options: DeleteOptions = { wait: true, timeout: 120 },
): Promise<number> {
  const { accountId, items } = await accountItems(context, account);
  const existing = items.find((item) => item.key.budgetName === budgetName);
  if (!existing) {
    const twin = caseTwin(items, budgetName);
    throw new CliError(
      `account ${accountId} has no budget "${budgetName}"` +
        (twin ? ` (it has "${twin.key.budgetName}", which differs only by case)` : ''),
    );
  }
  const name = `${accountId}/${budgetName}`;
  const wait = options.wait && /^\d{12}$/.test(accountId);
  let after = -1n;
  if (wait) {
    try {
      after = await revisionBeforeDeletion(context, existing.key, existing.image);
    } catch (error) {
      throw new CliError(
        `could not read the history table ${context.historyTableName}, where the deletion's outcome is recorded ` +
          `(nothing deleted; --no-wait deletes without waiting): ${describeError(error)}`,
      );
    }
  }
  const deleted = await deleteItem(context, existing.key, existing.image);
  if (deleted.status !== 'DELETED' || !wait) {
    const unit = deleted.status === 'DELETED' && options.wait;
    return report(
      context,
      name,
      unit
        ? {
            status: 'DELETED',
            message:
              "deleted from the table; an organization default: expand-org-defaults deletes its accounts' copies " +
              '(org-budgets history ACCOUNT BUDGET follows each)',
          }
        : deleted,
    );
  }
  const spinner = startSpinner(
    context.io,
    `${name}: deleted from the table; waiting for the hub and the member account`,
  );
  const outcome = await waitForDeletion(context, existing.key, after, {
    timeoutMs: options.timeout * 1000,
    historyHint: `${accountId} ${budgetName}`,
    onProgress: (known) => spinner.update(`${name}: ${known}`),
  });
  const line = `${name}: ${outcome.status}${outcome.message ? ` — ${outcome.message}` : ''}`;
  if (outcome.status === 'DELETED') spinner.succeed(line);
  else spinner.fail(line);
  return report(context, name, outcome);
}
