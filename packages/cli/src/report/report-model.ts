import { fromAttributeValue } from '@org-budgets/aws';
import { BUDGET_STATES } from '@org-budgets/contracts';
import type { TableEntry } from '../budget-table';
import { describeState, toListing, UNKNOWN, type BudgetListing } from '../list-view';
import type { OrganizationDirectory } from '../organization-directory';

/**
 * What `report` shows (docs/cli.md, "report"), built from the table's items and the organization
 * exactly as `list` reads them: plain data, no HTML. The page (report-page.ts) draws it.
 */
export interface ReportModel {
  generatedAt: string;
  tableName: string;
  /** False when the organization could not be read: no names and no OUs. */
  organizationKnown: boolean;
  totals: {
    /** Budgets of accounts (own items and copies of organization defaults). */
    budgets: number;
    accounts: number;
    /** OU and root items (organization defaults). */
    defaults: number;
    problems: number;
  };
  /** Every budget of an account (not the OU and root items), by account and budget. */
  budgets: ReportBudget[];
  /** Budget, actual and forecast per budget of each account, one chart per currency. */
  accountCharts: SpendChart[];
  /** Budget, actual and forecast added up per OU and budget name, one chart per currency. */
  ouCharts: SpendChart[];
  /** How many budgets of accounts are in each state (Unknown: no spend report yet). */
  states: Count[];
  /** How many items (defaults too) have each status (`none`: no status yet). */
  statuses: Count[];
  /** The OU and root items, with their roll-up. */
  defaults: ReportDefault[];
  /** The last lockdown decisions (`lockdownStatus`), most recent first. */
  lockdowns: ReportLockdown[];
  lockdownCounts: Count[];
  /** Budgets with a guardian estimate (`spend.guardianEstimate`), most recent first. */
  guardian: ReportGuardianEstimate[];
  /** Items REJECTED or FAILED, with their messages, most recent first. */
  problems: ReportProblem[];
  /** Lists cut to their first entries (charts' rows, lockdowns, guardian): how many were left out. */
  omitted: { lockdowns: number; guardian: number };
}

export interface Count {
  name: string;
  count: number;
}

export interface ReportBudget {
  accountId: string;
  /** "member-1 (111111111111)", "111111111111 (not in the organization)". */
  account: string;
  accountName?: string;
  ou?: string;
  budgetName: string;
  /** The OU or root whose default this budget is a copy of. */
  inheritedFrom?: string;
  amount?: number;
  currency: string;
  period: string;
  status?: string;
  message?: string;
  updatedAt?: string;
  state: string;
  stateReason?: string;
  actual?: number;
  forecasted?: number;
  actualPercent?: number;
  forecastedPercent?: number;
  awsUpdatedAt?: string;
}

/** A horizontal bar chart: per row the budget, the actual and the forecast, in one currency. */
export interface SpendChart {
  currency: string;
  rows: SpendRow[];
  /** Rows left out (the chart shows the first MAX_CHART_ROWS, most at risk first). */
  omitted: number;
}

export interface SpendRow {
  label: string;
  budget: number;
  /** null: no spend reported yet. */
  actual: number | null;
  forecast: number | null;
  /** For a row that adds budgets up: how many, and how many of them reported spend. */
  budgets?: number;
  reporting?: number;
}

export interface ReportDefault {
  target: string;
  /** "OU Research (Root/Research)", "root", "ou-… (not in the organization)". */
  targetLabel: string;
  budgetName: string;
  amount?: number;
  currency: string;
  status?: string;
  message?: string;
  rollup?: {
    accounts: number;
    applied: number;
    pending: number;
    failed: number;
    overridden: number;
    optedOut: number;
    actual?: number;
    forecasted?: number;
    reporting?: number;
    states: Count[];
  };
}

export interface ReportLockdown {
  account: string;
  budgetName: string;
  status: string;
  locked: boolean;
  mode: string;
  state: string;
  message: string;
  at: string;
}

