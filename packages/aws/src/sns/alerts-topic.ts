import type { SNSClient } from '@aws-sdk/client-sns';
import { loadSnsSdk } from './lazy-sns';

/** The hub's alerts topic: what the central team hears (email subscription, or any SNS consumer). */
export interface AlertsTopic {
  publish(subject: string, message: string): Promise<void>;
}

/** SNS subjects stop at 100 characters. */
const MAX_SUBJECT = 100;

/**
 * The alerts topic. Its PublishCommand (and SNS's schemas) is imported at the first alert, not at
 * load; give it `lazySnsClient(...)` so that the client's module waits as well.
 */
export function createAlertsTopic(sns: Pick<SNSClient, 'send'>, topicArn: string): AlertsTopic {
  return {
    async publish(subject, message) {
      const { PublishCommand } = await loadSnsSdk();
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 1)}…` : subject,
          Message: message,
        }),
      );
    },
  };
}
