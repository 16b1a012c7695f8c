import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import {
  awsClientConfig,
  createAlertsTopic,
  createEditHistoryStore,
  createSyncStatusStore,
  lazySnsClient,
} from '@org-budgets/aws';
import type { EventBridgeEvent } from 'aws-lambda';
import type { RecordStatusConfig } from './config';
import { recordSpokeStatus, type RecordOutcome } from './record-spoke-status';

/** The CloudWatch namespace and metric the RefusedStatusReports alarm watches (services/hub/serverless.yml). */
export const METRICS_NAMESPACE = 'org-budgets';
export const REFUSED_REPORTS_METRIC = 'RefusedStatusReports';

export function createRecordStatusHandler(
  config: RecordStatusConfig,
  overrides: { logger?: Logger; metrics?: Metrics } = {},
) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-hub' });
  const metrics = overrides.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'org-budgets-hub' });
  const clientConfig = awsClientConfig();
  const ddb = new DynamoDBClient(clientConfig);
  const syncStatus = createSyncStatusStore(ddb, config.TABLE_NAME);
  const history = createEditHistoryStore(ddb, config.HISTORY_TABLE_NAME);
  // Alerts are rare: SNS is loaded at the first one, not at the cold start.
  const alerts = createAlertsTopic(lazySnsClient(clientConfig), config.ALERTS_TOPIC_ARN);
  return middy<EventBridgeEvent<string, unknown>, RecordOutcome>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      try {
        return await recordSpokeStatus(event, {
          syncStatus,
          history,
          alerts,
          // One dimension set (service), the one the alarm watches; the reason is in the log line.
          countRefused: () => metrics.addMetric(REFUSED_REPORTS_METRIC, MetricUnit.Count, 1),
          logger,
        });
      } finally {
        // Embedded metric format: one log line CloudWatch turns into the metric.
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    });
}
