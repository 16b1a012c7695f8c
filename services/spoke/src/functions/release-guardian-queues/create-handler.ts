import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import {
  awsClientConfig,
  createBatchQueues,
  createGuardianLedger,
  createStackStatusReader,
  sendCustomResourceResponse,
  type CustomResourceResponse,
} from '@org-budgets/aws';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { ReleaseGuardianQueuesConfig } from './config';
import { RemovalTimedOutError } from './errors';
import { answerCustomResource, releaseGuardianQueues, type CustomResourceAnswer } from './release-guardian-queues';

export interface HandlerOverrides {
  logger?: Logger;
  credentials?: AwsCredentialIdentity;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Delivers the answer to CloudFormation (default: PUT to the event's ResponseURL). */
  sendResponse?: (responseUrl: string, response: CustomResourceResponse) => Promise<void>;
}

/**
 * Time kept for the answer to CloudFormation before the function's own timeout: a PUT takes at
 * most 10 s and is tried 3 times. Work still running then is abandoned and the answer is FAILED.
 */
export const ANSWER_RESERVE_MS = 45_000;
/** The released states stay leased to the removal this long: beyond any stack deletion, and then the guardian (if still there) resumes. */
export const REMOVAL_LEASE_MS = 3_600_000;
/** Wait between two looks at a budget a guardian run holds (enforce-spend's lease: 6 minutes at most). */
export const LEASE_POLL_MS = 5_000;

/**
 * Wires the custom resource's function. Whatever happens it answers CloudFormation (a custom
 * resource that never answers holds the stack for an hour): the answer is decided inside a
 * try, against a deadline before the function's timeout, and sent in the finally.
 */
export function createReleaseGuardianQueuesHandler(
  config: ReleaseGuardianQueuesConfig,
  overrides: HandlerOverrides = {},
) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-spoke' });
  const clientConfig = overrides.credentials ? { credentials: overrides.credentials } : {};
  const ledger = createGuardianLedger(
    new DynamoDBClient({ ...awsClientConfig(), ...clientConfig }),
    config.ledgerTableName,
  );
  const batch = createBatchQueues(new BatchClient({ ...awsClientConfig(), ...clientConfig }));
  const stackStatus = createStackStatusReader(new CloudFormationClient({ ...awsClientConfig(), ...clientConfig }));
  const now = overrides.now ?? (() => new Date());
  const sleep = overrides.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const sendResponse =
    overrides.sendResponse ??
    ((responseUrl: string, response: CustomResourceResponse) => sendCustomResourceResponse(responseUrl, response));

  return middy<CloudFormationCustomResourceEvent, CustomResourceAnswer>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      logger.appendKeys({
        requestType: event.RequestType,
        logicalResourceId: event.LogicalResourceId,
        stackId: event.StackId,
      });
      const logStream = context.logStreamName ? ` (log stream ${context.logStreamName})` : '';
      const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS);
      let answer: CustomResourceAnswer = {
        Status: 'FAILED',
        Reason: `the function failed before it could decide${logStream}`,
        PhysicalResourceId: physicalIdOf(event, context),
      };
      let timer: NodeJS.Timeout | undefined;
      try {
        const deadline = now().getTime() + budgetMs;
        const decided = answerCustomResource(event, {
          stackStatus,
          release: () =>
            releaseGuardianQueues({
              ledger,
              batch,
              runId: event.RequestId,
              reason: 'the spoke stack is deleted',
              now,
              sleep,
              deadline,
              leaseMs: REMOVAL_LEASE_MS,
              pollMs: LEASE_POLL_MS,
              logger,
            }),
          logger,
        });
        // A failure after the deadline has nothing left to change: the race has answered already.
        decided.catch(() => undefined);
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RemovalTimedOutError(budgetMs)), budgetMs);
        });
        answer = await Promise.race([decided, timedOut]);
      } catch (error) {
        logger.error('the custom resource request failed', { error });
        answer = {
          ...answer,
          Reason: `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${logStream}`,
        };
      } finally {
        clearTimeout(timer);
        try {
          await sendResponse(event.ResponseURL, {
            ...answer,
            StackId: event.StackId,
            RequestId: event.RequestId,
            LogicalResourceId: event.LogicalResourceId,
          });
          logger.info('answered CloudFormation', { status: answer.Status, reason: answer.Reason });
        } catch (error) {
          // Nothing more can be done from here: CloudFormation times the request out (after an hour).
          logger.error('could not answer CloudFormation', { status: answer.Status, reason: answer.Reason, error });
        }
      }
      return answer;
    });
}

/** The resource's id for an answer that could not be decided: the one CloudFormation has, or a new one on Create. */
function physicalIdOf(event: CloudFormationCustomResourceEvent, context: Context): string {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  return context.logStreamName || `${event.LogicalResourceId}-${event.RequestId}`;
}
