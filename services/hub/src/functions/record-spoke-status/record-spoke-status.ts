import { spokeStatusDetailSchema, type SpokeStatusDetail } from '@org-budgets/contracts';
import type { SyncStatusStore } from '@org-budgets/aws';

import type { Logger } from '@org-budgets/aws';
export type { Logger };

export interface RecordStatusDeps {
  syncStatus: Pick<SyncStatusStore, 'write'>;
  logger: Logger;
}

export type RecordOutcome =
  | { result: 'recorded'; status: SpokeStatusDetail['status'] }
  | { result: 'superseded' }
  | { result: 'refused'; reason: string };

/** The parts of the EventBridge envelope this needs. */
export interface StatusEvent {
  account: string;
  detail: unknown;
}

/**
 * Writes a spoke's report onto the budget item: `sync.status` APPLIED or FAILED at the reported
 * revision, never over a newer revision's status. A spoke can only report on its own account:
 * EventBridge sets `account` to the sender, and it must match `detail.accountId`.
 */
export async function recordSpokeStatus(event: StatusEvent, deps: RecordStatusDeps): Promise<RecordOutcome> {
  const parsed = spokeStatusDetailSchema.safeParse(event.detail);
  if (!parsed.success) {
    const reason = `malformed status event from account ${event.account}: ${parsed.error.issues
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ')}`;
    deps.logger.error('status event refused', { account: event.account, reason });
    return { result: 'refused', reason };
  }
  const detail = parsed.data;
  if (detail.accountId !== event.account) {
    const reason = `account ${event.account} reported on account ${detail.accountId}; a spoke reports only on itself`;
    deps.logger.error('status event refused', { account: event.account, reason });
    return { result: 'refused', reason };
  }
  const written = await deps.syncStatus.write(
    { accountId: detail.accountId, budgetName: detail.budgetName },
    { status: detail.status, stage: 'apply', message: detail.message, revision: detail.revision, updatedAt: detail.at },
  );
  const fields = {
    accountId: detail.accountId,
    budgetName: detail.budgetName,
    revision: detail.revision,
    status: detail.status,
  };
  if (written === 'superseded') {
    deps.logger.info('status not recorded: item deleted or a newer revision present', fields);
    return { result: 'superseded' };
  }
  deps.logger.info('spoke status recorded', fields);
  return { result: 'recorded', status: detail.status };
}
