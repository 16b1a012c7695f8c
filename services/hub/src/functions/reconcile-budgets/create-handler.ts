import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import middy from '@middy/core';
import {
  createSpokeCredentials,
  createSpokeParameters,
  createSyncStatusStore,
  scanBudgetItems,
} from '@org-budgets/aws';
import { z } from 'zod';
import { reconcileBudgets, type ReconcileReport } from './reconcile-budgets';

const configSchema = z.object({
  TABLE_NAME: z.string().min(1),
  SPOKE_ROLE_NAME: z.string().min(1),
  SPOKE_EXTERNAL_ID: z.string().min(2),
  PARTITION: z.string().regex(/^aws(-[a-z]+)*$/),
  ALERTS_TOPIC_ARN: z.string().startsWith('arn:'),
  MAX_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(16),
  SPOKE_ACCESS_ROLE_ARN: z.string().startsWith('arn:').optional(),
});
export type ReconcileConfig = z.infer<typeof configSchema>;

export function loadReconcileConfig(env: NodeJS.ProcessEnv): ReconcileConfig {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new Error(
      `reconcile-budgets is misconfigured: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

export class ReconciliationIncompleteError extends Error {
  override readonly name = 'ReconciliationIncompleteError';
}

/** The text of the alert sent when the reconciler repaired something or could not look. */
export function summarizeReport(report: ReconcileReport): string {
  const lines = [
    `${report.items} budget items checked: ${report.inSync} in sync, ${report.repaired.length} redelivered, ` +
      `${report.invalid} invalid (REJECTED), ${report.pending} already pending, ${report.failedToApply} failed to apply in their spoke.`,
  ];
  for (const r of report.repaired) lines.push(`redelivered ${r.accountId}/${r.budgetName}: ${r.reason}`);
  for (const s of report.spokesUnreachable)
    lines.push(`no spoke reachable in ${s.accountId} (${s.items} items): ${s.reason}`);
  for (const e of report.errors) lines.push(`could not check ${e.accountId}/${e.budgetName}: ${e.error}`);
  return lines.join('\n');
}

export function createReconcileHandler(config: ReconcileConfig, overrides: { logger?: Logger; now?: () => Date } = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-hub' });
  const ddb = new DynamoDBClient({});
  const sns = new SNSClient({});
  const credentials = createSpokeCredentials(new STSClient({}), {
    partition: config.PARTITION,
    roleName: config.SPOKE_ROLE_NAME,
    externalId: config.SPOKE_EXTERNAL_ID,
    sessionPrefix: 'org-budgets-reconciler',
    ...(config.SPOKE_ACCESS_ROLE_ARN ? { accessRoleArn: config.SPOKE_ACCESS_ROLE_ARN } : {}),
  });
  const spokeParameters = createSpokeParameters(credentials);
  const syncStatus = createSyncStatusStore(ddb, config.TABLE_NAME);

  return middy<unknown, ReconcileReport>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async () => {
      const report = await reconcileBudgets({
        scanItems: () => scanBudgetItems(ddb, config.TABLE_NAME),
        spokeParameters,
        syncStatus,
        now: overrides.now ?? (() => new Date()),
        logger,
        maxConcurrency: config.MAX_CONCURRENCY,
      });
      if (report.repaired.length || report.spokesUnreachable.length || report.errors.length) {
        await sns.send(
          new PublishCommand({
            TopicArn: config.ALERTS_TOPIC_ARN,
            Subject: `org-budgets reconciliation: ${report.repaired.length} redelivered, ${report.spokesUnreachable.length} accounts without spoke`,
            Message: summarizeReport(report),
          }),
        );
      }
      if (report.errors.length) {
        throw new ReconciliationIncompleteError(
          `${report.errors.length} items could not be checked; see the alert and the logs`,
        );
      }
      return report;
    });
}
