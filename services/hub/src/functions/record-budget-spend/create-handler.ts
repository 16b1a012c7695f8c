import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import middy from '@middy/core';
import {
  awsClientConfig,
  createAlertsTopic,
  createBudgetSpendStore,
  createGuardianNotices,
  createLockdownPolicies,
  lazySnsClient,
} from '@org-budgets/aws';
import type { EventBridgeEvent } from 'aws-lambda';
import type { RecordSpendConfig } from './config';
import { recordBudgetSpend, type RecordSpendOutcome } from './record-budget-spend';
import { sweepLockdowns, type SweepLockdownsReport } from './sweep-lockdowns';

/**
 * The hourly schedule's event (EventBridge's "Scheduled Event"; no member account can send one:
 * PutEvents refuses sources beginning with "aws."). Anything else is a spend report.
 */
function isScheduledSweep(event: EventBridgeEvent<string, unknown>): boolean {
  return event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event';
}

/** The metric the RefusedStatusReports alarm watches (services/hub/serverless.yml), shared with record-spoke-status. */
export const METRICS_NAMESPACE = 'org-budgets';
export const REFUSED_REPORTS_METRIC = 'RefusedStatusReports';

export function createRecordSpendHandler(
  config: RecordSpendConfig,
  overrides: { logger?: Logger; metrics?: Metrics; now?: () => Date } = {},
) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-hub' });
  const metrics = overrides.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'org-budgets-hub' });
  const clientConfig = awsClientConfig();
  // Alerts and lockdown notices are rare: SNS is loaded at the first one, not at the cold start.
  const sns = lazySnsClient(clientConfig);
  const items = createBudgetSpendStore(new DynamoDBClient(clientConfig), config.tableName);
  // Organizations' endpoint is global (us-east-1 in the commercial partition); the SDK resolves it.
  const policies = createLockdownPolicies(new OrganizationsClient(clientConfig));
  const alerts = createAlertsTopic(sns, config.alertsTopicArn);
  const notices = createGuardianNotices(sns, config.lockdownNoticesTopicArn, logger);

  const now = overrides.now ?? (() => new Date());
  return middy<EventBridgeEvent<string, unknown>, RecordSpendOutcome | SweepLockdownsReport>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      if (isScheduledSweep(event)) return sweepLockdowns({ items, policies, alerts, now, logger });
      try {
        return await recordBudgetSpend(event, {
          items,
          policies,
          notices,
          alerts,
          managementAccountId: config.managementAccountId,
          countRefused: () => metrics.addMetric(REFUSED_REPORTS_METRIC, MetricUnit.Count, 1),
          now,
          logger,
        });
      } finally {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    });
}
