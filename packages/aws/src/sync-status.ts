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
  return {
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
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
          return 'superseded';
        }
        throw error;
      }
    },
  };
}
