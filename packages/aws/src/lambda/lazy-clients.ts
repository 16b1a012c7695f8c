import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { SchedulerClient, SchedulerClientConfig } from '@aws-sdk/client-scheduler';
import { lazyClient, onFirstCall } from '../on-first-use';

/** @aws-sdk/client-lambda's client and InvokeCommand (./lambda-sdk), imported on the first call. */
export const loadLambdaSdk = /* @__PURE__ */ onFirstCall(() => import('./lambda-sdk'));

/** @aws-sdk/client-scheduler's CreateScheduleCommand and ConflictException (./scheduler-sdk), imported on the first call. */
export const loadSchedulerSdk = /* @__PURE__ */ onFirstCall(() => import('./scheduler-sdk'));

/** @aws-sdk/client-scheduler's client (./scheduler-client-sdk), imported on the first call. */
const loadSchedulerClientSdk = /* @__PURE__ */ onFirstCall(() => import('./scheduler-client-sdk'));

/** A Lambda client created, its module imported, when it first sends (the guardian's checks: a rare path). */
export function lazyLambdaClient(config: LambdaClientConfig = {}): Pick<LambdaClient, 'send'> {
  return lazyClient(async () => new (await loadLambdaSdk()).LambdaClient(config));
}

/** A Scheduler client created, its module imported, when it first sends (a check later than two minutes). */
export function lazySchedulerClient(config: SchedulerClientConfig = {}): Pick<SchedulerClient, 'send'> {
  return lazyClient(async () => new (await loadSchedulerClientSdk()).SchedulerClient(config));
}
