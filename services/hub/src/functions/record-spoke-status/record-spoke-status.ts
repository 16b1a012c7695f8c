import { compareRevisions, spokeStatusDetailSchema, type SpokeStatusDetail } from '@org-budgets/contracts';
import type { AlertsTopic, EditHistoryStore, SyncStatusStore } from '@org-budgets/aws';
import type { Logger } from '@org-budgets/aws';
import { UndeliveredRevisionReportError } from './errors';
export type { Logger };

export interface RecordStatusDeps {
  syncStatus: Pick<SyncStatusStore, 'write' | 'readState' | 'holdEarlyReport'>;
  /** The edit history, where the outcome of a deletion goes (docs/history.md). */
  history: Pick<EditHistoryStore, 'recordSpokeDeletionOutcome'>;
  alerts: AlertsTopic;
  /** Counts a refused report (the RefusedStatusReports metric, which raises an alarm). */
  countRefused(reason: 'malformed' | 'wrong-account'): void;
  logger: Logger;
}

export type RecordOutcome =
  | { result: 'recorded'; status: SpokeStatusDetail['status'] }
  /**
   * A report of a revision the hub has not recorded as delivered yet (the spoke applied it before
   * propagate-budget-edits wrote `delivered`, right after its PutParameter): held on the item
   * (`earlyReport`); the hub writes it into `sync` when it records that delivery.
   */
  | { result: 'held'; status: SpokeStatusDetail['status'] }
  /** A late report: the item holds a newer delivery or status, or is gone. */
  | { result: 'superseded' }
  /**
   * A report of a deletion (DELETED, or FAILED with `deletion`), written onto the history entry of
   * the item's newest deletion after the reported revision; `superseded`: that entry holds the
   * spoke's DELETED already.
   */
  | { result: 'deletion-recorded' | 'deletion-superseded'; status: 'DELETED' | 'FAILED'; revision: string }
  /**
   * A report of a deletion the history has no entry of (the spoke's hourly check deleted a budget
   * whose parameter was removed by hand or by the reconciler, or an opt-out): logged only.
   */
  | { result: 'noted' }
  | { result: 'refused'; reason: string };

/** The parts of the EventBridge envelope this needs. */
export interface StatusEvent {
  account: string;
  detail: unknown;
}

/**
 * Writes a spoke's report onto the budget item: `sync.status` APPLIED or FAILED at the reported
 * revision, only if that is the revision the hub delivered (the item's `delivered.revision`) and
 * never over a newer revision's status. A report of a deletion (DELETED, or FAILED with
 * `deletion`) goes onto the history entry of the deletion instead (a deleted item has no `sync`):
 * only onto an existing entry of kind `deleted` of that account's item, never over the spoke's
 * DELETED — a member account can say no more than how its own deletion ended. A spoke can only
 * report on its own account: EventBridge sets `account` to the sender, and it must match
 * `detail.accountId`. Malformed and foreign reports are refused and counted (an alarm); a report of
 * a repair is passed to the alerts topic.
 */
export async function recordSpokeStatus(event: StatusEvent, deps: RecordStatusDeps): Promise<RecordOutcome> {
  const parsed = spokeStatusDetailSchema.safeParse(event.detail);
  if (!parsed.success) {
    const reason = `malformed status event from account ${event.account}: ${parsed.error.issues
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ')}`;
    deps.countRefused('malformed');
    deps.logger.error('status event refused', { account: event.account, reason });
    return { result: 'refused', reason };
  }
  const detail = parsed.data;
  if (detail.accountId !== event.account) {
    const reason = `account ${event.account} reported on account ${detail.accountId}; a spoke reports only on itself`;
    deps.countRefused('wrong-account');
    deps.logger.error('status event refused', { account: event.account, reason });
    return { result: 'refused', reason };
  }
  const key = { accountId: detail.accountId, budgetName: detail.budgetName };
  const fields = { ...key, revision: detail.revision, status: detail.status };

  if (detail.status === 'DELETED' || detail.deletion === true) {
    return recordDeletion(detail, key, fields, deps);
  }

  const report = {
    status: detail.status,
    stage: 'apply',
    message: detail.message,
    revision: detail.revision,
    updatedAt: detail.at,
  } as const;
  let delivered: string | undefined;
  // Two rounds: a hold refused because the delivery was recorded in between is written then.
  for (let round = 0; round < 2; round += 1) {
    const written = await deps.syncStatus.write(key, report, { onlyIfDelivered: true });
    if (written === 'written') {
      deps.logger.info('spoke status recorded', fields);
      await alertRepair(detail, deps);
      return { result: 'recorded', status: detail.status };
    }

    const state = await deps.syncStatus.readState(key);
    delivered = state.exists ? state.delivered?.revision : undefined;
    // A newer edit (its status is newer; a whole-item put by finance also drops `delivered`).
    const newerStatus =
      state.exists && state.sync?.revision !== undefined && compareRevisions(state.sync.revision, detail.revision) > 0;
    if (
      !state.exists ||
      newerStatus ||
      (delivered !== undefined && compareRevisions(delivered, detail.revision) >= 0)
    ) {
      deps.logger.info('status not recorded: item deleted, or a newer delivery or status present', fields);
      return { result: 'superseded' };
    }
    // Not delivered yet as far as the item says: hold the report for the hub's delivery record.
    if ((await deps.syncStatus.holdEarlyReport(key, report)) === 'written') {
      deps.logger.info('spoke status held until the hub records its delivery', {
        ...fields,
        deliveredRevision: delivered,
      });
      await alertRepair(detail, deps);
      return { result: 'held', status: detail.status };
    }
  }
  deps.logger.warn('report for a revision the hub has not delivered, and could not be held', {
    ...fields,
    deliveredRevision: delivered,
  });
  throw new UndeliveredRevisionReportError(
    `account ${detail.accountId} reported ${detail.status} for revision ${detail.revision} of ${detail.budgetName}, ` +
      `which the hub has not delivered there (delivered: ${delivered ?? 'none'}), and the report could not be held`,
  );
}

async function recordDeletion(
  detail: SpokeStatusDetail,
  key: { accountId: string; budgetName: string },
  fields: Record<string, unknown>,
  deps: RecordStatusDeps,
): Promise<RecordOutcome> {
  const status = detail.status === 'DELETED' ? 'DELETED' : 'FAILED';
  const written = await deps.history.recordSpokeDeletionOutcome(key, detail.revision, {
    status,
    stage: 'apply',
    message: detail.message,
    at: detail.at,
  });
  await alertRepair(detail, deps);
  if (written.result === 'no-entry') {
    deps.logger.info('spoke reported a deletion the history has no entry of', fields);
    return { result: 'noted' };
  }
  if (written.result === 'superseded') {
    deps.logger.info('deletion outcome not recorded: the spoke’s DELETED is there already', {
      ...fields,
      deletionRevision: written.revision,
    });
    return { result: 'deletion-superseded', status, revision: written.revision };
  }
  deps.logger.info('deletion outcome recorded', { ...fields, deletionRevision: written.revision });
  return { result: 'deletion-recorded', status, revision: written.revision };
}

async function alertRepair(detail: SpokeStatusDetail, deps: RecordStatusDeps): Promise<void> {
  if (!detail.repaired) return;
  await deps.alerts.publish(
    `org-budgets: budget ${detail.budgetName} repaired in account ${detail.accountId}`,
    `The spoke in account ${detail.accountId} found the AWS Budget ${detail.budgetName} changed outside org-budgets ` +
      `and restored it: ${detail.repaired}\nOutcome: ${detail.status}: ${detail.message}`,
  );
}
