import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BatchClient } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import {
  awsClientConfig,
  createGuardianChecks,
  createGuardianLedger,
  createGuardianWatches,
  createQueueCapacityResolver,
  lazyLambdaClient,
} from '@org-budgets/aws';
import { parseBatchJobEvent, resolvePriceBook } from '@org-budgets/guardian';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type { TrackBatchJobsConfig } from './config';
import { trackBatchJob, type TrackOutcome } from './track-batch-jobs';

export interface HandlerOverrides {
  logger?: Logger;
  credentials?: AwsCredentialIdentity;
  now?: () => Date;
}

/**
 * Wires track-batch-jobs. An event that is not a readable Batch Job State Change fails the
 * invocation (naming what is wrong): EventBridge's retries and then the spoke's dead-letter queue
 * and its alarm make it visible.
 */
export function createTrackBatchJobsHandler(config: TrackBatchJobsConfig, overrides: HandlerOverrides = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-spoke' });
  const clientConfig = overrides.credentials ? { credentials: overrides.credentials } : {};
  const dynamodb = new DynamoDBClient({ ...awsClientConfig(), ...clientConfig });
  const ledger = createGuardianLedger(dynamodb, config.ledgerTableName);
  const watches = createGuardianWatches(dynamodb, config.ledgerTableName);
  // Its checks are due at once or within the debounce window: invocations, no schedules. Checks
  // are rare: Lambda is loaded at the first one, not at the cold start.
  const checks = createGuardianChecks(lazyLambdaClient({ ...awsClientConfig(), ...clientConfig }), {
    functionArn: config.checkFunctionArn,
    delayFunctionArn: config.checkDelayFunctionArn,
  });
  const prices = resolvePriceBook(config.region, config.prices);
  const capacityOf = createQueueCapacityResolver(new BatchClient({ ...awsClientConfig(), ...clientConfig }));

  return middy<EventBridgeEvent<string, unknown>, TrackOutcome | { result: 'ignored'; reason: string }>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
      if (event.account !== accountId) {
        logger.error('event from another account; ignored', { eventAccount: event.account, accountId });
        return { result: 'ignored', reason: 'event from another account' };
      }
      const observation = parseBatchJobEvent(event);
      logger.appendKeys({ jobId: observation.jobId });
      return trackBatchJob(observation, {
        ledger,
        capacityOf,
        watches,
        checks,
        prices,
        horizonMs: config.scheduleMs,
        checkDebounceMs: config.checkDebounceMs,
        now: overrides.now ?? (() => new Date()),
        logger,
      });
    });
}
