import { queryAll } from './paging';
import {
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { KNOWN_ATTRIBUTES, NON_BUDGET_ATTRIBUTES, type SyncStatus } from '@org-budgets/contracts';
import { queryBudgetItemImages, readBudgetItemImages } from './budget-item-edits';
import { conditionalUpdate, isConditionFailure } from './condition-failure';
import { itemFromStreamImage, type StreamImage } from './stream-image';
import { readSyncAttribute, SYNC_CONDITION, syncValue, type BudgetItemKey } from './sync-status';

/** The index of the hub's copies of organization defaults: `inheritedFrom` (hash) and `budgetName` (range). */
export const INHERITED_INDEX = 'inherited';

/** An item of the table as the organization defaults read it: plain content, and its `sync`. */
export interface StoredItem {
  accountId: string;
  budgetName: string;
  /** The attributes as plain values (sets as Sets), without the system attributes and `editedBy`. */
  content: Record<string, unknown>;
  sync?: Partial<SyncStatus>;
  rollup?: Record<string, unknown>;
  /** The budget's figures and state as the hub wrote them (record-budget-spend), for the roll-up. */
  spend?: { actual?: number; forecasted?: number; currency?: string };
  state?: string;
}

/**
 * The attributes finance types; the ones a copy may hold or have to lose on a rewrite. Not
 * `editedBy`: a copy never carries the default's (who edited the default is on the default).
 */
const BUDGET_ATTRIBUTES = KNOWN_ATTRIBUTES.filter(
  (name) =>
    name !== 'accountId' &&
    name !== 'budgetName' &&
    name !== 'inheritedFrom' &&
    !(NON_BUDGET_ATTRIBUTES as readonly string[]).includes(name),
);

export type CopyWriteResult = 'written' | 'conflict';

/** Reads and writes organization defaults and the hub's copies of them in the budgets table. */
export interface DefaultItemsStore {
  /** Every item of one partition: an OU's or the root's defaults, or an account's items (Query, consistent). */
  itemsOf(accountId: string): Promise<StoredItem[]>;
  /** The items of these keys (BatchGetItem, 100 at a time, unprocessed keys retried); absent ones left out. */
  getMany(keys: readonly BudgetItemKey[]): Promise<StoredItem[]>;
  /**
   * Writes an account's copy of a default: creates it where the account has no item of that name
   * (`expectedFrom` undefined), or rewrites the copy only while it is still inherited from
   * `expectedFrom`. 'conflict' when the account's item is (now) its own or an opt-out.
   */
  putCopy(item: Record<string, unknown>, expectedFrom?: string): Promise<CopyWriteResult>;
  /**
   * Deletes an account's copy only while it is still inherited from `inheritedFrom`. With
   * `outOfReach` (the account is no longer an active member of the organization), first marks the
   * copy with it (`outOfReach`, a system attribute: no propagation), so that the deletion's stream
   * record tells propagate-budget-edits not to reach for the account's spoke.
   */
  deleteCopy(key: BudgetItemKey, inheritedFrom: string, outOfReach?: string): Promise<CopyWriteResult>;
  /** Every copy of one default (the `inherited` index; eventually consistent). */
  copiesOf(target: string, budgetName: string): Promise<StoredItem[]>;
  /**
   * Writes the default's `sync` and `rollup` (SYNC_CONDITION: never over a newer revision's
   * status, never onto a deleted item).
   */
  writeDefaultStatus(key: BudgetItemKey, sync: SyncStatus, rollup: object): Promise<'written' | 'superseded'>;
}

export function storedItem(raw: Record<string, AttributeValue>): StoredItem {
  const image = raw as StreamImage;
  const content = itemFromStreamImage(image);
  const rollup = content['rollup'];
  const spend = content['spend'];
  const state = content['state'];
  for (const name of NON_BUDGET_ATTRIBUTES) delete content[name];
  const sync = readSyncAttribute(raw['sync']);
  return {
    accountId: image['accountId']?.S ?? '',
    budgetName: image['budgetName']?.S ?? '',
    content,
    ...(sync ? { sync } : {}),
    ...(rollup && typeof rollup === 'object' ? { rollup: rollup as Record<string, unknown> } : {}),
    ...(spend && typeof spend === 'object' ? { spend } : {}),
    ...(typeof state === 'string' ? { state } : {}),
  };
}

export function createDefaultItemsStore(ddb: DynamoDBClient, tableName: string): DefaultItemsStore {
  return {
    async itemsOf(accountId) {
      return (await queryBudgetItemImages(ddb, tableName, accountId)).map(storedItem);
    },

    async getMany(keys) {
      return [...(await readBudgetItemImages(ddb, tableName, keys)).values()].map(storedItem);
    },

    async putCopy(item, expectedFrom) {
      if (expectedFrom === undefined) {
        // A new copy is put whole: an UpdateItem that creates an item may reach the stream as two
        // records (moto writes the keys first), and the first, without the budget, would be REJECTED.
        try {
          await ddb.send(
            new PutItemCommand({
              TableName: tableName,
              Item: marshall(item, { removeUndefinedValues: true }),
              ConditionExpression: 'attribute_not_exists(accountId)',
            }),
          );
          return 'written';
        } catch (error) {
          if (isConditionFailure(error)) return 'conflict';
          throw error;
        }
      }
      const names: Record<string, string> = { '#from': 'inheritedFrom' };
      const values: Record<string, AttributeValue> = {};
      const sets: string[] = [];
      const removes: string[] = [];
      BUDGET_ATTRIBUTES.forEach((name, i) => {
        names[`#a${i}`] = name;
        const value = item[name];
        if (value === undefined) removes.push(`#a${i}`);
        else {
          values[`:a${i}`] = marshall({ v: value }, { removeUndefinedValues: true })['v'] as AttributeValue;
          sets.push(`#a${i} = :a${i}`);
        }
      });
      values[':from'] = { S: String(item['inheritedFrom']) };
      sets.push('#from = :from');
      values[':expectedFrom'] = { S: expectedFrom };
      const condition = '#from = :expectedFrom';
      try {
        await ddb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { accountId: { S: String(item['accountId']) }, budgetName: { S: String(item['budgetName']) } },
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return 'written';
      } catch (error) {
        if (isConditionFailure(error)) return 'conflict';
        throw error;
      }
    },

    async deleteCopy(key, inheritedFrom, outOfReach) {
      try {
        if (outOfReach) {
          await ddb.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
              UpdateExpression: 'SET #outOfReach = :reason',
              ConditionExpression: '#from = :from',
              ExpressionAttributeNames: { '#from': 'inheritedFrom', '#outOfReach': 'outOfReach' },
              ExpressionAttributeValues: { ':from': { S: inheritedFrom }, ':reason': { S: outOfReach } },
            }),
          );
        }
        await ddb.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
            ConditionExpression: '#from = :from',
            ExpressionAttributeNames: { '#from': 'inheritedFrom' },
            ExpressionAttributeValues: { ':from': { S: inheritedFrom } },
          }),
        );
        return 'written';
      } catch (error) {
        if (isConditionFailure(error)) return 'conflict';
        throw error;
      }
    },

    async copiesOf(target, budgetName) {
      const items = await queryAll(ddb, {
        TableName: tableName,
        IndexName: INHERITED_INDEX,
        KeyConditionExpression: '#from = :from AND budgetName = :name',
        ExpressionAttributeNames: { '#from': 'inheritedFrom' },
        ExpressionAttributeValues: { ':from': { S: target }, ':name': { S: budgetName } },
      });
      return items.map(storedItem);
    },

    async writeDefaultStatus(key, sync, rollup) {
      return conditionalUpdate(ddb, {
        TableName: tableName,
        Key: { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
        UpdateExpression: 'SET #sync = :sync, #rollup = :rollup',
        ConditionExpression: SYNC_CONDITION,
        ExpressionAttributeNames: {
          '#sync': 'sync',
          '#revision': 'revision',
          '#stage': 'stage',
          '#rollup': 'rollup',
        },
        ExpressionAttributeValues: {
          ':sync': syncValue(sync),
          ':rollup': { M: marshall(rollup, { removeUndefinedValues: true }) },
          ':revision': { N: sync.revision },
          ':stage': { S: sync.stage },
          ':apply': { S: 'apply' },
        },
      });
    },
  };
}
