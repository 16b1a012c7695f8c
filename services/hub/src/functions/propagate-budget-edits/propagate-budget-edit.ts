import {
  accountIdSchema,
  isStaleOrDuplicate,
  compareRevisions,
  toBudgetParameter,
  validateBudgetItem,
  type SyncStatus,
} from '@org-budgets/contracts';
import {
  canonicalImage,
  describeError,
  itemFromStreamImage,
  type BudgetItemKey,
  type SpokeParameters,
  type StreamImage,
  type SyncStatusStore,
} from '@org-budgets/aws';
import type { DynamoDBRecord } from 'aws-lambda';

/** One stream record, as the propagation sees it. */
export type BudgetEdit =
  | { kind: 'upsert'; key: BudgetItemKey; revision: string; item: Record<string, unknown> }
  | { kind: 'remove'; key: BudgetItemKey; revision: string }
  /** Only `sync` changed: the system's own write-back, never propagated (the loop guard). */
  | { kind: 'sync-only'; key: BudgetItemKey; revision: string };

export type PropagationOutcome =
  | { result: 'ignored'; reason: string }
  | { result: 'rejected'; message: string }
  | { result: 'delivered'; parameterRevision: string }
  | { result: 'already-delivered' }
  | { result: 'stale'; currentRevision: string }
  | { result: 'deleted' }
  | { result: 'already-absent' };

import type { Logger } from '@org-budgets/aws';
export type { Logger };

export interface PropagateDeps {
  spokeParameters: SpokeParameters;
  syncStatus: Pick<SyncStatusStore, 'write'>;
  now: () => Date;
  logger: Logger;
}

export class MalformedStreamRecordError extends Error {
  override readonly name = 'MalformedStreamRecordError';
}

export function budgetEditFromRecord(record: DynamoDBRecord): BudgetEdit {
  const stream = record.dynamodb;
  const accountId = stream?.Keys?.['accountId']?.S;
  const budgetName = stream?.Keys?.['budgetName']?.S;
  const revision = stream?.SequenceNumber;
  if (accountId === undefined || budgetName === undefined || !revision) {
    throw new MalformedStreamRecordError(
      `stream record ${record.eventID ?? '?'} lacks the accountId/budgetName keys or a sequence number`,
    );
  }
  const key = { accountId, budgetName };
  if (record.eventName === 'REMOVE') return { kind: 'remove', key, revision };
  const newImage = stream?.NewImage;
  if (!newImage) {
    throw new MalformedStreamRecordError(
      `stream record ${record.eventID ?? '?'} has no new image: the stream must be NEW_AND_OLD_IMAGES`,
    );
  }
  if (
    record.eventName === 'MODIFY' &&
    canonicalImage(stream?.OldImage, ['sync']) === canonicalImage(newImage, ['sync']) &&
    !isRedeliveryRequest(stream?.OldImage, newImage)
  ) {
    return { kind: 'sync-only', key, revision };
  }
  return { kind: 'upsert', key, revision, item: itemFromStreamImage(newImage) };
}

/**
 * `sync.status` set to PENDING (by reconcile-budgets, or by hand) asks for the item to be
 * delivered again: the one sync-only change the loop guard lets through.
 */
function isRedeliveryRequest(oldImage: StreamImage | undefined, newImage: StreamImage): boolean {
  const status = (image: StreamImage | undefined) => image?.['sync']?.M?.['status']?.S;
  return status(newImage) === 'PENDING' && status(oldImage) !== 'PENDING';
}

/**
 * Propagates one edit of a budget item to its spoke: validates it, puts the parameter document
 * (never over a newer revision) and writes `sync` back; a REMOVE deletes the parameter.
 * Throws when the spoke cannot be reached, after recording FAILED on the item.
 */
