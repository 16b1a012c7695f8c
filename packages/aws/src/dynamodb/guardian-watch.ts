import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { BudgetWatch } from '@org-budgets/guardian';
import { isConditionFailure } from './condition-failure';

/**
 * The guardian's watches (see watch.ts in @org-budgets/guardian): one small item of the ledger
 * table, `pk GUARDIAN#WATCH, sk WATCH`, holding per budget
 *   `watch:<budgetName>`          the watch enforce-spend left at its last run
 *   `checkRequested:<budgetName>` when a check was last asked for at once (epoch ms)
 *   `checkTrailing:<budgetName>`  when the pending trailing check runs (epoch ms)
 * so that the tracker learns every budget's watch with one GetItem per job start.
 */
export interface GuardianWatches {
  /** Every budget's watch. */
  read(): Promise<Map<string, BudgetWatch>>;
  save(budgetName: string, watch: BudgetWatch): Promise<void>;
  remove(budgetName: string): Promise<void>;
  /**
   * Takes the right to ask for a check of the budget, debounced per budget without dropping any:
   * `{ delaySeconds: 0 }` when none was asked for in the last `debounceMs` (the leading check);
   * else `{ delaySeconds: debounceMs / 1000 }` when no trailing check is pending yet (it will see
   * every job started since the leading one); else undefined (a pending check will see this job).
   * Conditional writes: of many trackers at once, one wins each slot.
   */
  claimCheck(budgetName: string, now: Date, debounceMs: number): Promise<{ delaySeconds: number } | undefined>;
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
          UpdateExpression: 'REMOVE #watch, #requested, #trailing',
          ExpressionAttributeNames: {
            '#watch': `${WATCH_PREFIX}${budgetName}`,
            '#requested': `checkRequested:${budgetName}`,
            '#trailing': `checkTrailing:${budgetName}`,
          },
        }),
      );
    },

    async claimCheck(budgetName, now, debounceMs) {
      const claim = async (attribute: string, value: number, cutoff: number): Promise<boolean> => {
        try {
          await dynamodb.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: WATCH_KEY,
              UpdateExpression: 'SET #slot = :value',
              ConditionExpression: 'attribute_not_exists(#slot) OR #slot < :cutoff',
              ExpressionAttributeNames: { '#slot': `${attribute}:${budgetName}` },
              ExpressionAttributeValues: { ':value': { N: String(value) }, ':cutoff': { N: String(cutoff) } },
            }),
          );
          return true;
        } catch (error) {
          if (isConditionFailure(error)) return false;
          throw error;
        }
      };
      const t = now.getTime();
      // The leading check: none asked for in the last debounceMs.
      if (await claim('checkRequested', t, t - debounceMs)) return { delaySeconds: 0 };
      // The trailing check, at the end of the window: none pending (its time not yet come).
      if (await claim('checkTrailing', t + debounceMs, t)) return { delaySeconds: Math.ceil(debounceMs / 1000) };
      return undefined;
    },
  };
}
