import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** The hub's alerts topic: what the central team hears (email subscription, or any SNS consumer). */
export interface AlertsTopic {
  publish(subject: string, message: string): Promise<void>;
}

/** SNS subjects stop at 100 characters. */
const MAX_SUBJECT = 100;

export function createAlertsTopic(sns: SNSClient, topicArn: string): AlertsTopic {
  return {
    async publish(subject, message) {
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
