import { queryAll, scanAll } from './paging';
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { SYSTEM_ATTRIBUTES } from '@org-budgets/contracts';
import { isConditionFailure } from './condition-failure';
import type { BudgetItemKey } from './sync-status';

/** A budget item exactly as the table holds it (DynamoDB attribute values, system attributes included). */
export type BudgetItemImage = Record<string, AttributeValue>;

/** The outcome of a conditional edit: written (with the item as it was just before), or refused. */
export type ConditionalEditResult =
  { outcome: 'written'; before: BudgetItemImage | undefined } | { outcome: 'changed-since-read' };

const KEY_ATTRIBUTES: readonly string[] = ['accountId', 'budgetName'];
const SYSTEM_NAMES: readonly string[] = SYSTEM_ATTRIBUTES;

/** BatchGetItem reads at most 100 keys per call. */
export const BATCH_GET_LIMIT = 100;

/** Every item of the budgets table, strongly consistent, page by page. */
export async function scanBudgetItemImages(
  ddb: DynamoDBClient,
  tableName: string,
  pageSize = 1000,
): Promise<BudgetItemImage[]> {
  return scanAll(ddb, { TableName: tableName, ConsistentRead: true, Limit: pageSize });
}

/** The items of one account (or OU) id, strongly consistent, every page. */
export async function queryBudgetItemImages(
  ddb: DynamoDBClient,
  tableName: string,
  accountId: string,
): Promise<BudgetItemImage[]> {
  return queryAll(ddb, {
    TableName: tableName,
    ConsistentRead: true,
    KeyConditionExpression: '#a = :a',
    ExpressionAttributeNames: { '#a': 'accountId' },
    ExpressionAttributeValues: { ':a': { S: accountId } },
  });
}

/**
 * The items of these keys as they are now (strongly consistent), by `accountId/budgetName`; a key
 * whose item does not exist is absent from the map. Keys the table did not process (throttling)
 * are asked again, up to `maxRounds` times, then reported by an error.
 */
export async function readBudgetItemImages(
  ddb: DynamoDBClient,
  tableName: string,
  keys: readonly BudgetItemKey[],
  maxRounds = 8,
): Promise<Map<string, BudgetItemImage>> {
  const found = new Map<string, BudgetItemImage>();
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, AttributeValue>[] = keys
      .slice(start, start + BATCH_GET_LIMIT)
      .map((key) => ({ accountId: { S: key.accountId }, budgetName: { S: key.budgetName } }));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= maxRounds) {
        throw new Error(`DynamoDB left ${pending.length} key(s) of ${tableName} unprocessed after ${maxRounds} reads`);
      }
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** round, 2000)));
      const answer = await ddb.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of answer.Responses?.[tableName] ?? []) {
        found.set(`${item['accountId']?.S ?? ''}/${item['budgetName']?.S ?? ''}`, item);
      }
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
}

/**
 * The condition that the item's content is still what was read: each of `watched` (the content
 * attributes, e.g. amount, emails) that the item had holds the same value, and none that it
 * lacked has appeared; other attributes (the hub's system attributes, anything it adds) are not
 * compared. `expected` undefined: the item must not exist.
 */
function unchangedCondition(
  expected: BudgetItemImage | undefined,
  watched: readonly string[],
): { expression: string; names: Record<string, string>; values: Record<string, AttributeValue> } {
  if (expected === undefined) {
    return { expression: 'attribute_not_exists(#k0)', names: { '#k0': 'accountId' }, values: {} };
  }
  const parts: string[] = ['attribute_exists(#k0)'];
  const names: Record<string, string> = { '#k0': 'accountId' };
  const values: Record<string, AttributeValue> = {};
  const compared = watched.filter((name) => !SYSTEM_NAMES.includes(name) && !KEY_ATTRIBUTES.includes(name));
  const present = compared.filter((name) => name in expected);
  present.forEach((name, i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = expected[name] as AttributeValue;
    parts.push(`#c${i} = :c${i}`);
  });
  compared
    .filter((name) => !(name in expected))
    .forEach((name, i) => {
      names[`#a${i}`] = name;
      parts.push(`attribute_not_exists(#a${i})`);
    });
  return { expression: parts.join(' AND '), names, values };
}

/**
 * Writes an item's content (`set`: attributes to set; `remove`: attributes to remove), leaving
 * its system attributes (`sync`, `delivered`, `repair`) alone, only if the item is still as it
 * was read (`expected`; undefined: only if it does not exist): an edit made in between, in the
 * console or by anyone, is never overwritten, the write is refused instead. `watched`: the
 * attributes whose appearance counts as a change too (the item's known attributes). A new item
 * is put with the condition that it still does not exist.
 */
export async function writeBudgetItemIfUnchanged(
  ddb: DynamoDBClient,
  tableName: string,
  key: BudgetItemKey,
  change: { set: BudgetItemImage; remove: readonly string[] },
  expected: BudgetItemImage | undefined,
  watched: readonly string[],
): Promise<ConditionalEditResult> {
  const condition = unchangedCondition(expected, watched);
  const names: Record<string, string> = { ...condition.names };
  const values: Record<string, AttributeValue> = { ...condition.values };
  const sets = Object.entries(change.set)
    .filter(([name]) => !KEY_ATTRIBUTES.includes(name) && !SYSTEM_NAMES.includes(name))
    .map(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      return `#s${i} = :s${i}`;
    });
  const removes = change.remove.map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  });
  const update = [
    sets.length > 0 ? `SET ${sets.join(', ')}` : '',
    removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (update === '') throw new Error(`nothing to write for ${key.accountId}/${key.budgetName}`);
  if (expected === undefined) return createItem(ddb, tableName, key, change.set);
  try {
    const answer = await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
        UpdateExpression: update,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { outcome: 'written', before: answer.Attributes };
  } catch (error) {
    if (isConditionFailure(error)) return { outcome: 'changed-since-read' };
    throw error;
  }
}

/**
 * A new item is put, not updated: one stream record, as for any insert (moto's UpdateItem of an
 * item that does not exist yet writes two stream records, the first with the key alone, which
 * the hub would reject as an item without an amount).
 */
async function createItem(
  ddb: DynamoDBClient,
  tableName: string,
  key: BudgetItemKey,
  attributes: BudgetItemImage,
): Promise<ConditionalEditResult> {
  const content = Object.fromEntries(
    Object.entries(attributes).filter(([name]) => !KEY_ATTRIBUTES.includes(name) && !SYSTEM_NAMES.includes(name)),
  );
  try {
    await ddb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...content, accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
        ConditionExpression: 'attribute_not_exists(#k0)',
        ExpressionAttributeNames: { '#k0': 'accountId' },
      }),
    );
    return { outcome: 'written', before: undefined };
  } catch (error) {
    if (isConditionFailure(error)) return { outcome: 'changed-since-read' };
    throw error;
  }
}

/** Deletes an item only if it is still as it was read (see writeBudgetItemIfUnchanged). */
export async function deleteBudgetItemIfUnchanged(
  ddb: DynamoDBClient,
  tableName: string,
  key: BudgetItemKey,
  expected: BudgetItemImage,
  watched: readonly string[],
): Promise<ConditionalEditResult> {
  const condition = unchangedCondition(expected, watched);
  try {
    const answer = await ddb.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { accountId: { S: key.accountId }, budgetName: { S: key.budgetName } },
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ...(Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {}),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { outcome: 'written', before: answer.Attributes };
  } catch (error) {
    if (isConditionFailure(error)) return { outcome: 'changed-since-read' };
    throw error;
  }
}
