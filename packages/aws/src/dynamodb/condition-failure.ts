import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** A DynamoDB write refused by its ConditionExpression (by class, or by name across SDK copies). */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException'
  );
}
