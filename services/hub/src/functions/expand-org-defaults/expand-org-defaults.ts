import { budgetTargetKind, classifyBudgetItem, validateDefaultItem, type SyncStatus } from '@org-budgets/contracts';
import type { BudgetItemKey, DefaultItemsStore, Logger, OrganizationTree, StoredItem } from '@org-budgets/aws';
import {
  planAccountCopies,
  rollUpDefault,
  type AccountItemState,
  type AccountPlacement,
  type CopyAction,
  type DefaultEntry,
} from '../../lib/org-defaults';

export interface ExpandDeps {
  items: DefaultItemsStore;
  /** The organization as it is now (read once per invocation by the handler). */
  tree(): Promise<OrganizationTree>;
  now: () => Date;
  logger: Logger;
  /** Copy writes at once (25). */
  maxConcurrency: number;
}

/** What one run did, for the log and the tests. */
export interface ExpansionReport {
  written: number;
  deleted: number;
  unchanged: number;
  overridden: number;
  optedOut: number;
  /** Writes refused because the account's item changed meanwhile (its own edit wins). */
  conflicts: number;
}

function emptyReport(): ExpansionReport {
  return { written: 0, deleted: 0, unchanged: 0, overridden: 0, optedOut: 0, conflicts: 0 };
}

/** The ancestors of a unit or account, root first, from the tree. */
export function pathOf(tree: OrganizationTree, id: string): string[] {
  const path: string[] = [];
  let parent = tree.accounts.get(id)?.parentId ?? tree.units.get(id)?.parentId;
  const seen = new Set<string>();
  while (parent && !seen.has(parent)) {
    seen.add(parent);
    path.unshift(parent);
    parent = tree.units.get(parent)?.parentId;
  }
  return path;
}

/** Every ACTIVE account below a unit (nested OUs included), with its path. */
export function accountsBelow(tree: OrganizationTree, target: string): AccountPlacement[] {
  const placements: AccountPlacement[] = [];
  for (const account of tree.accounts.values()) {
    if (account.state !== 'ACTIVE') continue;
    const path = pathOf(tree, account.id);
    if (path.includes(target)) placements.push({ accountId: account.id, path });
  }
  return placements.sort((a, b) => a.accountId.localeCompare(b.accountId));
}

/** The units below a target and above it: where a default of the same name may sit. */
function unitsAround(tree: OrganizationTree, target: string): string[] {
  const units = new Set<string>([...pathOf(tree, target), target]);
  for (const unit of tree.units.values()) if (pathOf(tree, unit.id).includes(target)) units.add(unit.id);
  return [...units];
}

export function accountItemState(item: StoredItem): AccountItemState {
  const classified = classifyBudgetItem(item.content);
  if (classified.kind === 'opt-out') return { kind: 'opt-out' };
  if (classified.kind === 'budget' && classified.inheritedFrom)
    return { kind: 'copy', inheritedFrom: classified.inheritedFrom, content: item.content };
  return { kind: 'own' };
}

function defaultEntry(item: StoredItem): DefaultEntry {
  const validation = validateDefaultItem(item.content);
  return validation.valid ? { valid: true, item: validation.item } : { valid: false };
}

/** Runs `task` over `items` with at most `limit` at once; every failure is collected, none lost. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} copy writes failed`);
}

async function applyActions(
  actions: readonly CopyAction[],
  deps: ExpandDeps,
  report: ExpansionReport,
  /** Why the account's spoke cannot be reached any more (it left the organization, or is closed). */
  outOfReach?: string,
) {
  await forEachLimited(actions, deps.maxConcurrency, async (action) => {
    switch (action.action) {
      case 'keep':
        if (action.reason === 'overridden') report.overridden += 1;
        else if (action.reason === 'opted-out') report.optedOut += 1;
        else report.unchanged += 1;
        return;
      case 'put': {
        const result = await deps.items.putCopy(action.item, action.expectedFrom);
        if (result === 'written') report.written += 1;
        else report.conflicts += 1;
        return;
      }
      case 'delete': {
        const result = await deps.items.deleteCopy(action, action.inheritedFrom, outOfReach);
        if (result === 'written') report.deleted += 1;
        else report.conflicts += 1;
        return;
      }
    }
  });
}

