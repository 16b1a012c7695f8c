import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { TableEntry } from './budget-table';
import type { OrganizationDirectory } from './organization-directory';

/** "—": nothing known (no status yet, no spend or state written by the hub). */
export const UNKNOWN = '—';

/** One budget as `list` shows it. */
export interface BudgetListing {
  accountId: string;
  /** The account's name, or for an OU item the OU's name. */
  accountName?: string;
  /** `account`, `ou` or `root` (an item for a whole OU or the root), or `unknown` (not in the organization). */
  target: 'account' | 'ou' | 'root' | 'unknown';
  /** Path of the OU that holds the account (or of the OU itself), from the root: `Root/Research`. */
  ou?: string;
  budgetName: string;
  amount?: unknown;
  currency?: unknown;
  period?: unknown;
  status?: string;
  message?: string;
  revision?: string;
  updatedAt?: string;
  spend?: unknown;
  state?: unknown;
}

export interface ListFilters {
  ou?: string[];
  account?: string[];
  status?: string[];
  state?: string[];
}

export function toListing(entry: TableEntry, directory: OrganizationDirectory | undefined): BudgetListing {
  const found = directory?.find(entry.key.accountId);
  const target: BudgetListing['target'] = !found
    ? 'unknown'
    : found.kind === 'account'
      ? 'account'
      : entry.key.accountId.startsWith('r-')
        ? 'root'
        : 'ou';
  const content = entry.normalized ?? entry.content;
  return {
    accountId: entry.key.accountId,
    ...(found ? { accountName: found.name, ou: found.unitPath } : {}),
    target,
    budgetName: entry.key.budgetName,
    amount: content['amount' as never],
    currency: content['currency' as never] ?? 'USD',
    period: content['period' as never] ?? 'MONTHLY',
    ...(entry.sync?.status ? { status: entry.sync.status } : {}),
    ...(entry.sync?.message ? { message: entry.sync.message } : {}),
    ...(entry.sync?.revision ? { revision: entry.sync.revision } : {}),
    ...(entry.sync?.updatedAt ? { updatedAt: entry.sync.updatedAt } : {}),
    ...(entry.spend !== undefined ? { spend: entry.spend } : {}),
    ...(entry.state !== undefined ? { state: entry.state } : {}),
  };
}

const lower = (values: string[] | undefined) => values?.map((v) => v.trim().toLowerCase()).filter((v) => v !== '');

/**
 * Whether a budget passes the filters: each filter given must match (any of its values). OU: the
 * account's OU or any OU above it, by id, name or path; account: id or name; status: the sync
 * status (`none` for an item without one); state: the budget's state as `list` shows it.
 */
export function matchesFilters(
  listing: BudgetListing,
  filters: ListFilters,
  directory: OrganizationDirectory | undefined,
): boolean {
  const ous = lower(filters.ou);
  if (ous?.length && !ous.some((ou) => directory?.isUnder(listing.accountId, ou))) return false;
  const accounts = lower(filters.account);
  if (
    accounts?.length &&
    !accounts.some((a) => a === listing.accountId.toLowerCase() || a === listing.accountName?.toLowerCase())
  ) {
    return false;
  }
  const statuses = lower(filters.status);
  if (statuses?.length && !statuses.includes((listing.status ?? 'none').toLowerCase())) return false;
  const states = lower(filters.state);
  if (states?.length && !states.includes(describeState(listing.state).toLowerCase())) return false;
  return true;
}

const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });

function describeNumber(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? NUMBER_FORMAT.format(value) : undefined;
}

/**
 * The spend as the hub writes it (`spend`): a number, or a map whose `actual`, `estimated`,
 * `estimate` or `amount` is a number (the first of these), with the share of the budget.
 */
export function describeSpend(spend: unknown, amount: unknown): string {
  let value: number | undefined;
  if (typeof spend === 'number') value = spend;
  else if (typeof spend === 'object' && spend !== null) {
    const map = spend as Record<string, unknown>;
    const found = ['actual', 'estimated', 'estimate', 'amount'].map((k) => map[k]).find((v) => typeof v === 'number');
    value = found;
  }
  const text = describeNumber(value);
  if (text === undefined) return UNKNOWN;
  const share = typeof amount === 'number' && amount > 0 ? ` (${Math.round(((value as number) / amount) * 100)}%)` : '';
  return `${text}${share}`;
}

/** The budget's state as the hub writes it (`state`): a text, or a map's `state`, `status` or `level`. */
export function describeState(state: unknown): string {
  if (typeof state === 'string' && state !== '') return state;
  if (typeof state === 'object' && state !== null) {
    const map = state as Record<string, unknown>;
    const found = ['state', 'status', 'level'].map((k) => map[k]).find((v) => typeof v === 'string' && v !== '');
    if (typeof found === 'string') return found;
  }
  return UNKNOWN;
}

function describeAccount(listing: BudgetListing): string {
  if (listing.target === 'ou') return `${listing.accountId} (OU ${listing.accountName ?? ''})`;
  if (listing.target === 'root') return `${listing.accountId} (root)`;
  if (listing.target === 'unknown') return `${listing.accountId} (not in the organization)`;
  return `${listing.accountId} ${listing.accountName ?? ''}`.trim();
}

/** `2026-12-03T10:00:00.123Z` → `2026-12-03 10:00 UTC`. */
export function describeTime(iso: string | undefined): string {
  if (!iso) return UNKNOWN;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

const cell = (value: unknown): string => {
  if (value === undefined || value === null) return UNKNOWN;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
};

export const LIST_HEADINGS = ['ACCOUNT', 'OU', 'BUDGET', 'AMOUNT', 'PERIOD', 'STATUS', 'SPEND', 'STATE', 'LAST CHANGE'];

/** The rows of the table `list` prints. */
export function listingCells(listing: BudgetListing): string[] {
  return [
    describeAccount(listing),
    listing.ou ?? UNKNOWN,
    listing.budgetName,
    listing.amount === undefined ? UNKNOWN : `${cell(listing.amount)} ${cell(listing.currency)}`,
    cell(listing.period),
    listing.status ?? UNKNOWN,
    describeSpend(listing.spend, listing.amount),
    describeState(listing.state),
    describeTime(listing.updatedAt),
  ];
}

/** A plain table, no borders: columns padded, a heading row (cli-table3). */
export function renderTable(headings: string[], rows: string[][]): string {
  const table = new Table({
    head: headings,
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** `list --json`: one object per budget, with the raw `spend` and `state` when there are. */
export function renderListJson(listings: readonly BudgetListing[]): string {
  return `${JSON.stringify(listings, null, 2)}\n`;
}

/** `list --csv`: the table's data, one column per field. */
export function renderListCsv(listings: readonly BudgetListing[]): string {
  return stringify(
    listings.map((l) => [
      l.accountId,
      l.accountName ?? '',
      l.ou ?? '',
      l.budgetName,
      l.amount === undefined ? '' : cell(l.amount),
      cell(l.currency),
      cell(l.period),
      l.status ?? '',
      l.message ?? '',
      l.updatedAt ?? '',
      describeSpend(l.spend, l.amount) === UNKNOWN ? '' : describeSpend(l.spend, l.amount),
      describeState(l.state) === UNKNOWN ? '' : describeState(l.state),
    ]),
    {
      header: true,
      columns: [
        'accountId',
        'accountName',
        'ou',
        'budgetName',
        'amount',
        'currency',
        'period',
        'status',
        'message',
        'updatedAt',
        'spend',
        'state',
      ],
      record_delimiter: 'unix',
    },
  );
}
