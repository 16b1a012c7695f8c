import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A DynamoDB write refused by its ConditionExpression (by class, or by name across SDK copies). */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException'
  );
}

/** An UpdateItem whose failed condition means 'superseded' (a newer write is there, or the item is gone). */
export async function conditionalUpdate(
  ddb: DynamoDBClient,
  input: ConstructorParameters<typeof UpdateItemCommand>[0],
): Promise<'written' | 'superseded'> {
  try {
    await ddb.send(new UpdateItemCommand(input));
    return 'written';
  } catch (error) {
    if (isConditionFailure(error)) return 'superseded';
    throw error;
  }
}