/**
 * An organization default was written or deleted: every account below its target gets, changes
 * or loses its copy of that budget (the nearest default of the name wins; own items and opt-outs
 * are left alone), then the default's status says how its accounts stand.
 */
export async function expandDefault(
  key: BudgetItemKey,
  revision: string,
  deps: ExpandDeps,
): Promise<ExpansionReport & { status?: SyncStatus['status'] }> {
  const report = emptyReport();
  const target = key.accountId;
  const [current] = await deps.items.getMany([key]);
  if (current) {
    const validation = validateDefaultItem(current.content);
    if (!validation.valid) {
      deps.logger.warn('organization default rejected', { ...key, revision, problems: validation.problems });
      await deps.items.writeDefaultStatus(
        key,
        {
          status: 'REJECTED',
          stage: 'validate',
          revision,
          message: validation.message,
          updatedAt: deps.now().toISOString(),
        },
        {},
      );
      return { ...report, status: 'REJECTED' };
    }
  }
  const tree = await deps.tree();
  if (!tree.units.has(target)) {
    const message = `${target} is not an OU or root of the organization: no account inherits this budget; check the id`;
    deps.logger.warn('organization default for an unknown target', { ...key, revision });
    if (current) {
      await deps.items.writeDefaultStatus(
        key,
        { status: 'FAILED', stage: 'deliver', revision, message, updatedAt: deps.now().toISOString() },
        {},
      );
    }
    return { ...report, status: 'FAILED' };
  }
  const accounts = accountsBelow(tree, target);
  const units = unitsAround(tree, target);
  const name = key.budgetName;
  const [defaultItems, accountItems] = await Promise.all([
    deps.items.getMany(units.map((unit) => ({ accountId: unit, budgetName: name }))),
    deps.items.getMany(accounts.map((a) => ({ accountId: a.accountId, budgetName: name }))),
  ]);
  const defaults = new Map(defaultItems.map((item) => [item.accountId, new Map([[name, defaultEntry(item)]])]));
  const held = new Map(accountItems.map((item) => [item.accountId, accountItemState(item)]));
  const actions = accounts.flatMap((account) => {
    const state = held.get(account.accountId);
    return planAccountCopies(account, defaults, new Map(state ? [[name, state]] : []), new Set([name]));
  });
  await applyActions(actions, deps, report);
  deps.logger.info('organization default expanded', { ...key, revision, accounts: accounts.length, ...report });
  if (!current) return report;
  const status = await rollUp(key, revision, deps, report);
  return { ...report, ...(status ? { status } : {}) };
}

/**
 * Expands a default again at the revision its status holds: after an account's own item or
 * opt-out replaced its copy or went away, an account moved, or at the hourly sweep, so that the
 * counts of overrides and opt-outs in its roll-up are exact (they come only from an expansion).
 * Idempotent: copies that are right are kept, the status keeps its revision. Nothing for a
 * default without a status yet (its own expansion is on its way).
 */
export async function recountDefault(
  key: BudgetItemKey,
  deps: ExpandDeps,
): Promise<(ExpansionReport & { status?: SyncStatus['status'] }) | undefined> {
  const [current] = await deps.items.getMany([key]);
  const revision = current?.sync?.revision;
  if (!revision) return undefined;
  return expandDefault(key, revision, deps);
}

/**
 * Writes the default's `sync` and `rollup` from its copies (the `inherited` index). The counts
 * of overrides and opt-outs come from the last expansion (`excluded`) or stay as written.
 */
export async function rollUp(
  key: BudgetItemKey,
  revision: string | undefined,
  deps: ExpandDeps,
  excluded?: { overridden: number; optedOut: number },
): Promise<SyncStatus['status'] | undefined> {
  const [current] = await deps.items.getMany([key]);
  if (!current) return undefined;
  const validation = validateDefaultItem(current.content);
  const atRevision = revision ?? current.sync?.revision;
  if (!validation.valid || !atRevision) return undefined;
  const copies = await deps.items.copiesOf(key.accountId, key.budgetName);
  const kept = {
    overridden: excluded?.overridden ?? Number(current.rollup?.['overridden'] ?? 0),
    optedOut: excluded?.optedOut ?? Number(current.rollup?.['optedOut'] ?? 0),
  };
  const result = rollUpDefault(validation.item, copies, kept, deps.now());
  const written = await deps.items.writeDefaultStatus(
    key,
    {
      status: result.status,
      stage: 'deliver',
      revision: atRevision,
      message: result.message,
      updatedAt: deps.now().toISOString(),
    },
    result.rollup,
  );
  if (written === 'superseded') deps.logger.info('roll-up not written: a newer edit of the default', { ...key });
  return result.status;
}