export interface ReportGuardianEstimate {
  account: string;
  budgetName: string;
  currency: string;
  amount?: number;
  estimate: number;
  estimatePercent?: number;
  estimatedAt?: string;
  /** AWS Budgets' actual, for comparison. */
  actual?: number;
  actualPercent?: number;
}

export interface ReportProblem {
  account: string;
  budgetName: string;
  status: string;
  message: string;
  updatedAt?: string;
}

/** A chart shows at most this many rows (the most at risk); the table below it has every budget. */
export const MAX_CHART_ROWS = 40;
/** The lockdown and guardian tables show at most this many entries (the most recent). */
export const MAX_RECENT = 50;

export interface ReportModelInput {
  entries: readonly TableEntry[];
  directory: OrganizationDirectory | undefined;
  tableName: string;
  generatedAt: Date;
}

const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const map = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set)
    ? (value as Record<string, unknown>)
    : undefined;
const round2 = (n: number): number => Math.round(n * 100) / 100;
const byRecent = (a: string | undefined, b: string | undefined): number => (b ?? '').localeCompare(a ?? '');

/** An attribute of the stored item as a plain value (the hub's system attributes `list` does not read). */
function attribute(entry: TableEntry, name: string): unknown {
  const value = entry.image[name];
  return value === undefined ? undefined : fromAttributeValue(value as never);
}

function accountLabel(listing: BudgetListing, organizationKnown: boolean): string {
  if (!organizationKnown) return listing.accountId;
  switch (listing.target) {
    case 'account':
      return `${listing.accountName ?? ''} (${listing.accountId})`.trim();
    case 'ou':
      return `OU ${listing.accountName ?? ''} (${listing.ou ?? listing.accountId})`;
    case 'root':
      return `root (${listing.accountId})`;
    default:
      return `${listing.accountId} (not in the organization)`;
  }
}

