import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  BUDGET_STATES,
  SYSTEM_ATTRIBUTES,
  type BudgetSpendAttribute,
  type BudgetState,
  type BudgetStateDetail,
  type LockdownStatusAttribute,
} from '@org-budgets/contracts';
import { conditionalUpdate } from './condition-failure';
import { itemFromStreamImage, type StreamImage } from './stream-image';
import { readDeliveredAttribute, type BudgetItemKey, type DeliveryRecord, type SyncWriteResult } from './sync-status';

/** A budget item as record-budget-spend reads it: the content finance wrote, and the system's view. */
export interface SpendItem {
  /** The item's attributes as plain values, without the system attributes. */
  content: Record<string, unknown>;
  delivered?: DeliveryRecord;
  spend?: BudgetSpendAttribute;
  state?: BudgetState;
  stateDetail?: BudgetStateDetail;
  lockdownStatus?: LockdownStatusAttribute;
}

/** What record-budget-spend writes: the figures and the state (system attributes only). */
export interface SpendWrite {
  spend: BudgetSpendAttribute;
  state: BudgetState;
  stateDetail: BudgetStateDetail;
}

/** Reads and writes the spend, state and lockdown of budget items in the hub table. */
export interface BudgetSpendStore {
  /** The item, strongly consistent; undefined when it is gone. */
  read(key: BudgetItemKey): Promise<SpendItem | undefined>;
  /**
   * Writes `spend`, `state` and `stateDetail`, only while the item's `delivered.revision` is the
   * report's revision and no figures read later are on it; 'superseded' otherwise.
   */
  writeSpend(key: BudgetItemKey, write: SpendWrite): Promise<SyncWriteResult>;
  /** Writes `lockdownStatus` onto the item, if it still exists. */
  writeLockdownStatus(key: BudgetItemKey, status: LockdownStatusAttribute): Promise<SyncWriteResult>;
}

function keyOf(key: BudgetItemKey): Record<string, AttributeValue> {
  return { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } };
}

function mapOf<T>(value: AttributeValue | undefined): T | undefined {
  return value?.M ? (unmarshall(value.M) as T) : undefined;
}

function stateOf(value: AttributeValue | undefined): BudgetState | undefined {
  const text = value?.S;
  return (BUDGET_STATES as readonly string[]).includes(text ?? '') ? (text as BudgetState) : undefined;
}

function toMap(value: object): AttributeValue {
  return { M: marshall(value, { removeUndefinedValues: true }) };
}

export function createBudgetSpendStore(ddb: DynamoDBClient, tableName: string): BudgetSpendStore {
  return {
    async read(key) {
      const { Item } = await ddb.send(
        new GetItemCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const content = itemFromStreamImage(Item as StreamImage);
      for (const name of SYSTEM_ATTRIBUTES) delete content[name];
      const delivered = readDeliveredAttribute(Item['delivered']);
      const spend = mapOf<BudgetSpendAttribute>(Item['spend']);
      const state = stateOf(Item['state']);
      const stateDetail = mapOf<BudgetStateDetail>(Item['stateDetail']);
      const lockdownStatus = mapOf<LockdownStatusAttribute>(Item['lockdownStatus']);
      return {
        content,
        ...(delivered ? { delivered } : {}),
        ...(spend ? { spend } : {}),
        ...(state ? { state } : {}),
        ...(stateDetail ? { stateDetail } : {}),
        ...(lockdownStatus ? { lockdownStatus } : {}),
      };
    },

    async writeSpend(key, write) {
      return conditionalUpdate(ddb, {
        TableName: tableName,
        Key: keyOf(key),
        UpdateExpression: 'SET #spend = :spend, #state = :state, #stateDetail = :stateDetail',
        ConditionExpression:
          'attribute_exists(accountId) AND #delivered.#revision = :revision' +
          ' AND (attribute_not_exists(#spend.#readAt) OR #spend.#readAt <= :readAt)',
        ExpressionAttributeNames: {
          '#spend': 'spend',
          '#state': 'state',
          '#stateDetail': 'stateDetail',
          '#delivered': 'delivered',
          '#revision': 'revision',
          '#readAt': 'readAt',
        },
        ExpressionAttributeValues: {
          ':spend': toMap(write.spend),
          ':state': { S: write.state },
          ':stateDetail': toMap(write.stateDetail),
          ':revision': { N: write.spend.revision },
          ':readAt': { S: write.spend.readAt },
        },
      });
    },

    async writeLockdownStatus(key, status) {
      return conditionalUpdate(ddb, {
        TableName: tableName,
        Key: keyOf(key),
        UpdateExpression: 'SET #lockdownStatus = :status',
        ConditionExpression: 'attribute_exists(accountId)',
        ExpressionAttributeNames: { '#lockdownStatus': 'lockdownStatus' },
        ExpressionAttributeValues: { ':status': toMap(status) },
      });
    },
  };
}
