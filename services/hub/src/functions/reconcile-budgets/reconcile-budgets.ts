import { classifyBudgetItem, isDefaultTarget, type BudgetItem } from '@org-budgets/contracts';
import {
  describeError,
  parameterDigest,
  SpokeRoleUnavailableError,
  type BudgetItemKey,
  type ListedBudgetParameter,
  type OrganizationAccounts,
  type RepairRecord,
  type ScannedBudgetItem,
  type SpokeParameters,
  type SyncStatusStore,
} from '@org-budgets/aws';
import { parseBudgetParameter } from '@org-budgets/contracts';
import { createKeyedScheduler } from '../../lib/keyed-scheduler';
import type { Logger } from '@org-budgets/aws';
export type { Logger };

/** How long an item may wait for its spoke before the reconciler asks again, and how retries grow. */
export interface ReconcileTimings {
  /** PENDING or DELIVERED longer than this is redelivered (15 minutes). */
  stuckAfterMs: number;
  /** After the first repair of an item, the next waits this long, then twice as long each time (1 hour). */
  firstRetryMs: number;
  /** The longest wait between two repairs of one item (24 hours). */
  maxRetryMs: number;
}

export const DEFAULT_RECONCILE_TIMINGS: ReconcileTimings = {
  stuckAfterMs: 15 * 60_000,
  firstRetryMs: 60 * 60_000,
  maxRetryMs: 24 * 60 * 60_000,
};

export interface ReconcileDeps {
  /** Pages of every item in the table. */
  scanItems(): AsyncIterable<ScannedBudgetItem[]>;
  /**
   * The organization's accounts; left out when the hub is configured to look only at accounts
   * with items (then parameters in accounts without items and accounts that left go unseen).
   */
  listOrganizationAccounts?: () => Promise<OrganizationAccounts>;
  spokeParameters: SpokeParameters;
  syncStatus: SyncStatusStore;
  now: () => Date;
  logger: Logger;
  maxConcurrency: number;
  timings?: Partial<ReconcileTimings>;
}

export type RepairReason =
  | 'parameter missing'
  | 'parameter differs'
  | 'never delivered'
  | 'stuck PENDING'
  | 'stuck DELIVERED'
  | 'failed to deliver'
  | 'failed to apply';

export interface ItemRef {
  accountId: string;
  budgetName: string;
}

export interface ReconcileReport {
  items: number;
  inSync: number;
  /** Redeliveries requested (sync PENDING), with why. */
  repaired: (ItemRef & { reason: RepairReason; attempt: number })[];
  /** Spoke parameters without an item (a deletion that never arrived), deleted; the spoke then deletes the budget. */
  orphansDeleted: ItemRef[];
  /**
   * Items the reconciler could not bring back (yet): repaired before and still out of sync,
   * waiting for their next retry, or a REJECTED item whose last good parameter changed in the spoke.
   */
  notBroughtBack: (ItemRef & { reason: string })[];
  /** Items that changed while the reconciler looked: the stream is delivering them already. */
  changedMeanwhile: number;
  /** Accounts with items whose spoke role cannot be assumed (spoke not deployed yet): nothing changed there. */
  spokesUnreachable: { accountId: string; items: number; reason: string }[];
  /** Accounts with items that are not (or no longer) active in the organization; their items say so. */
  outsideOrganization: { accountId: string; items: number; state: string }[];
  /** Invalid items: REJECTED by the hub, never delivered. */
  invalid: number;
  /** Items delivered or requested less than `stuckAfterMs` ago: on their way. */
  onTheirWay: number;
  /** Organization accounts without items and without a spoke: nothing to look at. */
  accountsWithoutSpoke: number;
  /** Organization defaults (OU and root items): not delivered themselves; their copies are items. */
  defaults: number;
  errors: (ItemRef & { error: string })[];
}

/**
 * Closes every loop between the table and the spokes, per account (one GetParametersByPath):
 * - an item whose parameter is missing, or is not what the hub last wrote (digest), is redelivered;
 * - an item PENDING or DELIVERED for longer than `stuckAfterMs`, or FAILED (at delivery or in the
 *   spoke), is redelivered, with growing intervals between repeated repairs of the same item;
 * - a spoke parameter without an item (a deletion that never arrived) is deleted;
 * - items of accounts that are not active in the organization are marked FAILED with the reason.
 * A redelivery is a `sync.status` PENDING write (conditional on the `sync` it read), which the
 * stream delivers through the normal path with a new revision. It never writes a parameter itself.
 */
