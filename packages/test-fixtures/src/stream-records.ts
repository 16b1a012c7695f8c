import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export const FIXTURE_REGION = 'us-east-1';
export const FIXTURE_STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:123456789012:table/org-budgets-dev/stream/2026-11-23T10:00:00.000';

let nextSequence = 1100000000017454423009n;

/** A valid item as a finance user would type it, with overrides. */
export function budgetItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { accountId: '111111111111', budgetName: 'research-compute', amount: 1000, ...overrides };
}

type Image = Record<string, unknown>;

function toImage(item: Image): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }) as Record<
    string,
    AttributeValue
  >;
}

export interface RecordOptions {
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  oldImage?: Image;
  sequenceNumber?: string;
}

/**
 * A stream record shaped exactly as Lambda delivers it for a NEW_AND_OLD_IMAGES stream
 * (see the AWS Lambda developer guide, "Using AWS Lambda with Amazon DynamoDB").
 */
export function budgetItemRecord(item: Image = budgetItem(), options: RecordOptions = {}): DynamoDBRecord {
  const eventName = options.eventName ?? (options.oldImage ? 'MODIFY' : 'INSERT');
  const sequence = options.sequenceNumber ?? String(nextSequence++);
  const keySource = eventName === 'REMOVE' ? (options.oldImage ?? item) : item;
  const keys = toImage({ accountId: keySource['accountId'], budgetName: keySource['budgetName'] });
  const newImage = eventName === 'REMOVE' ? undefined : toImage(item);
  const oldImage = options.oldImage ? toImage(options.oldImage) : eventName === 'REMOVE' ? toImage(item) : undefined;
  return {
    eventID: `c4ca4238a0b923820dcc509a6f75849b-${sequence.slice(-6)}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: FIXTURE_REGION,
    dynamodb: {
      ApproximateCreationDateTime: 1795428000,
      Keys: keys,
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      SequenceNumber: sequence,
      SizeBytes: JSON.stringify({ keys, newImage, oldImage }).length,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: FIXTURE_STREAM_ARN,
  };
}

export function removeRecord(item: Image = budgetItem(), sequenceNumber?: string): DynamoDBRecord {
  return budgetItemRecord(item, { eventName: 'REMOVE', ...(sequenceNumber ? { sequenceNumber } : {}) });
}

export function streamEvent(...records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}
