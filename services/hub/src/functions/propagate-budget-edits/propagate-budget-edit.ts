import {
  accountIdSchema,
  budgetParameterName,
  classifyBudgetItem,
  compareRevisions,
  MAX_REVISION_DIGITS,
  NON_BUDGET_ATTRIBUTES,
  serializeBudgetParameter,
  toBudgetParameter,
  validateBudgetItem,
  type SyncStatus,
} from '@org-budgets/contracts';
import {
  canonicalImage,
  describeError,
  itemFromStreamImage,
  parameterDigest,
  readDeliveredAttribute,
  type BudgetItemKey,
  type DeliveryRecord,
  type SpokeParameters,
  type StreamImage,
  type SyncStatusStore,
} from '@org-budgets/aws';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { MalformedStreamRecordError, RevisionTooLongError } from './errors';

/** One stream record, as the propagation sees it. */
export type BudgetEdit =
  | {
      kind: 'upsert';
      key: BudgetItemKey;
      revision: string;
      item: Record<string, unknown>;
      /** When the edit was made (the record's ApproximateCreationDateTime): the document's `updatedAt`. */
      at?: Date;
      /**
       * `delivered` of the old image: a whole-item put (the console's edit) replaces the item and
       * drops `delivered`, but the stream's old image still says what the hub had delivered.
       */
      previousDelivery?: DeliveryRecord;
    }
  | {
      kind: 'remove';
      key: BudgetItemKey;
      revision: string;
      /**
       * The old image's `outOfReach`: expand-org-defaults deleted this inherited copy because its
       * account is no longer an active member of the organization; no spoke to reach.
       */
      outOfReach?: string;
    }
  /**
   * Only system attributes (`sync`, …) or `editedBy` changed: the system's own write-back, or the
   * command line's mark before a deletion; never propagated (the loop guard).
   */
  | { kind: 'sync-only'; key: BudgetItemKey; revision: string };

export type PropagationOutcome =
  | { result: 'ignored'; reason: string }
  | { result: 'rejected'; message: string }
  | { result: 'delivered'; parameterRevision: string }
  | { result: 'already-delivered' }
  /** The hub has delivered a newer revision of the item already (its own record, `delivered`). */
  | { result: 'stale'; deliveredRevision: string }
  /** The item was deleted (an upsert) or created again (a remove) since: a later record handles it. */
  | { result: 'superseded' }
  | { result: 'deleted' }
  | { result: 'already-absent' }
  /** An inherited copy of an account that left the organization (or is closed): its spoke is out of reach. */
  | { result: 'out-of-reach'; reason: string };

/** Where the hub tells the central team what it found (the alerts topic). */
export interface HubAlerts {
  publish(subject: string, message: string): Promise<void>;
}

import type { Logger } from '@org-budgets/aws';
export type { Logger };

export interface PropagateDeps {
  spokeParameters: SpokeParameters;
  syncStatus: Pick<SyncStatusStore, 'write' | 'recordDelivery' | 'readState' | 'readContent'>;
  alerts: HubAlerts;
  now: () => Date;
  logger: Logger;
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
  if (!new RegExp(`^\\d{1,${MAX_REVISION_DIGITS}}$`).test(revision)) {
    throw new RevisionTooLongError(
      `stream record ${record.eventID ?? '?'} has sequence number ${revision}: more than the ${MAX_REVISION_DIGITS} digits a DynamoDB number holds`,
    );
  }
  const key = { accountId, budgetName };
  if (record.eventName === 'REMOVE') {
    const outOfReach = stream?.OldImage?.['outOfReach']?.S;
    return { kind: 'remove', key, revision, ...(outOfReach ? { outOfReach } : {}) };
  }
  const newImage = stream?.NewImage;
  if (!newImage) {
    throw new MalformedStreamRecordError(
      `stream record ${record.eventID ?? '?'} has no new image: the stream must be NEW_AND_OLD_IMAGES`,
    );
  }
  if (
    record.eventName === 'MODIFY' &&
    canonicalImage(stream?.OldImage, NON_BUDGET_ATTRIBUTES) === canonicalImage(newImage, NON_BUDGET_ATTRIBUTES) &&
    !isRedeliveryRequest(stream?.OldImage, newImage)
  ) {
    return { kind: 'sync-only', key, revision };
  }
  const seconds = stream?.ApproximateCreationDateTime;
  const previousDelivery = readDeliveredAttribute(stream?.OldImage?.['delivered'] as AttributeValue | undefined);
  return {
    kind: 'upsert',
    key,
    revision,
    item: itemFromStreamImage(newImage),
    ...(typeof seconds === 'number' && Number.isFinite(seconds) ? { at: new Date(seconds * 1000) } : {}),
    ...(previousDelivery ? { previousDelivery } : {}),
  };
}