export async function reconcileBudgets(deps: ReconcileDeps): Promise<ReconcileReport> {
  const timings = { ...DEFAULT_RECONCILE_TIMINGS, ...deps.timings };
  const report: ReconcileReport = {
    items: 0,
    inSync: 0,
    repaired: [],
    orphansDeleted: [],
    notBroughtBack: [],
    changedMeanwhile: 0,
    spokesUnreachable: [],
    outsideOrganization: [],
    invalid: 0,
    onTheirWay: 0,
    accountsWithoutSpoke: 0,
    defaults: 0,
    errors: [],
  };
  const byAccount = new Map<string, ScannedBudgetItem[]>();
  for await (const page of deps.scanItems()) {
    for (const item of page) {
      report.items += 1;
      // Organization defaults reach accounts through their copies (expand-org-defaults sweeps them).
      if (isDefaultTarget(item.accountId)) {
        report.defaults += 1;
        continue;
      }
      const list = byAccount.get(item.accountId) ?? [];
      list.push(item);
      byAccount.set(item.accountId, list);
    }
  }
  const organization = deps.listOrganizationAccounts ? await deps.listOrganizationAccounts() : undefined;
  const accounts = new Set([...byAccount.keys(), ...(organization ? [...organization.keys()] : [])]);

  const scheduler = createKeyedScheduler(deps.maxConcurrency);
  await Promise.all(
    [...accounts].map((accountId) =>
      scheduler
        .run(accountId, () => reconcileAccount(accountId, byAccount.get(accountId) ?? []))
        .catch((error: unknown) => {
          report.errors.push({ accountId, budgetName: '*', error: describeError(error) });
          deps.logger.error('account could not be reconciled', { accountId, error });
        }),
    ),
  );
  deps.logger.info('reconciliation finished', {
    ...report,
    repaired: report.repaired.length,
    orphansDeleted: report.orphansDeleted.length,
    notBroughtBack: report.notBroughtBack.length,
  });
  return report;

  async function reconcileAccount(accountId: string, items: ScannedBudgetItem[]): Promise<void> {
    const state = organization?.get(accountId);
    if (organization && state !== 'ACTIVE') {
      if (items.length > 0) await markOutsideOrganization(accountId, items, state ?? 'not a member');
      return;
    }
    let listed: ListedBudgetParameter[];
    try {
      listed = await deps.spokeParameters.list(accountId);
    } catch (error) {
      if (error instanceof SpokeRoleUnavailableError) {
        if (items.length > 0) report.spokesUnreachable.push({ accountId, items: items.length, reason: error.message });
        else report.accountsWithoutSpoke += 1;
        return;
      }
      throw error;
    }
    const parameters = new Map(listed.map((p) => [p.budgetName, p]));
    for (const item of items) {
      await guarded(item, () => reconcileItem(item, parameters.get(item.budgetName)));
      parameters.delete(item.budgetName);
    }
    for (const orphan of parameters.values()) {
      await guarded({ accountId, budgetName: orphan.budgetName }, () => deleteOrphan(accountId, orphan));
    }
  }

  async function guarded(ref: ItemRef, task: () => Promise<void>): Promise<void> {
    try {
      await task();
    } catch (error) {
      report.errors.push({ ...ref, error: describeError(error) });
      deps.logger.error('item could not be reconciled', { ...ref, error });
    }
  }

  async function markOutsideOrganization(accountId: string, items: ScannedBudgetItem[], state: string) {
    report.outsideOrganization.push({ accountId, items: items.length, state });
    const message = `account ${accountId} is not an active account of the organization (${state}): nothing is delivered there; delete the item or bring the account back`;
    for (const item of items) {
      if (item.sync?.status === 'FAILED' && item.sync.message === message) continue;
      await guarded(item, async () => {
        const written = await deps.syncStatus.markFailed(item, expectedSync(item), message, deps.now());
        if (written === 'superseded') report.changedMeanwhile += 1;
      });
    }
  }

  async function deleteOrphan(accountId: string, orphan: ListedBudgetParameter): Promise<void> {
    // The scan may predate an item created since: confirm with a consistent read first.
    const key = { accountId, budgetName: orphan.budgetName };
    if ((await deps.syncStatus.readState(key)).exists) return;
    await deps.spokeParameters.delete(accountId, orphan.budgetName);
    report.orphansDeleted.push(key);
    deps.logger.warn('spoke parameter without an item deleted', key);
  }

  async function reconcileItem(item: ScannedBudgetItem, parameter: ListedBudgetParameter | undefined): Promise<void> {
    const classified = classifyBudgetItem(item.content);
    if (classified.kind === 'opt-out' && classified.validation.valid) {
      // An opt-out holds no parameter; one found there (written in the account) goes.
      if (parameter) {
        await deps.spokeParameters.delete(item.accountId, item.budgetName);
        report.orphansDeleted.push(ref(item));
        deps.logger.warn('parameter of an opted-out budget deleted', { ...ref(item) });
      } else report.inSync += 1;
      return;
    }
    if (classified.kind !== 'budget') {
      // A REJECTED opt-out: the spoke keeps what it has until finance fixes the item.
      report.invalid += 1;
      return;
    }
    const validation = classified.validation;
    if (!validation.valid) {
      report.invalid += 1;
      // The spoke keeps the last good budget; if that changed in the spoke, only finance can
      // restore it (by fixing the item): say so.
      if (item.delivered && (!parameter || parameterDigest(parameter.value) !== item.delivered.digest)) {
        report.notBroughtBack.push({
          ...ref(item),
          reason: `the item is REJECTED and the last good parameter (revision ${item.delivered.revision}) was ${parameter ? 'changed' : 'deleted'} in the account; fix the item to deliver it again`,
        });
      }
      return;
    }
    const reason = repairReason(item, validation.item, parameter);
    if (!reason) {
      report.inSync += 1;
      if (item.repair) await deps.syncStatus.clearRepair(item);
      return;
    }
    if (reason === 'on their way') {
      report.onTheirWay += 1;
      return;
    }
    const attempts = item.repair?.attempts ?? 0;
    if (attempts > 0) {
      const wait = Math.min(timings.maxRetryMs, timings.firstRetryMs * 2 ** (attempts - 1));
      const dueAt = Date.parse(item.repair?.lastAt ?? '') + wait;
      if (Number.isFinite(dueAt) && dueAt > deps.now().getTime()) {
        report.notBroughtBack.push({
          ...ref(item),
          reason: `${describeReason(reason, item)}; ${attempts} repair(s) so far, next after ${new Date(dueAt).toISOString()}`,
        });
        return;
      }
    }
    const repair: RepairRecord = { attempts: attempts + 1, lastAt: deps.now().toISOString(), reason };
    const written = await deps.syncStatus.requestRedelivery(
      item,
      expectedSync(item),
      `redelivery requested by reconcile-budgets: ${describeReason(reason, item)} (repair ${repair.attempts})`,
      deps.now(),
      repair,
    );
    if (written === 'superseded') {
      report.changedMeanwhile += 1;
      return;
    }
    report.repaired.push({ ...ref(item), reason, attempt: repair.attempts });
    if (attempts > 0) {
      report.notBroughtBack.push({
        ...ref(item),
        reason: `${describeReason(reason, item)}; still out of sync after ${attempts} repair(s), asked again`,
      });
    }
    deps.logger.info('redelivery requested', { ...ref(item), reason, attempt: repair.attempts });
  }

  /** Why the item needs a redelivery; 'on their way' when it is waiting for the spoke; undefined when in sync. */
  function repairReason(
    item: ScannedBudgetItem,
    budget: BudgetItem,
    parameter: ListedBudgetParameter | undefined,
  ): RepairReason | 'on their way' | undefined {
    const sync = item.sync;
    const age = deps.now().getTime() - Date.parse(sync?.updatedAt ?? '');
    const recent = Number.isFinite(age) && age < timings.stuckAfterMs;
    if (!sync?.status) return 'never delivered';
    if (sync.status === 'PENDING') return recent ? 'on their way' : 'stuck PENDING';
    // What the hub delivered is in the spoke the moment the item says DELIVERED: a parameter
    // missing or different then is no delivery on its way, whatever its age.
    if (!parameter) return 'parameter missing';
    if (!matchesDelivery(item, budget, parameter)) return 'parameter differs';
    switch (sync.status) {
      case 'APPLIED':
        return undefined;
      case 'DELIVERED':
        return recent ? 'on their way' : 'stuck DELIVERED';
      case 'FAILED':
        return sync.stage === 'apply' ? 'failed to apply' : 'failed to deliver';
      default:
        // REJECTED while the item is valid: a newer edit is on its way, or was lost.
        return recent ? 'on their way' : 'never delivered';
    }
  }

  /** Whether the spoke holds what the hub last wrote (the digest it recorded; the content for older items). */
  function matchesDelivery(item: ScannedBudgetItem, budget: BudgetItem, parameter: ListedBudgetParameter): boolean {
    if (item.delivered) return parameterDigest(parameter.value) === item.delivered.digest;
    const parsed = parseBudgetParameter(parameter.value);
    if (!parsed.valid) return false;
    const { schemaVersion: _v, revision: _r, updatedAt: _u, ...delivered } = parsed.parameter;
    return canonical(delivered) === canonical(budget);
  }

  function describeReason(reason: RepairReason, item: ScannedBudgetItem): string {
    const message = item.sync?.message ? `: ${item.sync.message}` : '';
    switch (reason) {
      case 'failed to apply':
      case 'failed to deliver':
        return `${reason}${message}`;
      case 'stuck PENDING':
      case 'stuck DELIVERED':
        return `${reason} since ${item.sync?.updatedAt ?? '?'}`;
      case 'parameter differs':
        return 'parameter differs from what the hub wrote';
      default:
        return reason;
    }
  }
}

function ref(item: ItemRef): ItemRef {
  return { accountId: item.accountId, budgetName: item.budgetName };
}

function expectedSync(item: ScannedBudgetItem): { revision: string; updatedAt?: string } | undefined {
  if (item.sync?.revision === undefined) return undefined;
  return { revision: item.sync.revision, ...(item.sync.updatedAt ? { updatedAt: item.sync.updatedAt } : {}) };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export type { BudgetItemKey };
