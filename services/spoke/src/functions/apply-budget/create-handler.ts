import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import {
  awsClientConfig,
  createSpokeBudgets,
  createSpendSender,
  createStatusSender,
  getBudgetParameter,
  guardianHoldsState,
  listBudgetParameterNames,
  readLatestGuardianEstimate,
} from '@org-budgets/aws';
import { budgetNameFromParameterName } from '@org-budgets/contracts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { applyBudget, NotificationHints, type ApplyBudgetDeps, type ApplyOutcome } from './apply-budget';
import type { ApplyBudgetConfig } from './config';
import { reportSpend } from './report-spend';
import { verifyBudgets, type VerifySummary } from './verify-budgets';

export type ParameterChangeEvent = EventBridgeEvent<
  'Parameter Store Change',
  { name: string; operation: string; type?: string; description?: string }
>;

/** The hourly VerifyBudgetsSchedule rule's event (or any EventBridge schedule's). */
export type ScheduledEvent = EventBridgeEvent<'Scheduled Event', Record<string, never>>;

export type ApplyBudgetResult = ApplyOutcome | VerifySummary | { result: 'ignored'; reason: string };

export interface HandlerOverrides {
  logger?: Logger;
  now?: () => Date;
  /** Credentials for the clients; Lambda's (from the environment) when left out. */
  credentials?: AwsCredentialIdentity;
}

/**
 * Wires apply-budget: one Budgets, SSM and EventBridge client for the function's own account,
 * each with timeouts and retries (Budgets with adaptive retries: it allows few calls per second).
 * A Parameter Store Change applies that budget; the schedule verifies every managed budget.
 */
export function createApplyBudgetHandler(config: ApplyBudgetConfig, overrides: HandlerOverrides = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-spoke' });
  const clientConfig = overrides.credentials ? { credentials: overrides.credentials } : {};
  const ssm = new SSMClient({ ...awsClientConfig(), ...clientConfig });
  const budgetsClient = new BudgetsClient({ ...awsClientConfig({ retryMode: 'adaptive' }), ...clientConfig });
  const events = new EventBridgeClient({ ...awsClientConfig(), ...clientConfig });
  const sendStatus = createStatusSender(events, config.statusEventBus);
  const sendSpend = createSpendSender(events, config.statusEventBus);
  const ledger = config.ledgerTableName;
  const ddb = ledger ? new DynamoDBClient({ ...awsClientConfig(), ...clientConfig }) : undefined;
  // Kept by the container: a warm edit reads its budget while it reads the parameter.
  const notificationHints = new NotificationHints();

  return middy<ParameterChangeEvent | ScheduledEvent, ApplyBudgetResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
      const budgets = createSpokeBudgets(budgetsClient, accountId, config.partition);
      const now = overrides.now ?? (() => new Date());
      const deps: ApplyBudgetDeps = {
        accountId,
        alertTopicArn: config.alertTopicArn,
        readParameter: (name) => getBudgetParameter(ssm, name),
        budgets,
        notificationHints,
        ...(ddb && ledger ? { guardianHoldsState: (name: string) => guardianHoldsState(ddb, ledger, name) } : {}),
        sendStatus,
        reportSpend: (budgetName, revision, { guardianOn }) =>
          reportSpend(budgetName, revision, {
            accountId,
            budgets,
            sendSpend,
            ...(guardianOn && ddb && ledger
              ? { readGuardianEstimate: (name: string) => readLatestGuardianEstimate(ddb, ledger, name) }
              : {}),
            now,
            logger,
          }),
        now,
        logger,
      };
      if (isScheduledEvent(event)) {
        logger.appendKeys({ trigger: 'schedule' });
        if (event.account !== accountId) {
          logger.error('schedule from another account; ignored', { eventAccount: event.account, accountId });
          return { result: 'ignored', reason: 'event from another account' };
        }
        return verifyBudgets({
          ...deps,
          listParameterNames: () => listBudgetParameterNames(ssm),
          remainingMs: () => (context.getRemainingTimeInMillis ? context.getRemainingTimeInMillis() : Infinity),
        });
      }
      const detail = event.detail;
      const budgetName = budgetNameFromParameterName(detail?.name ?? '');
      logger.appendKeys({ budgetName, operation: detail?.operation });
      if (!budgetName) {
        logger.warn('event is not about a budget parameter; ignored', { parameter: detail?.name });
        return { result: 'ignored', reason: 'not a budget parameter' };
      }
      if (event.account !== accountId) {
        logger.error('event from another account; ignored', { eventAccount: event.account, accountId });
        return { result: 'ignored', reason: 'event from another account' };
      }
      return applyBudget(budgetName, deps);
    });
}

function isScheduledEvent(event: ParameterChangeEvent | ScheduledEvent): event is ScheduledEvent {
  return event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event';
}