/**
 * A `sync` written with status PENDING (by reconcile-budgets, or by hand) asks for the item to
 * be delivered again: the one system-only change the loop guard lets through. Each such write
 * counts (the reconciler asks again for an item still PENDING after a while); the hub itself
 * never writes PENDING.
 */
function isRedeliveryRequest(oldImage: StreamImage | undefined, newImage: StreamImage): boolean {
  const status = (image: StreamImage | undefined) => image?.['sync']?.M?.['status']?.S;
  const sync = (image: StreamImage | undefined) => canonicalImage(image?.['sync']?.M);
  return status(newImage) === 'PENDING' && sync(oldImage) !== sync(newImage);
}

/**
 * Propagates one edit of a budget item to its spoke: validates it, writes the parameter document
 * whenever the spoke's value differs from it, and records on the item what was delivered
 * (revision and digest) with `sync` DELIVERED; a REMOVE deletes the parameter. The hub alone
 * decides what is current: the item (read strongly consistent) says which revision it delivered
 * last, and nothing the spoke holds, whatever revision it claims, makes the hub skip an edit. A
 * parameter that is not what the hub last wrote is reported to the alerts topic and replaced.
 * Throws when the spoke cannot be reached, after recording FAILED on the item.
 */
export async function propagateBudgetEdit(edit: BudgetEdit, deps: PropagateDeps): Promise<PropagationOutcome> {
  const { key, revision } = edit;
  const fields = { accountId: key.accountId, budgetName: key.budgetName, revision };
  switch (edit.kind) {
    case 'sync-only':
      return { result: 'ignored', reason: 'only system attributes changed' };
    case 'remove':
      if (edit.outOfReach) return leaveOutOfReach(edit.key, edit.outOfReach, deps, fields);
      return removeBudgetParameter(edit.key, deps, fields);
    case 'upsert':
      break;
  }

  const classified = classifyBudgetItem(edit.item);
  if (classified.kind === 'default') {
    // Its accounts' copies are written by expand-org-defaults; each copy is delivered as an item.
    return { result: 'ignored', reason: 'organization default: expand-org-defaults writes its accounts’ copies' };
  }
  if (classified.kind === 'opt-out') return optOut(edit.key, revision, classified.validation, deps, fields);
  const validation = classified.validation;
  if (!validation.valid) {
    deps.logger.warn('budget item rejected', { ...fields, problems: validation.problems });
    await writeSync(deps, key, { status: 'REJECTED', stage: 'validate', revision, message: validation.message });
    return { result: 'rejected', message: validation.message };
  }

  // What the spoke holds is read while the item's state is: both are needed before the write
  // (one round trip less on the edit's path); it goes unused when the edit is stale or gone.
  const holding = deps.spokeParameters.get(key.accountId, key.budgetName);
  holding.catch(() => undefined); // awaited below, where its failure is recorded; unheard when unused
  const state = await deps.syncStatus.readState(key);
  if (!state.exists) {
    deps.logger.info('item deleted since this edit; its removal follows', fields);
    return { result: 'superseded' };
  }
  const delivered = latestDelivery(state.delivered, edit.previousDelivery);
  if (delivered && compareRevisions(delivered.revision, revision) > 0) {
    deps.logger.info('a newer revision was delivered already; edit skipped', {
      ...fields,
      deliveredRevision: delivered.revision,
    });
    return { result: 'stale', deliveredRevision: delivered.revision };
  }

  const value = serializeBudgetParameter(toBudgetParameter(validation.item, revision, edit.at ?? deps.now()));
  const digest = parameterDigest(value);
  try {
    const current = await holding;
    const currentDigest = current.exists ? parameterDigest(current.value) : undefined;
    if (currentDigest === digest) {
      // A repeated record; record the delivery again in case the first write-back was lost.
      deps.logger.info('spoke holds this document already', fields);
      await recordDelivery(deps, key, revision, digest);
      return { result: 'already-delivered' };
    }
    if (current.exists && delivered && currentDigest !== delivered.digest) {
      await reportForeignParameter(deps, key, revision, current, delivered.revision);
    }
    await deps.spokeParameters.put(
      key.accountId,
      toBudgetParameter(validation.item, revision, edit.at ?? deps.now()),
      value,
    );
  } catch (error) {
    await recordDeliveryFailure(deps, key, revision, error);
    throw error;
  }
  await recordDelivery(deps, key, revision, digest);
  deps.logger.info('budget delivered', fields);
  return { result: 'delivered', parameterRevision: revision };
}

