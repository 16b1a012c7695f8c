import { inheritedItem, validateBudgetItem, type DefaultBudgetItem, type SyncStatus } from '@org-budgets/contracts';

/**
 * How organization defaults reach accounts (docs/organization-defaults.md): the pure part. The
 * hub keeps, for every account below an OU or root item, a copy of that item (`inheritedFrom`),
 * unless the account has its own item of that budget name (an override) or an opt-out item.
 * The nearest default wins: an account's OU before its parent OU, every OU before the root.
 */

/** An organization default as read from the table: valid (its normalized item) or not (REJECTED). */
export type DefaultEntry = { valid: true; item: DefaultBudgetItem } | { valid: false };

/** The defaults of each target (OU or root id), by budget name. */
export type DefaultsByTarget = ReadonlyMap<string, ReadonlyMap<string, DefaultEntry>>;

/** What an account holds for one budget name. */
export type AccountItemState =
  { kind: 'own' } | { kind: 'opt-out' } | { kind: 'copy'; inheritedFrom: string; content: Record<string, unknown> };

/** Where an account sits: its ancestors from the root down to its own OU. */
export interface AccountPlacement {
  accountId: string;
  path: readonly string[];
}

export type CopyAction =
  /** Write the copy (create it, or rewrite the account's copy); `expectedFrom` guards the write. */
  | { action: 'put'; accountId: string; budgetName: string; item: Record<string, unknown>; expectedFrom?: string }
  /** Delete the account's copy, only while it is still inherited from `inheritedFrom`. */
  | { action: 'delete'; accountId: string; budgetName: string; inheritedFrom: string }
  | {
      action: 'keep';
      accountId: string;
      budgetName: string;
      reason: 'unchanged' | 'overridden' | 'opted-out' | 'default-rejected';
      from?: string;
    };

/** The nearest default of `budgetName` on the path (nearest OU first, the root last). */
export function nearestDefault(
  path: readonly string[],
  budgetName: string,
  defaults: DefaultsByTarget,
): { target: string; entry: DefaultEntry } | undefined {
  for (let i = path.length - 1; i >= 0; i -= 1) {
    const target = path[i] as string;
    const entry = defaults.get(target)?.get(budgetName);
    if (entry) return { target, entry };
  }
  return undefined;
}

/**
 * What to write for one account: for each budget name (those given, or every name a default on
 * its path or a copy it holds mentions) the copy it should hold, compared with what it holds.
 * A rejected nearest default changes nothing: the account keeps its last good copy.
 */
export function planAccountCopies(
  account: AccountPlacement,
  defaults: DefaultsByTarget,
  items: ReadonlyMap<string, AccountItemState>,
  budgetNames?: ReadonlySet<string>,
): CopyAction[] {
  const names = new Set<string>(budgetNames ?? []);
  if (!budgetNames) {
    for (const target of account.path) for (const name of defaults.get(target)?.keys() ?? []) names.add(name);
    for (const [name, state] of items) if (state.kind === 'copy') names.add(name);
  }
  const actions: CopyAction[] = [];
  const { accountId } = account;
  for (const budgetName of [...names].sort()) {
    const held = items.get(budgetName);
    const nearest = nearestDefault(account.path, budgetName, defaults);
    const from = nearest?.target;
    if (held?.kind === 'own' || held?.kind === 'opt-out') {
      const reason = held.kind === 'own' ? 'overridden' : 'opted-out';
      if (nearest) actions.push({ action: 'keep', accountId, budgetName, reason, ...(from ? { from } : {}) });
      continue;
    }
    if (!nearest) {
      if (held?.kind === 'copy')
        actions.push({ action: 'delete', accountId, budgetName, inheritedFrom: held.inheritedFrom });
      continue;
    }
    if (!nearest.entry.valid) {
      actions.push({ action: 'keep', accountId, budgetName, reason: 'default-rejected', from: nearest.target });
      continue;
    }
    const item = inheritedItem(nearest.entry.item, accountId);
    if (held?.kind === 'copy' && held.inheritedFrom === nearest.target && sameCopy(held.content, item)) {
      actions.push({ action: 'keep', accountId, budgetName, reason: 'unchanged', from: nearest.target });
      continue;
    }
    actions.push({
      action: 'put',
      accountId,
      budgetName,
      item,
      ...(held?.kind === 'copy' ? { expectedFrom: held.inheritedFrom } : {}),
    });
  }
  return actions;
}

/** Whether a copy as read from the table (sets as Sets, lists as typed) holds what `desired` holds. */
export function sameCopy(held: Record<string, unknown>, desired: Record<string, unknown>): boolean {
  if (held['inheritedFrom'] !== desired['inheritedFrom']) return false;
  const a = validateBudgetItem(held);
  const b = validateBudgetItem(desired);
  return a.valid && b.valid && canonical(a.item) === canonical(b.item);
}

export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v instanceof Set
        ? [...(v as Set<unknown>)].sort()
        : v,
  );
}