export async function propagateBudgetEdit(edit: BudgetEdit, deps: PropagateDeps): Promise<PropagationOutcome> {
  const { key, revision } = edit;
  const fields = { accountId: key.accountId, budgetName: key.budgetName, revision };
  switch (edit.kind) {
    case 'sync-only':
      return { result: 'ignored', reason: 'only sync changed' };
    case 'remove':
      return removeBudgetParameter(edit.key, edit.revision, deps, fields);
    case 'upsert':
      break;
  }

  const validation = validateBudgetItem(edit.item);
  if (!validation.valid) {
    deps.logger.warn('budget item rejected', { ...fields, problems: validation.problems });
    await writeSync(deps, key, { status: 'REJECTED', stage: 'validate', revision, message: validation.message });
    return { result: 'rejected', message: validation.message };
  }

  try {
    const current = await deps.spokeParameters.get(key.accountId, key.budgetName);
    const currentRevision = current.exists
      ? current.valid
        ? current.parameter.revision
        : current.revision
      : undefined;
    if (currentRevision !== undefined && compareRevisions(revision, currentRevision) < 0) {
      deps.logger.info('stale edit skipped', { ...fields, currentRevision });
      return { result: 'stale', currentRevision };
    }
    if (currentRevision === revision) {
      // A duplicate delivery; write DELIVERED again in case the first write-back was lost.
      deps.logger.info('duplicate edit skipped', fields);
      await writeDelivered(deps, key, revision);
      return { result: 'already-delivered' };
    }
    if (current.exists && !current.valid) {
      deps.logger.warn('replacing unreadable spoke parameter', { ...fields, problem: current.message });
    }
    await deps.spokeParameters.put(key.accountId, toBudgetParameter(validation.item, revision, deps.now()));
  } catch (error) {
    await recordDeliveryFailure(deps, key, revision, error);
    throw error;
  }
  await writeDelivered(deps, key, revision);
  deps.logger.info('budget delivered', fields);
  return { result: 'delivered', parameterRevision: revision };
}

async function removeBudgetParameter(
  key: BudgetItemKey,
  revision: string,
  deps: PropagateDeps,
  fields: Record<string, unknown>,
): Promise<PropagationOutcome> {
  if (!accountIdSchema.safeParse(key.accountId).success) {
    deps.logger.info('removed item had no valid account id; nothing to delete', fields);
    return { result: 'ignored', reason: 'not a valid account id' };
  }
  const current = await deps.spokeParameters.get(key.accountId, key.budgetName);
  if (!current.exists) {
    deps.logger.info('budget parameter already absent', fields);
    return { result: 'already-absent' };
  }
  const currentRevision = current.valid ? current.parameter.revision : current.revision;
  if (currentRevision !== undefined && isStaleOrDuplicate(revision, currentRevision)) {
    // The item was created again after this deletion; the newer parameter stays.
    deps.logger.info('stale deletion skipped', { ...fields, currentRevision });
    return { result: 'stale', currentRevision };
  }
  const deleted = await deps.spokeParameters.delete(key.accountId, key.budgetName);
  deps.logger.info(deleted ? 'budget parameter deleted' : 'budget parameter already absent', fields);
  return deleted ? { result: 'deleted' } : { result: 'already-absent' };
}

async function writeDelivered(deps: PropagateDeps, key: BudgetItemKey, revision: string): Promise<void> {
  await writeSync(deps, key, {
    status: 'DELIVERED',
    stage: 'deliver',
    revision,
    message: `delivered to account ${key.accountId}; waiting for the spoke to apply it`,
  });
}

async function recordDeliveryFailure(deps: PropagateDeps, key: BudgetItemKey, revision: string, error: unknown) {
  const message = `delivery to account ${key.accountId} failed (will be retried): ${describeError(error)}`;
  deps.logger.error('budget delivery failed', {
    accountId: key.accountId,
    budgetName: key.budgetName,
    revision,
    error,
  });
  try {
    await writeSync(deps, key, { status: 'FAILED', stage: 'deliver', revision, message });
  } catch (syncError) {
    // The delivery error is what fails the record; this one is logged beside it, not lost.
    deps.logger.error('could not record delivery failure on the item', {
      accountId: key.accountId,
      budgetName: key.budgetName,
      revision,
      error: syncError,
    });
  }
}

async function writeSync(deps: PropagateDeps, key: BudgetItemKey, sync: Omit<SyncStatus, 'updatedAt'>): Promise<void> {
  const result = await deps.syncStatus.write(key, { ...sync, updatedAt: deps.now().toISOString() });
  if (result === 'superseded') {
    deps.logger.info('sync status not written: item deleted or a newer status present', {
      accountId: key.accountId,
      budgetName: key.budgetName,
      revision: sync.revision,
      status: sync.status,
    });
  }
}
