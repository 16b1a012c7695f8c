import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BatchClient } from '@aws-sdk/client-batch';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import {
  awsClientConfig,
  budgetNameOfCheck,
  createBatchQueues,
  createGuardianChecks,
  createGuardianLedger,
  createGuardianWatches,
  createGuardianNotices,
  createSpokeBudgets,
  getBudgetParameter,
  readBudgetParameters,
} from '@org-budgets/aws';
import { SPOKE_STATUS_DETAIL_TYPE, SPOKE_STATUS_SOURCE } from '@org-budgets/contracts';
import { resolvePriceBook } from '@org-budgets/guardian';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Context, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import type { EnforceSpendConfig } from './config';
import { enforceSpend, type BudgetRunSummary, type EnforceTrigger } from './enforce-spend';
import { GuardianCheckUnreadableError } from './errors';

export interface HandlerOverrides {
  logger?: Logger;
  now?: () => Date;
  credentials?: AwsCredentialIdentity;
}

/** A run holds a budget while it acts for at most this long: more than the function's timeout (300 s). */
const LEASE_MS = 360_000;
/** How long a run waits for another run's lease before it fails (and Lambda retries it). */
const LEASE_WAIT_MS = 60_000;

/**
 * Wires enforce-spend: the schedule (every budget of the account) and the "Budget Apply Status"
 * APPLIED event of apply-budget (that budget, right after it changed).
 */
export function createEnforceSpendHandler(config: EnforceSpendConfig, overrides: HandlerOverrides = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-spoke' });
  const clientConfig = overrides.credentials ? { credentials: overrides.credentials } : {};
  const ssm = new SSMClient({ ...awsClientConfig(), ...clientConfig });
  const budgetsClient = new BudgetsClient({ ...awsClientConfig({ retryMode: 'adaptive' }), ...clientConfig });
  const notices = createGuardianNotices(
    new SNSClient({ ...awsClientConfig(), ...clientConfig }),
    config.noticesTopicArn,
    logger,
  );
  const dynamodb = new DynamoDBClient({ ...awsClientConfig(), ...clientConfig });
  const ledger = createGuardianLedger(dynamodb, config.ledgerTableName);
  const watches = createGuardianWatches(dynamodb, config.ledgerTableName);
  const checks = createGuardianChecks(
    // The regional endpoint (or AWS_ENDPOINT_URL), not the queue URL's host: the same queue either way.
    new SQSClient({ ...awsClientConfig(), useQueueUrlAsEndpoint: false, ...clientConfig }),
    config.checksQueueUrl,
  );
  const batch = createBatchQueues(new BatchClient({ ...awsClientConfig(), ...clientConfig }), {
    listJobsPageSize: config.listJobsPageSize,
  });
  const prices = resolvePriceBook(config.region, config.prices);
  if (!prices.regionKnown) {
    logger.warn('no Fargate prices known for this region; the dearest listed prices apply (set GUARDIAN_PRICES)', {
      region: config.region,
    });
  }

  return middy<
    EventBridgeEvent<string, Record<string, unknown>> | SQSEvent,
    BudgetRunSummary[] | { result: 'ignored'; reason: string }
  >()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
      const trigger = triggerOf(event, accountId);
      if ('ignored' in trigger) {
        logger.warn('event ignored', {
          reason: trigger.ignored,
          ...('source' in event ? { source: event.source, detailType: event['detail-type'] } : {}),
        });
        return { result: 'ignored', reason: trigger.ignored };
      }
      logger.appendKeys({ trigger: trigger.kind });
      const spokeBudgets = createSpokeBudgets(budgetsClient, accountId, config.partition);
      return enforceSpend(trigger, {
        accountId,
        region: config.region,
        readBudget: (name) => getBudgetParameter(ssm, name),
        listBudgets: () => readBudgetParameters(ssm),
        readSpend: (name) => spokeBudgets.readSpend(name),
        ledger,
        watches,
        checks,
        scheduleMs: config.scheduleMs,
        batch,
        publishNotice: (notice, to) => notices.publish(notice, to),
        subscribeEmails: (emails) => notices.subscribeEmails(emails),
        prices,
        now: overrides.now ?? (() => new Date()),
        runId: context.awsRequestId || randomUUID(),
        terminateConcurrency: config.terminateConcurrency,
        billingDataLagMs: config.billingDataLagHours * 3_600_000,
        leaseMs: LEASE_MS,
        leaseWaitMs: LEASE_WAIT_MS,
        sleep: (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms)),
        logger,
      });
    });
}

function triggerOf(
  event: EventBridgeEvent<string, Record<string, unknown>> | SQSEvent,
  accountId: string,
): EnforceTrigger | { ignored: string } {
  if ('Records' in event) {
    // The checks queue. A message that names no budget is a mistake someone made: fail, so that
    // it ends in the dead-letter queue and alarms.
    const budgetNames = event.Records.map((record) => {
      const name = budgetNameOfCheck(record.body);
      if (name === undefined) throw new GuardianCheckUnreadableError(record.messageId, record.body);
      return name;
    });
    return { kind: 'check', budgetNames };
  }
  if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') return { kind: 'schedule' };
  if (event.source === SPOKE_STATUS_SOURCE && event['detail-type'] === SPOKE_STATUS_DETAIL_TYPE) {
    if (event.account !== accountId) return { ignored: 'status event from another account' };
    const budgetName = event.detail?.['budgetName'];
    if (event.detail?.['status'] !== 'APPLIED') return { ignored: 'budget not applied' };
    if (typeof budgetName !== 'string' || budgetName === '') return { ignored: 'status event without budgetName' };
    return { kind: 'applied', budgetName };
  }
  return { ignored: 'neither the schedule nor a budget applied' };
}
