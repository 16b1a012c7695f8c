import { compareRevisions, validateBudgetItem, type BudgetItem, type BudgetParameter } from '@org-budgets/contracts';
import {
  describeError,
  SpokeRoleUnavailableError,
  type ScannedBudgetItem,
  type SpokeParameters,
  type SyncStatusStore,
} from '@org-budgets/aws';
import { createKeyedScheduler } from '../../lib/keyed-scheduler';

import type { Logger } from '@org-budgets/aws';
export type { Logger };

export interface ReconcileDeps {
  /** Pages of every item in the table. */
  scanItems(): AsyncIterable<ScannedBudgetItem[]>;
  spokeParameters: SpokeParameters;
  syncStatus: SyncStatusStore;
  now: () => Date;
  logger: Logger;
  maxConcurrency: number;
}

export type RepairReason = 'parameter missing' | 'parameter behind' | 'parameter differs' | 'never delivered';

export interface ReconcileReport {
  items: number;
  inSync: number;
  repaired: { accountId: string; budgetName: string; reason: RepairReason }[];
  /** Items that changed while the reconciler looked: the stream is delivering them already. */
  changedMeanwhile: number;
  /** Accounts whose spoke role cannot be assumed (spoke not deployed yet): nothing changed there. */
  spokesUnreachable: { accountId: string; items: number; reason: string }[];
  /** Invalid items: REJECTED by the hub, never delivered. */
  invalid: number;
  /** Items waiting for a delivery already (PENDING). */
  pending: number;
  /** Items the spoke failed to apply (sync stage apply, FAILED): delivery is not their problem. */
  failedToApply: number;
  errors: { accountId: string; budgetName: string; error: string }[];
}

/**
 * Compares every item with its spoke parameter and asks for a new delivery of each one whose
 * parameter is missing, behind or different, by setting `sync.status` to PENDING (the stream
 * then delivers it with a new revision, through the normal path). Never writes a spoke itself,
 * never touches an item that changed since it was read, and skips accounts without a spoke.
 * Costs one table read and one parameter read per item, one AssumeRole per account.
 */
export async function reconcileBudgets(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    items: 0,
    inSync: 0,
    repaired: [],
    changedMeanwhile: 0,
    spokesUnreachable: [],
    invalid: 0,
    pending: 0,
    failedToApply: 0,
    errors: [],
  };
  const unreachable = new Map<string, { items: number; reason: string }>();
  const scheduler = createKeyedScheduler(deps.maxConcurrency);
  const work: Promise<void>[] = [];

  for await (const page of deps.scanItems()) {
    for (const item of page) {
      report.items += 1;
      work.push(
        // One account's items one after the other: the first tells whether its spoke exists.
        scheduler
          .run(item.accountId, () => reconcileItem(item))
          .catch((error: unknown) => {
            report.errors.push({ accountId: item.accountId, budgetName: item.budgetName, error: describeError(error) });
            deps.logger.error('item could not be reconciled', {
              accountId: item.accountId,
              budgetName: item.budgetName,
              error,
            });
          }),
      );
    }
  }
  await Promise.all(work);
  report.spokesUnreachable = [...unreachable].map(([accountId, v]) => ({ accountId, ...v }));
  deps.logger.info('reconciliation finished', { ...report, repaired: report.repaired.length });
  return report;

  async function reconcileItem(item: ScannedBudgetItem): Promise<void> {
    const validation = validateBudgetItem(item.content);
    if (!validation.valid) {
      report.invalid += 1;
      return;
    }
    const sync = item.sync;
    if (sync?.status === 'PENDING') {
      report.pending += 1;
      return;
    }
    const known = unreachable.get(item.accountId);
    if (known) {
      known.items += 1;
      return;
    }
    let current;
    try {
      current = await deps.spokeParameters.get(item.accountId, item.budgetName);
    } catch (error) {
      if (error instanceof SpokeRoleUnavailableError) {
        unreachable.set(item.accountId, { items: 1, reason: error.message });
        return;
      }
      throw error;
    }
    const reason = repairReason(validation.item, sync?.revision, current.exists ? current : undefined);
    if (!reason) {
      if (sync?.status === 'FAILED' && sync.stage === 'apply') report.failedToApply += 1;
      report.inSync += 1;
      return;
    }
    const written = await deps.syncStatus.requestRedelivery(
      { accountId: item.accountId, budgetName: item.budgetName },
      sync?.revision,
      `redelivery requested by reconcile-budgets: ${reason}`,
      deps.now(),
    );
    if (written === 'superseded') {
      report.changedMeanwhile += 1;
      return;
    }
    report.repaired.push({ accountId: item.accountId, budgetName: item.budgetName, reason });
    deps.logger.info('redelivery requested', { accountId: item.accountId, budgetName: item.budgetName, reason });
  }
}

function repairReason(
  item: BudgetItem,
  syncRevision: string | undefined,
  current: { valid: true; parameter: BudgetParameter } | { valid: false; revision?: string } | undefined,
): RepairReason | undefined {
  if (!current) return syncRevision === undefined ? 'never delivered' : 'parameter missing';
  if (!current.valid) return 'parameter differs';
  if (syncRevision !== undefined && compareRevisions(current.parameter.revision, syncRevision) < 0)
    return 'parameter behind';
  const { schemaVersion: _v, revision: _r, updatedAt: _u, ...delivered } = current.parameter;
  return canonical(delivered) === canonical(item) ? undefined : 'parameter differs';
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
