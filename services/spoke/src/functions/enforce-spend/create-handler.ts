import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BatchClient } from '@aws-sdk/client-batch';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import {
  awsClientConfig,
  createBatchQueues,
  createGuardianChecks,
  createGuardianLedger,
  createGuardianWatches,
  createGuardianNotices,
  createSpokeBudgets,
  getBudgetParameter,
  checkWaitMs as waitMsForCheck,
  isGuardianCheck,
  lazyLambdaClient,
  lazySchedulerClient,
  lazySnsClient,
  readGuardianCheck,
  readBudgetParameters,
} from '@org-budgets/aws';
import { SPOKE_STATUS_DETAIL_TYPE, SPOKE_STATUS_SOURCE } from '@org-budgets/contracts';
import { resolvePriceBook } from '@org-budgets/guardian';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type { EnforceSpendConfig } from './config';
import { enforceSpend, type BudgetRunSummary, type EnforceTrigger } from './enforce-spend';

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
  // Notices and follow-up checks are rare: SNS, Lambda and Scheduler are loaded at the first
  // notice or check, not at the cold start.
  const notices = createGuardianNotices(
    lazySnsClient({ ...awsClientConfig(), ...clientConfig }),
    config.noticesTopicArn,
    logger,
  );
  const dynamodb = new DynamoDBClient({ ...awsClientConfig(), ...clientConfig });
  const ledger = createGuardianLedger(dynamodb, config.ledgerTableName);
  const watches = createGuardianWatches(dynamodb, config.ledgerTableName);
  const checks = createGuardianChecks(lazyLambdaClient({ ...awsClientConfig(), ...clientConfig }), {
    functionArn: config.checks.functionArn,
    delayFunctionArn: config.checks.delayFunctionArn,
    schedules: {
      client: lazySchedulerClient({ ...awsClientConfig(), ...clientConfig }),
      roleArn: config.checks.schedulerRoleArn,
      deadLetterQueueArn: config.checks.deadLetterQueueArn,
      namePrefix: config.checks.scheduleNamePrefix,
    },
  });
  const batch = createBatchQueues(new BatchClient({ ...awsClientConfig(), ...clientConfig }), {
    listJobsPageSize: config.listJobsPageSize,
  });
  const prices = resolvePriceBook(config.region, config.prices);
  if (!prices.regionKnown) {
    logger.warn('no Fargate prices known for this region; the dearest listed prices apply (set GUARDIAN_PRICES)', {
      region: config.region,
    });
  }

  const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

  return middy<EnforceSpendEvent, BudgetRunSummary[] | { result: 'ignored'; reason: string }>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
      const trigger = triggerOf(event, accountId);
      if ('ignored' in trigger) {
        logger.warn('event ignored', {
          reason: trigger.ignored,
          source: event['source'],
          detailType: event['detail-type'],
        });
        return { result: 'ignored', reason: trigger.ignored };
      }
      logger.appendKeys({ trigger: trigger.kind });
      if (trigger.kind === 'check' && trigger.notBefore !== undefined) {
        const waitMs = checkWaitMs(trigger.notBefore, (overrides.now ?? (() => new Date()))(), context);
        if (waitMs > 0) {
          logger.info('waiting for the time the check was asked for', { waitMs, notBefore: trigger.notBefore });
          await sleep(waitMs);
        }
      }
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
        sleep,
        logger,
      });
    });
}

/** What invokes enforce-spend: the schedule, apply-budget's status event, or a check (see guardian-checks.ts in @org-budgets/aws). */
export type EnforceSpendEvent = EventBridgeEvent<string, Record<string, unknown>> | Record<string, unknown>;

/** The time a run keeps for its work after waiting for a check's time (the function's timeout is 300 s). */
export const CHECK_RUN_RESERVE_MS = 90_000;

/**
 * How long to wait before a check asked for `notBefore`: until then, but never so long that less
 * than CHECK_RUN_RESERVE_MS of the invocation is left (an early check is safe: it only looks).
 */
export function checkWaitMs(notBefore: Date, now: Date, context: Pick<Context, 'getRemainingTimeInMillis'>): number {
  return waitMsForCheck(notBefore, now, context.getRemainingTimeInMillis(), CHECK_RUN_RESERVE_MS);
}

export function triggerOf(
  event: EnforceSpendEvent,
  accountId: string,
): (EnforceTrigger & { notBefore?: Date }) | { ignored: string } {
  if (isGuardianCheck(event)) {
    // A check. One that names no budget or no time is a mistake someone made: it throws, so that
    // it ends in the dead-letter queue and alarms.
    const check = readGuardianCheck(event);
    return { kind: 'check', budgetNames: [check.budgetName], notBefore: new Date(check.notBefore) };
  }
  if (event['source'] === 'aws.events' && event['detail-type'] === 'Scheduled Event') return { kind: 'schedule' };
  if (event['source'] === SPOKE_STATUS_SOURCE && event['detail-type'] === SPOKE_STATUS_DETAIL_TYPE) {
    const detail = event['detail'] as Record<string, unknown> | undefined;
    if (event['account'] !== accountId) return { ignored: 'status event from another account' };
    const budgetName = detail?.['budgetName'];
    if (detail?.['status'] !== 'APPLIED') return { ignored: 'budget not applied' };
    if (typeof budgetName !== 'string' || budgetName === '') return { ignored: 'status event without budgetName' };
    return { kind: 'applied', budgetName };
  }
  return { ignored: 'neither the schedule, a budget applied nor a check' };
}
