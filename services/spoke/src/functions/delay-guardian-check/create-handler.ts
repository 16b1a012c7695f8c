import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { awsClientConfig, invokeWithCheck, lazyLambdaClient, readGuardianCheck } from '@org-budgets/aws';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Context } from 'aws-lambda';
import type { DelayGuardianCheckConfig } from './config';
import { delayGuardianCheck } from './delay-guardian-check';

export interface HandlerOverrides {
  logger?: Logger;
  credentials?: AwsCredentialIdentity;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Wires delay-guardian-check: invoked asynchronously (by track-batch-jobs, enforce-spend or a
 * one-time schedule) with a check. An event that is no readable check fails the invocation:
 * Lambda's retries, then the spoke's dead-letter queue and its alarm.
 */
export function createDelayGuardianCheckHandler(config: DelayGuardianCheckConfig, overrides: HandlerOverrides = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-spoke' });
  const clientConfig = overrides.credentials ? { credentials: overrides.credentials } : {};
  // packages/aws imports Lambda's client and InvokeCommand on first use (the guardian's other
  // functions need them rarely): here at the first invocation, which always forwards its check.
  const lambda = lazyLambdaClient({ ...awsClientConfig(), ...clientConfig });
  const sleep = overrides.sleep ?? ((ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms)));

  return middy<unknown, { waitedMs: number }>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      const check = readGuardianCheck(event);
      return delayGuardianCheck(check, {
        forward: (c) => invokeWithCheck(lambda, config.checkFunctionArn, c),
        now: overrides.now ?? (() => new Date()),
        sleep,
        remainingMs: () => context.getRemainingTimeInMillis(),
        logger,
      });
    });
}