/** Builds the report from the table's items and the organization (pure: no AWS calls, no clock). */
export function buildReportModel(input: ReportModelInput): ReportModel {
  const budgets: ReportBudget[] = [];
  const defaults: ReportDefault[] = [];
  const lockdowns: ReportLockdown[] = [];
  const guardian: ReportGuardianEstimate[] = [];
  const problems: ReportProblem[] = [];
  const statusCounts = new Map<string, number>();

  const sorted = [...input.entries].sort(
    (a, b) => a.key.accountId.localeCompare(b.key.accountId) || a.key.budgetName.localeCompare(b.key.budgetName),
  );
  for (const entry of sorted) {
    const listing = toListing(entry, input.directory);
    const account = accountLabel(listing, input.directory !== undefined);
    const isDefault = /^(ou|r)-/.test(entry.key.accountId);
    const status = listing.status;
    statusCounts.set(status ?? 'none', (statusCounts.get(status ?? 'none') ?? 0) + 1);
    if (status === 'REJECTED' || status === 'FAILED') {
      problems.push({
        account,
        budgetName: listing.budgetName,
        status,
        message: listing.message ?? status,
        ...(listing.updatedAt ? { updatedAt: listing.updatedAt } : {}),
      });
    }
    const amount = number(listing.amount);
    const currency = text(listing.currency) ?? 'USD';
    if (isDefault) {
      defaults.push(toDefault(entry, listing, account, amount, currency));
      continue;
    }
    const spend = map(listing.spend);
    const stateDetail = map(attribute(entry, 'stateDetail'));
    const state = describeState(listing.state);
    const inheritedFrom = text(attribute(entry, 'inheritedFrom'));
    const budget: ReportBudget = {
      accountId: listing.accountId,
      account,
      ...(listing.accountName ? { accountName: listing.accountName } : {}),
      ...(listing.ou ? { ou: listing.ou } : {}),
      budgetName: listing.budgetName,
      ...(inheritedFrom ? { inheritedFrom } : {}),
      ...(amount !== undefined ? { amount } : {}),
      currency: text(spend?.['currency']) ?? currency,
      period: text(listing.period) ?? 'MONTHLY',
      ...(status ? { status } : {}),
      ...(listing.message ? { message: listing.message } : {}),
      ...(listing.updatedAt ? { updatedAt: listing.updatedAt } : {}),
      state: state === UNKNOWN ? 'Unknown' : state,
      ...optional('stateReason', text(stateDetail?.['reason'])),
      ...optional('actual', number(spend?.['actual'])),
      ...optional('forecasted', number(spend?.['forecasted'])),
      ...optional('actualPercent', number(spend?.['actualPercent'])),
      ...optional('forecastedPercent', number(spend?.['forecastedPercent'])),
      ...optional('awsUpdatedAt', text(spend?.['awsUpdatedAt'])),
    };
    budgets.push(budget);
    const estimate = number(spend?.['guardianEstimate']);
    if (estimate !== undefined) {
      guardian.push({
        account,
        budgetName: listing.budgetName,
        currency: budget.currency,
        ...optional('amount', amount),
        estimate,
        ...optional('estimatePercent', number(spend?.['guardianEstimatePercent'])),
        ...optional('estimatedAt', text(spend?.['guardianEstimatedAt'])),
        ...optional('actual', budget.actual),
        ...optional('actualPercent', budget.actualPercent),
      });
    }
  }
  for (const entry of sorted) {
    const lockdown = map(attribute(entry, 'lockdownStatus'));
    const status = text(lockdown?.['status']);
    if (!lockdown || !status) continue;
    lockdowns.push({
      account: accountLabel(toListing(entry, input.directory), input.directory !== undefined),
      budgetName: entry.key.budgetName,
      status,
      locked: lockdown['locked'] === true,
      mode: text(lockdown['mode']) ?? UNKNOWN,
      state: text(lockdown['state']) ?? UNKNOWN,
      message: text(lockdown['message']) ?? '',
      at: text(lockdown['at']) ?? '',
    });
  }
  lockdowns.sort((a, b) => byRecent(a.at, b.at));
  guardian.sort((a, b) => byRecent(a.estimatedAt, b.estimatedAt));
  problems.sort((a, b) => byRecent(a.updatedAt, b.updatedAt));

  return {
    generatedAt: input.generatedAt.toISOString(),
    tableName: input.tableName,
    organizationKnown: input.directory !== undefined,
    totals: {
      budgets: budgets.length,
      accounts: new Set(budgets.map((b) => b.accountId)).size,
      defaults: defaults.length,
      problems: problems.length,
    },
    budgets,
    accountCharts: accountCharts(budgets),
    ouCharts: ouCharts(budgets),
    states: countStates(budgets),
    statuses: [...statusCounts].map(([name, count]) => ({ name, count })).sort(byStatusOrder),
    defaults,
    lockdowns: lockdowns.slice(0, MAX_RECENT),
    lockdownCounts: countBy(lockdowns.map((l) => l.status)),
    guardian: guardian.slice(0, MAX_RECENT),
    problems,
    omitted: {
      lockdowns: Math.max(0, lockdowns.length - MAX_RECENT),
      guardian: Math.max(0, guardian.length - MAX_RECENT),
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function toDefault(
  entry: TableEntry,
  listing: BudgetListing,
  targetLabel: string,
  amount: number | undefined,
  currency: string,
): ReportDefault {
  const rollup = map(attribute(entry, 'rollup'));
  const spend = map(rollup?.['spend']);
  const states = map(rollup?.['states']);
  const count = (name: string) => number(rollup?.[name]) ?? 0;
  return {
    target: listing.accountId,
    targetLabel,
    budgetName: listing.budgetName,
    ...optional('amount', amount),
    currency,
    ...optional('status', listing.status),
    ...optional('message', listing.message),
    ...(rollup
      ? {
          rollup: {
            accounts: count('accounts'),
            applied: count('applied'),
            pending: count('pending'),
            failed: count('failed'),
            overridden: count('overridden'),
            optedOut: count('optedOut'),
            ...optional('actual', number(spend?.['actual'])),
            ...optional('forecasted', number(spend?.['forecasted'])),
            ...optional('reporting', number(spend?.['accounts'])),
            states: sortStates(
              Object.entries(states ?? {})
                .filter((e): e is [string, number] => number(e[1]) !== undefined)
                .map(([name, n]) => ({ name, count: n })),
            ),
          },
        }
      : {}),
  };
}

/** The projected share of the amount: the forecast, or the actual when higher (as the states read it). */
function projectedPercent(budget: ReportBudget): number {
  return Math.max(budget.actualPercent ?? -1, budget.forecastedPercent ?? -1);
}

function groupByCurrency<T extends { currency: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.currency, [...(groups.get(item.currency) ?? []), item]);
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

function limitRows(currency: string, rows: SpendRow[]): SpendChart {
  return { currency, rows: rows.slice(0, MAX_CHART_ROWS), omitted: Math.max(0, rows.length - MAX_CHART_ROWS) };
}

/** A budget with an amount above 0 (an invalid item's amount, e.g. a REJECTED -5, is no budget to draw). */
const isChartable = (b: ReportBudget): boolean => b.amount !== undefined && b.amount > 0;

/** One row per budget of an account, most at risk first (the highest projected share of the amount). */
function accountCharts(budgets: readonly ReportBudget[]): SpendChart[] {
  const charts: SpendChart[] = [];
  for (const [currency, group] of groupByCurrency(budgets.filter(isChartable))) {
    const rows = [...group]
      .sort((a, b) => projectedPercent(b) - projectedPercent(a))
      .map((b) => ({
        label: `${b.accountName ?? b.accountId} · ${b.budgetName}`,
        budget: b.amount as number,
        actual: b.actual ?? null,
        forecast: b.forecasted ?? b.actual ?? null,
      }));
    charts.push(limitRows(currency, rows));
  }
  return charts;
}

/**
 * One row per OU and budget name: the budgets of that name of the accounts the OU holds directly,
 * added up (an account's budgets of different names are not: their cost filters may overlap).
 * The forecast of a budget without one counts as its actual.
 */
function ouCharts(budgets: readonly ReportBudget[]): SpendChart[] {
  const charts: SpendChart[] = [];
  for (const [currency, group] of groupByCurrency(budgets.filter((b) => isChartable(b) && b.ou))) {
    const rows = new Map<string, SpendRow>();
    for (const b of group) {
      const label = `${b.ou ?? ''} · ${b.budgetName}`;
      const row = rows.get(label) ?? { label, budget: 0, actual: null, forecast: null, budgets: 0, reporting: 0 };
      row.budget = round2(row.budget + (b.amount as number));
      row.budgets = (row.budgets ?? 0) + 1;
      if (b.actual !== undefined) {
        row.reporting = (row.reporting ?? 0) + 1;
        row.actual = round2((row.actual ?? 0) + b.actual);
        row.forecast = round2((row.forecast ?? 0) + (b.forecasted ?? b.actual));
      }
      rows.set(label, row);
    }
    const share = (r: SpendRow) => (r.budget > 0 ? (r.forecast ?? -1) / r.budget : -1);
    charts.push(
      limitRows(
        currency,
        [...rows.values()].sort((a, b) => share(b) - share(a) || a.label.localeCompare(b.label)),
      ),
    );
  }
  return charts;
}

function sortStates(counts: Count[]): Count[] {
  const rank = (name: string) => {
    const i = (BUDGET_STATES as readonly string[]).indexOf(name);
    return i < 0 ? BUDGET_STATES.length : i;
  };
  return counts.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

function countStates(budgets: readonly ReportBudget[]): Count[] {
  return sortStates(countBy(budgets.map((b) => b.state)));
}

function countBy(names: readonly string[]): Count[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => a.name.localeCompare(b.name));
}

const STATUS_ORDER = ['APPLIED', 'DELIVERED', 'PENDING', 'REJECTED', 'FAILED', 'none'];
function byStatusOrder(a: Count, b: Count): number {
  const rank = (name: string) => (STATUS_ORDER.includes(name) ? STATUS_ORDER.indexOf(name) : STATUS_ORDER.length);
  return rank(a.name) - rank(b.name) || a.name.localeCompare(b.name);
}