/**
 * An opt-out item: the account refuses the organization default of that name, so its spoke holds
 * no parameter for it (the spoke then deletes the budget it managed). Invalid: REJECTED, and the
 * spoke keeps what it has.
 */
async function optOut(
  key: BudgetItemKey,
  revision: string,
  validation: { valid: true } | { valid: false; message: string; problems: unknown },
  deps: PropagateDeps,
  fields: Record<string, unknown>,
): Promise<PropagationOutcome> {
  if (!validation.valid) {
    deps.logger.warn('opt-out item rejected', { ...fields, problems: validation.problems });
    await writeSync(deps, key, { status: 'REJECTED', stage: 'validate', revision, message: validation.message });
    return { result: 'rejected', message: validation.message };
  }
  let deleted: boolean;
  try {
    deleted = await deps.spokeParameters.delete(key.accountId, key.budgetName);
  } catch (error) {
    await recordDeliveryFailure(deps, key, revision, error);
    throw error;
  }
  deps.logger.info('opted out: budget parameter removed', { ...fields, deleted });
  await writeSync(deps, key, {
    status: 'APPLIED',
    stage: 'deliver',
    revision,
    message: deleted
      ? `opted out: the hub deleted the budget's parameter in account ${key.accountId}; the spoke deletes the budget it managed`
      : `opted out: account ${key.accountId} holds no parameter of this budget`,
  });
  return deleted ? { result: 'deleted' } : { result: 'already-absent' };
}

/** Tells the central team that a spoke parameter was not what the hub last wrote (changed in the member account). */
async function reportForeignParameter(
  deps: PropagateDeps,
  key: BudgetItemKey,
  revision: string,
  current: { valid: true; parameter: { revision: string } } | { valid: false; message: string; revision?: string },
  deliveredRevision: string,
): Promise<void> {
  const claimed = current.valid ? current.parameter.revision : (current.revision ?? 'none');
  const message =
    `The parameter of budget ${key.budgetName} in account ${key.accountId} is not what the hub last wrote there ` +
    `(revision ${deliveredRevision}); it claims revision ${claimed}${current.valid ? '' : ` and is unreadable (${current.message})`}. ` +
    `It was changed inside the member account. The hub replaces it with revision ${revision} of the item.`;
  deps.logger.warn('spoke parameter not written by the hub; replacing it', {
    accountId: key.accountId,
    budgetName: key.budgetName,
    revision,
    claimedRevision: claimed,
    deliveredRevision,
  });
  await deps.alerts.publish(`org-budgets: parameter changed in account ${key.accountId}`, message);
}

function latestDelivery(a: DeliveryRecord | undefined, b: DeliveryRecord | undefined): DeliveryRecord | undefined {
  if (!a || !b) return a ?? b;
  return compareRevisions(a.revision, b.revision) >= 0 ? a : b;
}

