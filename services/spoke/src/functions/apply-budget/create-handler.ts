import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { getBudgetParameter } from '@org-budgets/aws';
import { createSpokeBudgets } from '@org-budgets/budgets';
import {
  budgetNameFromParameterName,
  SPOKE_STATUS_DETAIL_TYPE,
  SPOKE_STATUS_SOURCE,
  type SpokeStatusDetail,
} from '@org-budgets/contracts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { applyBudget, type ApplyOutcome } from './apply-budget';
import type { ApplyBudgetConfig } from './config';

export type ParameterChangeEvent = EventBridgeEvent<
  'Parameter Store Change',
  { name: string; operation: string; type?: string; description?: string }
>;

export class StatusNotSentError extends Error {
  override readonly name = 'StatusNotSentError';
}

export interface HandlerOverrides {
  logger?: Logger;
  now?: () => Date;
  /** Credentials for the clients; Lambda's (from the environment) when left out. */
  credentials?: AwsCredentialIdentity;
}

/** Wires apply-budget: one Budgets, SSM and EventBridge client for the function's own account. */
export function createApplyBudgetHandler(config: ApplyBudgetConfig, overrides: HandlerOverrides = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-spoke' });
  const clientConfig = overrides.credentials ? { credentials: overrides.credentials } : {};
  const ssm = new SSMClient(clientConfig);
  const budgetsClient = new BudgetsClient(clientConfig);
  const events = new EventBridgeClient(clientConfig);

  async function sendStatus(detail: SpokeStatusDetail): Promise<void> {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: config.statusEventBus,
            Source: SPOKE_STATUS_SOURCE,
            DetailType: SPOKE_STATUS_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) {
      const entry = result.Entries?.[0];
      throw new StatusNotSentError(
        `status event not accepted: ${entry?.ErrorCode ?? '?'} ${entry?.ErrorMessage ?? ''}`,
      );
    }
  }

  return middy<ParameterChangeEvent, ApplyOutcome | { result: 'ignored'; reason: string }>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
      const budgetName = budgetNameFromParameterName(event.detail?.name ?? '');
      logger.appendKeys({ budgetName, operation: event.detail?.operation });
      if (!budgetName) {
        logger.warn('event is not about a budget parameter; ignored', { parameter: event.detail?.name });
        return { result: 'ignored', reason: 'not a budget parameter' };
      }
      if (event.account !== accountId) {
        logger.error('event from another account; ignored', { eventAccount: event.account, accountId });
        return { result: 'ignored', reason: 'event from another account' };
      }
      return applyBudget(budgetName, {
        accountId,
        alertTopicArn: config.alertTopicArn,
        readParameter: (name) => getBudgetParameter(ssm, name),
        budgets: createSpokeBudgets(budgetsClient, accountId, config.partition),
        sendStatus,
        now: overrides.now ?? (() => new Date()),
        logger,
      });
    });
}
