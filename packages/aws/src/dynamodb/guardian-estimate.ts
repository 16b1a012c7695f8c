import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The cost guardian's latest estimate of a budget: its spend (USD) and when it was made. */
export interface GuardianEstimate {
  amount: number;
  at: string;
}

/** Run records looked at: a run that could not estimate (its record holds a reason) is passed over. */
const RUNS_READ = 5;

/**
 * The estimate of the latest enforce-spend run of a budget that made one, from the guardian's
 * ledger (run records `BUDGET#<name>` / `RUN#<iso>#<id>`, newest first); undefined when the
 * guardian has not estimated the budget yet.
 */
export async function readLatestGuardianEstimate(
  ddb: DynamoDBClient,
  tableName: string,
  budgetName: string,
): Promise<GuardianEstimate | undefined> {
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
      ExpressionAttributeValues: { ':pk': { S: `BUDGET#${budgetName}` }, ':run': { S: 'RUN#' } },
      ProjectionExpression: '#at, estimate',
      ExpressionAttributeNames: { '#at': 'at' },
      ScanIndexForward: false,
      Limit: RUNS_READ,
    }),
  );
  for (const item of Items ?? []) {
    const total = item['estimate']?.M?.['total']?.N;
    const at = item['at']?.S;
    if (total !== undefined && at !== undefined && Number.isFinite(Number(total))) return { amount: Number(total), at };
  }
  return undefined;
}

/**
 * Whether the cost guardian holds state for a budget (its `BUDGET#<name>` / `GUARDIAN` item: the
 * guardian was on for it and has not let go yet). A Query of that one key, which the role that
 * reads the runs may make.
 */
export async function guardianHoldsState(ddb: DynamoDBClient, tableName: string, budgetName: string): Promise<boolean> {
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :guardian',
      ExpressionAttributeValues: { ':pk': { S: `BUDGET#${budgetName}` }, ':guardian': { S: 'GUARDIAN' } },
      ProjectionExpression: 'pk',
    }),
  );
  return (Items ?? []).length > 0;
}