async function removeBudgetParameter(
  key: BudgetItemKey,
  deps: PropagateDeps,
  fields: Record<string, unknown>,
): Promise<PropagationOutcome> {
  if (!accountIdSchema.safeParse(key.accountId).success) {
    deps.logger.info('removed item had no valid account id; nothing to delete', fields);
    return { result: 'ignored', reason: 'not a valid account id' };
  }
  const again = await deps.syncStatus.readContent(key);
  if (again && validateBudgetItem(again).valid) {
    // The item was created again after this deletion; its own record delivers it.
    deps.logger.info('item exists again; deletion skipped', fields);
    return { result: 'superseded' };
  }
  // Gone, or created again but invalid: that new item has no last good budget to keep.
  const deleted = await deps.spokeParameters.delete(key.accountId, key.budgetName);
  deps.logger.info(deleted ? 'budget parameter deleted' : 'budget parameter already absent', fields);
  return deleted ? { result: 'deleted' } : { result: 'already-absent' };
}

/**
 * The deletion of an inherited copy whose account left the organization (or was closed): the hub
 * can no longer reach its spoke, so it does not try (that would only fail to the dead-letter
 * queue, once per copy). The parameter and the AWS Budget stay in that account: the central team
 * is told, once per copy.
 */
async function leaveOutOfReach(
  key: BudgetItemKey,
  reason: string,
  deps: PropagateDeps,
  fields: Record<string, unknown>,
): Promise<PropagationOutcome> {
  deps.logger.warn('inherited budget removed; its account is out of reach', { ...fields, reason });
  await deps.alerts.publish(
    `org-budgets: ${key.accountId}/${key.budgetName} removed, account out of reach`,
    `The inherited budget ${key.budgetName} of account ${key.accountId} was removed from the table: ${reason}. ` +
      `org-budgets can no longer reach that account: its parameter ${budgetParameterName(key.budgetName)} and its AWS ` +
      `Budget stay there. Delete them in the account if it should no longer have them.`,
  );
  return { result: 'out-of-reach', reason };
}

async function recordDelivery(deps: PropagateDeps, key: BudgetItemKey, revision: string, digest: string) {
  const at = deps.now().toISOString();
  const fields = { accountId: key.accountId, budgetName: key.budgetName, revision };
  const recorded = await deps.syncStatus.recordDelivery(
    key,
    { revision, digest, at },
    {
      status: 'DELIVERED',
      stage: 'deliver',
      revision,
      message: `delivered to account ${key.accountId}; waiting for the spoke to apply it`,
      updatedAt: at,
    },
  );
  if (recorded.result === 'superseded') {
    deps.logger.info('delivery not recorded: item deleted, or a newer delivery or status present', fields);
    return;
  }
  const dropped = recorded.droppedReport;
  if (dropped?.revision !== undefined && compareRevisions(dropped.revision, revision) > 0) {
    // Deliveries of an item are recorded in order: no delivery of the hub's had that revision.
    deps.logger.warn('a report of a revision the hub never delivered was held on the item; dropped', {
      ...fields,
      reportedRevision: dropped.revision,
      reportedStatus: dropped.status,
    });
    await deps.alerts.publish(
      `org-budgets: ${key.accountId}/${key.budgetName}: a report of a revision the hub never delivered`,
      `Account ${key.accountId} reported ${dropped.status ?? 'a status'} for revision ${dropped.revision} of budget ` +
        `${key.budgetName}, ahead of revision ${revision} the hub has just delivered. The hub had recorded no delivery ` +
        `of that revision: the report was made up in the member account, or the hub is running an older edit again. ` +
        `It counted for nothing and was dropped; if this repeats for the account, look at what runs there.`,
    );
  }
  if (!recorded.heldReport) return;
  // The spoke applied and reported before this record: its report waited on the item.
  const written = await deps.syncStatus.write(key, recorded.heldReport, { onlyIfDelivered: true });
  deps.logger.info(
    written === 'written'
      ? 'spoke status that arrived before the delivery record recorded'
      : 'spoke status that arrived before the delivery record superseded',
    { ...fields, status: recorded.heldReport.status },
  );
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
