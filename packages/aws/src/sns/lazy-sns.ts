import type { SNSClient, SNSClientConfig } from '@aws-sdk/client-sns';
import { lazyClient, onFirstCall } from '../on-first-use';

/** @aws-sdk/client-sns's client and commands (./sns-sdk), imported on the first call. */
export const loadSnsSdk = /* @__PURE__ */ onFirstCall(() => import('./sns-sdk'));

/** An SNS client created, its module imported, when it first sends (alerts, notices: rare paths). */
export function lazySnsClient(config: SNSClientConfig = {}): Pick<SNSClient, 'send'> {
  return lazyClient(async () => new (await loadSnsSdk()).SNSClient(config));
}
