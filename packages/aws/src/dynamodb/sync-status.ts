import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SYSTEM_ATTRIBUTES, type SyncStatus } from '@org-budgets/contracts';
import { conditionalUpdate, isConditionFailure } from './condition-failure';
import { itemFromStreamImage, type StreamImage } from './stream-image';

export interface BudgetItemKey {
  accountId: string;
  budgetName: string;
}

export type SyncWriteResult = 'written' | 'superseded';

/**
 * What the hub last wrote into the spoke for an item (the item's `delivered` attribute): the
 * revision, the SHA-256 of the parameter value exactly as written, and when. The hub is the only
 * source of revisions: what a spoke holds is compared with this, never trusted instead of it.
 */
export interface DeliveryRecord {
  revision: string;
  digest: string;
  at: string;
}

/** The reconciler's retries of an item it could not bring back yet (the item's `repair` attribute). */
export interface RepairRecord {
  attempts: number;
  lastAt: string;
  reason: string;
}

/** The system attributes of an item, read consistently. */
export type ItemSystemState =
  { exists: false } | { exists: true; delivered?: DeliveryRecord; sync?: Partial<SyncStatus>; repair?: RepairRecord };

/**
 * What recordDelivery did: 'superseded' wrote nothing; 'written' recorded the delivery and took
 * the item's held report off it (`earlyReport`, see holdEarlyReport), returned as `heldReport` when
 * it was of the revision just delivered: the caller writes it into `sync` (the hub's DELIVERED
 * must not stay over an APPLIED the spoke sent first). A held report of another revision is
 * dropped and returned as `droppedReport`: an older one is moot once a newer revision is
 * delivered; deliveries of an item are recorded in order (one stream shard), so a newer one is of
 * no delivery of the hub's: forged in the member account (the caller says so).
 */
export type DeliveryWriteResult =
  | { result: 'superseded' }
  | {
      result: 'written';
      heldReport?: SyncStatus;
      /** A held report of another revision, taken off the item with nothing written of it. */
      droppedReport?: Partial<SyncStatus>;
    };

/** Reads and writes the system attributes (`sync`, `delivered`, `repair`) of budget items in the hub table. */
export interface SyncStatusStore {
  /**
   * Writes `sync` (see SYNC_CONDITION). With `onlyIfDelivered`, only when the item's
   * `delivered.revision` is the status's revision: a spoke's report counts only for what the hub
   * delivered to it.
   */
  write(key: BudgetItemKey, sync: SyncStatus, options?: { onlyIfDelivered?: boolean }): Promise<SyncWriteResult>;
  /**
   * Writes `sync` DELIVERED together with what was delivered, never over a newer delivery or
   * status, and takes a held report off the item (see DeliveryWriteResult).
   */
  recordDelivery(key: BudgetItemKey, delivered: DeliveryRecord, sync: SyncStatus): Promise<DeliveryWriteResult>;
  /**
   * Holds a spoke's report (stage apply) of a revision the hub has not recorded as delivered yet
   * (the spoke can apply and report before propagate-budget-edits writes `delivered`, right after
   * its PutParameter): `earlyReport`, only while the item's `delivered.revision` and `sync.revision`
   * are both older than the report's (the hub writes no status of a revision before it delivers
   * it; one it REJECTED it never delivers), and no newer report is held. 'superseded' when any of these fails (the delivery may just have been recorded: write
   * the report then) or the item is gone. A held report counts for nothing until the hub delivers
   * exactly its revision, and every recorded delivery takes it off: a member account that holds a
   * forged report of a far revision only makes its next early report wait for Lambda's retry.
   */
  holdEarlyReport(key: BudgetItemKey, report: SyncStatus): Promise<SyncWriteResult>;
  /** The item's system attributes, strongly consistent; `exists: false` when the item is gone. */
  readState(key: BudgetItemKey): Promise<ItemSystemState>;
  /** The whole item as plain values (system attributes left out), strongly consistent; undefined when gone. */
  readContent(key: BudgetItemKey): Promise<Record<string, unknown> | undefined>;
  /**
   * Marks an item PENDING so that the stream delivers it again (see the loop guard in
   * propagate-budget-edits), only if its `sync` is still as the caller read it (`expected`:
   * revision and updatedAt; undefined: the item has no sync yet); 'superseded' when the item
   * changed or is gone. With `repair`, records the attempt on the item.
   */
  requestRedelivery(
    key: BudgetItemKey,
    expected: { revision: string; updatedAt?: string } | undefined,
    message: string,
    now: Date,
    repair?: RepairRecord,
  ): Promise<SyncWriteResult>;
  /** Sets `sync` FAILED (stage deliver) with a message, only if `sync` is still as read. */
  markFailed(
    key: BudgetItemKey,
    expected: { revision: string; updatedAt?: string } | undefined,
    message: string,
    now: Date,
  ): Promise<SyncWriteResult>;
  /** Removes the `repair` attribute (the item is back in sync). */
  clearRepair(key: BudgetItemKey): Promise<void>;
}

