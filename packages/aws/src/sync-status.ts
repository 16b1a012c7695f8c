import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SyncStatus } from '@org-budgets/contracts';

export interface BudgetItemKey {
  accountId: string;
  budgetName: string;
}

export type SyncWriteResult = 'written' | 'superseded';

/** Writes the `sync` attribute onto budget items in the hub table. */
export interface SyncStatusStore {
  write(key: BudgetItemKey, sync: SyncStatus): Promise<SyncWriteResult>;
  /**
   * Marks an item PENDING so that the stream delivers it again (see the loop guard in
   * propagate-budget-edits), only if its `sync.revision` is still `expectedRevision` (undefined:
   * the item has no sync yet); 'superseded' when the item changed or is gone.
   */
  requestRedelivery(
    key: BudgetItemKey,
    expectedRevision: string | undefined,
    message: string,
    now: Date,
  ): Promise<SyncWriteResult>;
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

export function createSyncStatusStore(ddb: DynamoDBClient, tableName: string): SyncStatusStore {
  const isConditionFailure = (error: unknown) =>
    error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';
  return {
    async requestRedelivery(key, expectedRevision, message, now) {
      try {
        await ddb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
            UpdateExpression: 'SET #sync = :sync',
            ConditionExpression:
              expectedRevision === undefined
                ? 'attribute_exists(accountId) AND attribute_not_exists(#sync.#revision)'
                : 'attribute_exists(accountId) AND #sync.#revision = :expected',
            ExpressionAttributeNames: { '#sync': 'sync', '#revision': 'revision' },
            ExpressionAttributeValues: {
              ':sync': {
                M: {
                  status: { S: 'PENDING' },
                  stage: { S: 'deliver' },
                  message: { S: message },
                  revision: { N: expectedRevision ?? '0' },
                  updatedAt: { S: now.toISOString() },
                },
              },
              ...(expectedRevision === undefined ? {} : { ':expected': { N: expectedRevision } }),
            },
          }),
        );
        return 'written';
      } catch (error) {
        if (isConditionFailure(error)) return 'superseded';
        throw error;
      }
    },
    async write(key, sync) {
      try {
        await ddb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
            UpdateExpression: 'SET #sync = :sync',
            ConditionExpression: SYNC_CONDITION,
            ExpressionAttributeNames: { '#sync': 'sync', '#revision': 'revision', '#stage': 'stage' },
            ExpressionAttributeValues: {
              ':sync': {
                M: {
                  status: { S: sync.status },
                  stage: { S: sync.stage },
                  message: { S: sync.message },
                  revision: { N: sync.revision },
                  updatedAt: { S: sync.updatedAt },
                },
              },
              ':revision': { N: sync.revision },
              ':stage': { S: sync.stage },
              ':apply': { S: 'apply' },
            },
          }),
        );
        return 'written';
      } catch (error) {
        if (isConditionFailure(error)) return 'superseded';
        throw error;
      }
    },
  };
}