/** How the accounts that inherit a default stand, as written onto the default's item (`rollup`). */
export interface DefaultRollup {
  /** Accounts holding a copy of this default. */
  accounts: number;
  applied: number;
  /** Copies delivered or waiting for delivery, or not yet rewritten after the default's last edit. */
  pending: number;
  failed: number;
  /** Accounts below the target with their own item of this name. */
  overridden: number;
  optedOut: number;
  /** The first accounts that failed, with their message (at most MAX_NAMED_FAILURES). */
  failedAccounts: { accountId: string; message: string }[];
  /**
   * The accounts' spend added up (AWS Budgets' figures as their spokes reported them), for the
   * copies that reported one in the default's currency: `accounts` says how many.
   */
  spend: { actual: number; forecasted: number; currency: string; accounts: number };
  /** How many accounts are in each budget state (Unknown for those without one yet). */
  states: Record<string, number>;
  /** The accounts in the most severe states (Over, Critical, Shutdown), at most MAX_NAMED_FAILURES. */
  accountsOver: { accountId: string; state: string }[];
  updatedAt: string;
}

/** States worth naming on the default, most severe first. */
const NAMED_STATES = ['Shutdown', 'Critical', 'Over'];

export const MAX_NAMED_FAILURES = 20;

/** A copy of the default as the roll-up reads it. */
export interface CopyStatus {
  accountId: string;
  content: Record<string, unknown>;
  sync?: Partial<SyncStatus>;
  spend?: { actual?: number; forecasted?: number; currency?: string };
  state?: string;
}

/**
 * The default's status from its copies: APPLIED when every copy holds the default's current
 * content and is APPLIED; FAILED (naming the accounts) when any current copy is FAILED or
 * REJECTED; DELIVERED while copies are on their way. Overrides and opt-outs are counted by the
 * expansion and kept.
 */
export function rollUpDefault(
  defaultItem: DefaultBudgetItem,
  copies: readonly CopyStatus[],
  excluded: { overridden: number; optedOut: number },
  now: Date,
): { status: 'APPLIED' | 'DELIVERED' | 'FAILED'; message: string; rollup: DefaultRollup } {
  const rollup: DefaultRollup = {
    accounts: copies.length,
    applied: 0,
    pending: 0,
    failed: 0,
    overridden: excluded.overridden,
    optedOut: excluded.optedOut,
    failedAccounts: [],
    spend: { actual: 0, forecasted: 0, currency: defaultItem.currency, accounts: 0 },
    states: {},
    accountsOver: [],
    updatedAt: now.toISOString(),
  };
  for (const copy of [...copies].sort((a, b) => a.accountId.localeCompare(b.accountId))) {
    const current = sameCopy(copy.content, inheritedItem(defaultItem, copy.accountId));
    const status = copy.sync?.status;
    addSpendAndState(rollup, copy);
    if (current && (status === 'FAILED' || status === 'REJECTED')) {
      rollup.failed += 1;
      if (rollup.failedAccounts.length < MAX_NAMED_FAILURES)
        rollup.failedAccounts.push({ accountId: copy.accountId, message: copy.sync?.message ?? status });
    } else if (current && status === 'APPLIED') rollup.applied += 1;
    else rollup.pending += 1;
  }
  const excludedText = describeExcluded(rollup);
  const n = rollup.accounts;
  if (rollup.failed > 0) {
    const named = rollup.failedAccounts.map((f) => `${f.accountId} (${f.message})`).join('; ');
    const more =
      rollup.failed > rollup.failedAccounts.length ? `; and ${rollup.failed - rollup.failedAccounts.length} more` : '';
    return {
      status: 'FAILED',
      message: `FAILED in ${count(rollup.failed)} of ${count(n)} accounts: ${named}${more}. APPLIED in ${count(rollup.applied)}${excludedText}`,
      rollup,
    };
  }
  if (rollup.pending === 0) {
    return {
      status: 'APPLIED',
      message:
        n === 0
          ? `no account below ${defaultItem.accountId} inherits it${excludedText}`
          : `APPLIED in all ${count(n)} accounts below ${defaultItem.accountId}${excludedText}`,
      rollup,
    };
  }
  return {
    status: 'DELIVERED',
    message: `APPLIED in ${count(rollup.applied)} of ${count(n)} accounts; ${count(rollup.pending)} on their way${excludedText}`,
    rollup,
  };
}

function addSpendAndState(rollup: DefaultRollup, copy: CopyStatus): void {
  const state = copy.state ?? 'Unknown';
  rollup.states[state] = (rollup.states[state] ?? 0) + 1;
  if (NAMED_STATES.includes(state) && rollup.accountsOver.length < MAX_NAMED_FAILURES)
    rollup.accountsOver.push({ accountId: copy.accountId, state });
  const spend = copy.spend;
  if (spend && typeof spend.actual === 'number' && spend.currency === rollup.spend.currency) {
    rollup.spend.accounts += 1;
    rollup.spend.actual = round2(rollup.spend.actual + spend.actual);
    rollup.spend.forecasted = round2(rollup.spend.forecasted + (spend.forecasted ?? spend.actual));
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function describeExcluded(rollup: DefaultRollup): string {
  const parts = [
    rollup.overridden ? `${count(rollup.overridden)} with their own item` : '',
    rollup.optedOut ? `${count(rollup.optedOut)} opted out` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
