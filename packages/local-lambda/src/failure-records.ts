import type { DynamoDBRecord } from 'aws-lambda';
import type { LambdaError } from './function-container';

/**
 * The JSON documents Lambda sends to an on-failure (or on-success) destination, in the shapes
 * the Lambda developer guide shows ("Capturing records of Lambda asynchronous invocations",
 * "Retaining discarded records for a DynamoDB event source").
 */

export type StreamFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: StreamFailureCondition;
    approximateInvokeCount: number;
  };
  responseContext?: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface StreamFailureInput {
  requestId: string;
  functionArn: string;
  condition: StreamFailureCondition;
  invokeCount: number;
  /** How the last invocation ended: a function error, a partial batch failure (no functionError), or none at all. */
  lastOutcome: 'functionError' | 'partialFailure' | 'notInvoked';
  shardId: string;
  streamArn: string;
  records: readonly DynamoDBRecord[];
  now: Date;
}

/** The record of stream records given up on: where they are in the stream, not the records themselves. */
export function streamFailureRecord(input: StreamFailureInput): StreamFailureRecord {
  const first = input.records[0];
  const last = input.records[input.records.length - 1];
  const arrival = (record: DynamoDBRecord | undefined): string =>
    isoSeconds(new Date((record?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000));
  return {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.invokeCount,
    },
    ...(input.lastOutcome === 'notInvoked'
      ? {}
      : {
          responseContext: {
            statusCode: 200,
            executedVersion: '$LATEST',
            ...(input.lastOutcome === 'functionError' ? { functionError: 'Unhandled' as const } : {}),
          },
        }),
    version: '1.0',
    timestamp: input.now.toISOString(),
    DDBStreamBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first?.dynamodb?.SequenceNumber ?? '',
      endSequenceNumber: last?.dynamodb?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
  };
}

export type AsyncCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

export interface AsyncInvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: AsyncCondition;
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' };
  responsePayload: unknown;
}

/** The record of an asynchronous invocation sent to its OnFailure / OnSuccess destination. */
export function asyncInvocationRecord(input: {
  requestId: string;
  functionArn: string;
  condition: AsyncCondition;
  invokeCount: number;
  event: unknown;
  /** The function's result, or its error. */
  outcome: { ok: true; payload: unknown } | { ok: false; error: LambdaError };
  now: Date;
}): AsyncInvocationRecord {
  return {
    version: '1.0',
    timestamp: input.now.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: `${input.functionArn}:$LATEST`,
      condition: input.condition,
      approximateInvokeCount: input.invokeCount,
    },
    requestPayload: input.event,
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(input.outcome.ok ? {} : { functionError: 'Unhandled' as const }),
    },
    responsePayload: input.outcome.ok ? input.outcome.payload : input.outcome.error,
  };
}

/** EventBridge writes times without milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