/**
 * The rule that keeps a status from overwriting a newer one:
 * - never onto an item that no longer exists (a write must not recreate a deleted item);
 * - never over a newer revision's status;
 * - at the same revision, the hub (stages validate and deliver) never overwrites what the spoke
 *   reported (stage apply), which may have arrived first; the spoke overwrites anything.
 */
export const SYNC_CONDITION =
  'attribute_exists(accountId) AND (attribute_not_exists(#sync.#revision) OR #sync.#revision < :revision' +
  ' OR (#sync.#revision = :revision AND (:stage = :apply OR attribute_not_exists(#sync.#stage) OR #sync.#stage <> :apply)))';

/** A spoke's report: only for the revision the hub delivered. */
export const DELIVERED_CONDITION = '#delivered.#revision = :revision';

/** A report held early: the delivery not recorded yet, nothing newer (see holdEarlyReport). */
export const EARLY_REPORT_CONDITION =
  'attribute_exists(accountId) AND (attribute_not_exists(#delivered.#revision) OR #delivered.#revision < :revision)' +
  ' AND (attribute_not_exists(#sync.#revision) OR #sync.#revision < :revision)' +
  ' AND (attribute_not_exists(#early.#revision) OR #early.#revision <= :revision)';

/** A delivery: never behind an earlier one. */
export const DELIVERY_CONDITION = '(attribute_not_exists(#delivered.#revision) OR #delivered.#revision <= :revision)';

const KEY_NAMES = { '#sync': 'sync', '#revision': 'revision' };
/** The names of a delivery's expressions (DynamoDB refuses unused names). */
const DELIVERY_NAMES = { ...KEY_NAMES, '#stage': 'stage', '#delivered': 'delivered', '#early': 'earlyReport' };

/** The values of SYNC_CONDITION for a status, with the status itself as `:sync`. */
function syncConditionValues(sync: SyncStatus): Record<string, AttributeValue> {
  return {
    ':sync': syncValue(sync),
    ':revision': { N: sync.revision },
    ':stage': { S: sync.stage },
    ':apply': { S: 'apply' },
  };
}

function keyOf(key: BudgetItemKey): Record<string, AttributeValue> {
  return { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } };
}

/** `sync` as the table holds it (the revision a number, exactly as the stream gave it). */
export function syncValue(sync: SyncStatus): AttributeValue {
  return {
    M: {
      status: { S: sync.status },
      stage: { S: sync.stage },
      message: { S: sync.message },
      revision: { N: sync.revision },
      updatedAt: { S: sync.updatedAt },
    },
  };
}

/** `sync` as written, with the revision kept exactly (it is too long for a JS number). */
export function readSyncAttribute(value: AttributeValue | undefined): Partial<SyncStatus> | undefined {
  const map = value?.M;
  if (!map) return undefined;
  const out: Partial<Record<'status' | 'stage' | 'message' | 'updatedAt' | 'revision', string>> = {};
  for (const name of ['status', 'stage', 'message', 'updatedAt'] as const) {
    const text = map[name]?.S;
    if (text !== undefined) out[name] = text;
  }
  if (map['revision']?.N !== undefined) out.revision = map['revision'].N;
  // status and stage are written by this store only, from the SyncStatus enums.
  return out as Partial<SyncStatus>;
}

export function readDeliveredAttribute(value: AttributeValue | undefined): DeliveryRecord | undefined {
  const map = value?.M;
  const revision = map?.['revision']?.N;
  const digest = map?.['digest']?.S;
  if (!map || revision === undefined || digest === undefined) return undefined;
  return { revision, digest, at: map['at']?.S ?? '' };
}

export function readRepairAttribute(value: AttributeValue | undefined): RepairRecord | undefined {
  const map = value?.M;
  if (!map) return undefined;
  const attempts = Number(map['attempts']?.N ?? '0');
  return {
    attempts: Number.isFinite(attempts) ? attempts : 0,
    lastAt: map['lastAt']?.S ?? '',
    reason: map['reason']?.S ?? '',
  };
}

