import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { BudgetWatch } from '@org-budgets/guardian';

/**
 * The guardian's watches (see watch.ts in @org-budgets/guardian): one small item of the ledger
 * table, `pk GUARDIAN#WATCH, sk WATCH`, holding per budget
 *   `watch:<budgetName>`          the watch enforce-spend left at its last run
 *   `checkRequested:<budgetName>` when a check was last asked for (epoch ms), for the debounce
 * so that the tracker learns every budget's watch with one GetItem per job start.
 */
export interface GuardianWatches {
  /** Every budget's watch. */
  read(): Promise<Map<string, BudgetWatch>>;
  save(budgetName: string, watch: BudgetWatch): Promise<void>;
  remove(budgetName: string): Promise<void>;
  /**
   * Takes the right to ask for a check of the budget: true unless one was asked for less than
   * `debounceMs` ago (a conditional write: of many trackers at once, one wins).
   */
  claimCheck(budgetName: string, now: Date, debounceMs: number): Promise<boolean>;
}

export const WATCH_KEY = { pk: { S: 'GUARDIAN#WATCH' }, sk: { S: 'WATCH' } } as const;
const WATCH_PREFIX = 'watch:';

export function createGuardianWatches(dynamodb: DynamoDBClient, tableName: string): GuardianWatches {
  return {
    async read() {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: WATCH_KEY }));
      const watches = new Map<string, BudgetWatch>();
      for (const [name, value] of Object.entries(Item ? unmarshall(Item) : {})) {
        if (name.startsWith(WATCH_PREFIX)) watches.set(name.slice(WATCH_PREFIX.length), value as BudgetWatch);
      }
      return watches;
    },

    async save(budgetName, watch) {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: WATCH_KEY,
          UpdateExpression: 'SET #watch = :watch',
          ExpressionAttributeNames: { '#watch': `${WATCH_PREFIX}${budgetName}` },
          ExpressionAttributeValues: { ':watch': { M: marshall(watch, { removeUndefinedValues: true }) } },
        }),
      );
    },

    async remove(budgetName) {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: WATCH_KEY,
          UpdateExpression: 'REMOVE #watch, #requested',
          ExpressionAttributeNames: {
            '#watch': `${WATCH_PREFIX}${budgetName}`,
            '#requested': `checkRequested:${budgetName}`,
          },
        }),
      );
    },

    async claimCheck(budgetName, now, debounceMs) {
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: WATCH_KEY,
            UpdateExpression: 'SET #requested = :now',
            ConditionExpression: 'attribute_not_exists(#requested) OR #requested < :cutoff',
            ExpressionAttributeNames: { '#requested': `checkRequested:${budgetName}` },
            ExpressionAttributeValues: {
              ':now': { N: String(now.getTime()) },
              ':cutoff': { N: String(now.getTime() - debounceMs) },
            },
          }),
        );
        return true;
      } catch (error) {
        if (
          error instanceof ConditionalCheckFailedException ||
          (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException'
        ) {
          return false;
        }
        throw error;
      }
    },
  };
}
