import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { createSyncStatusStore } from '@org-budgets/aws';
import type { EventBridgeEvent } from 'aws-lambda';
import { recordSpokeStatus, type RecordOutcome } from './record-spoke-status';

export interface RecordStatusConfig {
  tableName: string;
}

export function loadRecordStatusConfig(env: NodeJS.ProcessEnv): RecordStatusConfig {
  if (!env['TABLE_NAME']) throw new Error('record-spoke-status is misconfigured: TABLE_NAME: is required');
  return { tableName: env['TABLE_NAME'] };
}

export function createRecordStatusHandler(config: RecordStatusConfig, overrides: { logger?: Logger } = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-hub' });
  const syncStatus = createSyncStatusStore(new DynamoDBClient({}), config.tableName);
  return middy<EventBridgeEvent<string, unknown>, RecordOutcome>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event) => recordSpokeStatus(event, { syncStatus, logger }));
}