export function createSyncStatusStore(ddb: DynamoDBClient, tableName: string): SyncStatusStore {
  /** SET sync (and more) only if sync is still what the caller read. */
  function replaceSyncIfUnchanged(
    key: BudgetItemKey,
    expected: { revision: string; updatedAt?: string } | undefined,
    sync: SyncStatus,
    repair?: RepairRecord,
  ) {
    const condition =
      expected === undefined
        ? 'attribute_exists(accountId) AND attribute_not_exists(#sync.#revision)'
        : `attribute_exists(accountId) AND #sync.#revision = :expected${
            expected.updatedAt === undefined ? '' : ' AND #sync.#updatedAt = :expectedAt'
          }`;
    return conditionalUpdate(ddb, {
      TableName: tableName,
      Key: keyOf(key),
      UpdateExpression: repair ? 'SET #sync = :sync, #repair = :repair' : 'SET #sync = :sync',
      ConditionExpression: condition,
      ExpressionAttributeNames: {
        ...KEY_NAMES,
        ...(expected?.updatedAt === undefined ? {} : { '#updatedAt': 'updatedAt' }),
        ...(repair ? { '#repair': 'repair' } : {}),
      },
      ExpressionAttributeValues: {
        ':sync': syncValue(sync),
        ...(expected === undefined ? {} : { ':expected': { N: expected.revision } }),
        ...(expected?.updatedAt === undefined ? {} : { ':expectedAt': { S: expected.updatedAt } }),
        ...(repair
          ? {
              ':repair': {
                M: {
                  attempts: { N: String(repair.attempts) },
                  lastAt: { S: repair.lastAt },
                  reason: { S: repair.reason },
                },
              },
            }
          : {}),
      },
    });
  }

  return {
    async write(key, sync, options = {}) {
      return conditionalUpdate(ddb, {
        TableName: tableName,
        Key: keyOf(key),
        UpdateExpression: 'SET #sync = :sync',
        ConditionExpression: options.onlyIfDelivered ? `${SYNC_CONDITION} AND ${DELIVERED_CONDITION}` : SYNC_CONDITION,
        ExpressionAttributeNames: {
          ...KEY_NAMES,
          '#stage': 'stage',
          ...(options.onlyIfDelivered ? { '#delivered': 'delivered' } : {}),
        },
        ExpressionAttributeValues: syncConditionValues(sync),
      });
    },

    async recordDelivery(key, delivered, sync) {
      let attributes: Record<string, AttributeValue> | undefined;
      try {
        // UPDATED_OLD: the old values of what this write changes, so the held report it removes.
        // (ALL_OLD/ALL_NEW would return attributes the role may not read.)
        ({ Attributes: attributes } = await ddb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(key),
            UpdateExpression: 'SET #sync = :sync, #delivered = :delivered REMOVE #early',
            ConditionExpression: `${SYNC_CONDITION} AND ${DELIVERY_CONDITION}`,
            ExpressionAttributeNames: DELIVERY_NAMES,
            ExpressionAttributeValues: {
              ...syncConditionValues(sync),
              ':delivered': {
                M: { revision: { N: delivered.revision }, digest: { S: delivered.digest }, at: { S: delivered.at } },
              },
            },
            ReturnValues: 'UPDATED_OLD',
          }),
        ));
      } catch (error) {
        if (isConditionFailure(error)) return { result: 'superseded' };
        throw error;
      }
      const held = readSyncAttribute(attributes?.['earlyReport']);
      if (!held) return { result: 'written' };
      if (
        held.revision !== delivered.revision ||
        held.status === undefined ||
        held.stage !== 'apply' ||
        held.message === undefined ||
        held.updatedAt === undefined
      ) {
        return { result: 'written', droppedReport: held };
      }
      return { result: 'written', heldReport: held as SyncStatus };
    },

    async holdEarlyReport(key, report) {
      return conditionalUpdate(ddb, {
        TableName: tableName,
        Key: keyOf(key),
        UpdateExpression: 'SET #early = :report',
        ConditionExpression: EARLY_REPORT_CONDITION,
        ExpressionAttributeNames: { ...KEY_NAMES, '#delivered': 'delivered', '#early': 'earlyReport' },
        ExpressionAttributeValues: {
          ':report': syncValue(report),
          ':revision': { N: report.revision },
        },
      });
    },

    async readState(key) {
      const { Item } = await ddb.send(
        new GetItemCommand({
          TableName: tableName,
          Key: keyOf(key),
          ConsistentRead: true,
          ProjectionExpression: 'accountId, #sync, #delivered, #repair',
          ExpressionAttributeNames: { '#sync': 'sync', '#delivered': 'delivered', '#repair': 'repair' },
        }),
      );
      if (!Item) return { exists: false };
      const delivered = readDeliveredAttribute(Item['delivered']);
      const sync = readSyncAttribute(Item['sync']);
      const repair = readRepairAttribute(Item['repair']);
      return {
        exists: true,
        ...(delivered ? { delivered } : {}),
        ...(sync ? { sync } : {}),
        ...(repair ? { repair } : {}),
      };
    },

    async readContent(key) {
      const { Item } = await ddb.send(
        new GetItemCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const content = itemFromStreamImage(Item as StreamImage);
      for (const name of SYSTEM_ATTRIBUTES) delete content[name];
      return content;
    },

    async requestRedelivery(key, expected, message, now, repair) {
      return replaceSyncIfUnchanged(
        key,
        expected,
        {
          status: 'PENDING',
          stage: 'deliver',
          message,
          revision: expected?.revision ?? '0',
          updatedAt: now.toISOString(),
        },
        repair,
      );
    },

    async markFailed(key, expected, message, now) {
      return replaceSyncIfUnchanged(key, expected, {
        status: 'FAILED',
        stage: 'deliver',
        message,
        revision: expected?.revision ?? '0',
        updatedAt: now.toISOString(),
      });
    },

    async clearRepair(key) {
      await conditionalUpdate(ddb, {
        TableName: tableName,
        Key: keyOf(key),
        UpdateExpression: 'REMOVE #repair',
        ConditionExpression: 'attribute_exists(accountId)',
        ExpressionAttributeNames: { '#repair': 'repair' },
      });
    },
  };
}