/**
 * An account's place changed (created, invited, moved, removed, closed): it gets the copies its
 * path now gives it and loses the others. An account no longer ACTIVE in the organization loses
 * every copy. Returns the defaults whose roll-up changed.
 */
export async function resolveAccount(
  accountId: string,
  deps: ExpandDeps,
  tree?: OrganizationTree,
): Promise<{ report: ExpansionReport; touched: BudgetItemKey[] }> {
  const report = emptyReport();
  const organization = tree ?? (await deps.tree());
  const account = organization.accounts.get(accountId);
  const path = account && account.state === 'ACTIVE' ? pathOf(organization, accountId) : [];
  const [own, ...perTarget] = await Promise.all([
    deps.items.itemsOf(accountId),
    ...path.map((target) => deps.items.itemsOf(target)),
  ]);
  const defaults = new Map(
    path.map((target, i) => [
      target,
      new Map((perTarget[i] ?? []).map((item) => [item.budgetName, defaultEntry(item)])),
    ]),
  );
  const held = new Map((own ?? []).map((item) => [item.budgetName, accountItemState(item)]));
  const actions = planAccountCopies({ accountId, path }, defaults, held);
  const outOfReach =
    account === undefined
      ? `account ${accountId} is no longer a member of the organization`
      : account.state !== 'ACTIVE'
        ? `account ${accountId} is ${account.state} in the organization`
        : undefined;
  await applyActions(actions, deps, report, outOfReach);
  const touched = new Map<string, BudgetItemKey>();
  for (const action of actions) {
    const from =
      action.action === 'put'
        ? [String(action.item['inheritedFrom']), action.expectedFrom]
        : action.action === 'delete'
          ? [action.inheritedFrom]
          : [];
    for (const target of from)
      if (target) touched.set(`${target}/${action.budgetName}`, { accountId: target, budgetName: action.budgetName });
  }
  deps.logger.info('account resolved against the organization defaults', { accountId, path, ...report });
  return { report, touched: [...touched.values()] };
}

/**
 * Every account against every default (the hourly sweep, and the safety net behind the events):
 * catches moves whose event was lost, and defaults whose expansion failed.
 */
export async function sweep(deps: ExpandDeps): Promise<ExpansionReport & { accounts: number }> {
  const tree = await deps.tree();
  const total = emptyReport();
  const touched = new Map<string, BudgetItemKey>();
  const accounts = [...tree.accounts.keys()].sort();
  // A few accounts at once, each with its copies in parallel: the sweep is the slow, sure path.
  await forEachLimited(accounts, 4, async (accountId) => {
    const { report, touched: keys } = await resolveAccount(accountId, deps, tree);
    for (const [name, value] of Object.entries(report)) total[name as keyof ExpansionReport] += value;
    for (const key of keys) touched.set(`${key.accountId}/${key.budgetName}`, key);
  });
  for (const unit of tree.units.keys()) {
    for (const item of await deps.items.itemsOf(unit)) {
      touched.set(`${item.accountId}/${item.budgetName}`, { accountId: item.accountId, budgetName: item.budgetName });
    }
  }
  // Every default expanded again: its counts of overrides and opt-outs recounted.
  await forEachLimited([...touched.values()], 4, async (key) => {
    await recountDefault(key, deps);
  });
  deps.logger.info('organization defaults swept', { accounts: accounts.length, ...total });
  return { ...total, accounts: accounts.length };
}

/** Whether an `accountId` names an OU or the root. */
export function isDefaultKey(key: BudgetItemKey): boolean {
  const kind = budgetTargetKind(key.accountId);
  return kind === 'ou' || kind === 'root';
}
