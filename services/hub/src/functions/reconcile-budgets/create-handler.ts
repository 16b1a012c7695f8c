import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import middy from '@middy/core';
import {
  awsClientConfig,
  createAlertsTopic,
  createSpokeCredentials,
  createSpokeParameters,
  createSyncStatusStore,
  lazySnsClient,
  listOrganizationAccounts,
  scanBudgetItems,
} from '@org-budgets/aws';
import { reconcileConfigSchema, type ReconcileConfigInput } from './config';
import { reconcileBudgets, type ReconcileReport } from './reconcile-budgets';
import { ReconciliationIncompleteError } from './errors';

/** Whether the central team must hear of this run. */
export function needsAlert(report: ReconcileReport): boolean {
  return (
    report.repaired.length +
      report.orphansDeleted.length +
      report.notBroughtBack.length +
      report.spokesUnreachable.length +
      report.outsideOrganization.length +
      report.errors.length >
    0
  );
}

/** The text of the alert sent when the reconciler repaired something or could not bring something back. */
export function summarizeReport(report: ReconcileReport): string {
  const lines = [
    `${report.items} budget items checked: ${report.inSync} in sync, ${report.repaired.length} redelivered, ` +
      `${report.orphansDeleted.length} spoke parameters without an item deleted, ${report.notBroughtBack.length} not brought back yet, ` +
      `${report.invalid} invalid (REJECTED), ${report.onTheirWay} on their way.`,
  ];
  for (const r of report.notBroughtBack) lines.push(`NOT BROUGHT BACK ${r.accountId}/${r.budgetName}: ${r.reason}`);
  for (const e of report.errors) lines.push(`COULD NOT CHECK ${e.accountId}/${e.budgetName}: ${e.error}`);
  for (const o of report.outsideOrganization)
    lines.push(`account ${o.accountId} is not active in the organization (${o.state}): ${o.items} items marked FAILED`);
  for (const s of report.spokesUnreachable)
    lines.push(`no spoke reachable in ${s.accountId} (${s.items} items): ${s.reason}`);
  for (const r of report.repaired)
    lines.push(`redelivered ${r.accountId}/${r.budgetName}: ${r.reason} (repair ${r.attempt})`);
  for (const o of report.orphansDeleted)
    lines.push(`deleted ${o.accountId}/${o.budgetName}: a spoke parameter without an item (its budget goes too)`);
  return lines.join('\n');
}

export function createReconcileHandler(
  input: ReconcileConfigInput,
  overrides: { logger?: Logger; now?: () => Date } = {},
) {
  const config = reconcileConfigSchema.parse(input);
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-hub' });
  const clientConfig = awsClientConfig();
  const ddb = new DynamoDBClient(clientConfig);
  // An alert only when the run repaired or missed something: SNS is loaded then, not at the cold start.
  const alerts = createAlertsTopic(lazySnsClient(clientConfig), config.ALERTS_TOPIC_ARN);
  const organizations = new OrganizationsClient(clientConfig);
  const credentials = createSpokeCredentials(new STSClient(clientConfig), {
    partition: config.PARTITION,
    roleName: config.SPOKE_ROLE_NAME,
    externalId: config.SPOKE_EXTERNAL_ID,
    sessionPrefix: 'org-budgets-reconciler',
    ...(config.SPOKE_ACCESS_ROLE_ARN ? { accessRoleArn: config.SPOKE_ACCESS_ROLE_ARN } : {}),
  });
  const spokeParameters = createSpokeParameters(credentials, awsClientConfig());
  const syncStatus = createSyncStatusStore(ddb, config.TABLE_NAME);

  return middy<unknown, ReconcileReport>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async () => {
      const report = await reconcileBudgets({
        scanItems: () => scanBudgetItems(ddb, config.TABLE_NAME),
        ...(config.ACCOUNTS_TO_CHECK === 'organization'
          ? { listOrganizationAccounts: () => listOrganizationAccounts(organizations) }
          : {}),
        spokeParameters,
        syncStatus,
        now: overrides.now ?? (() => new Date()),
        logger,
        maxConcurrency: config.MAX_CONCURRENCY,
        timings: { stuckAfterMs: config.STUCK_AFTER_MINUTES * 60_000 },
      });
      if (needsAlert(report)) {
        await alerts.publish(
          `org-budgets reconciliation: ${report.repaired.length} redelivered, ${report.notBroughtBack.length} not brought back, ${report.errors.length} errors`,
          summarizeReport(report),
        );
      }
      if (report.errors.length) {
        throw new ReconciliationIncompleteError(
          `${report.errors.length} items or accounts could not be checked; see the alert and the logs`,
        );
      }
      return report;
    });
}
