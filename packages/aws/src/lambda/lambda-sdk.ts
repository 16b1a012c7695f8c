/**
 * The Lambda client and the command the guardian's checks send. Imported on first use only
 * (`loadLambdaSdk`), never statically: enforce-spend and track-batch-jobs ask for a check on a
 * rare path, and load Lambda's schemas then, not at every cold start.
 */
export { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
