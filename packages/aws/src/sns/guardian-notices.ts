import type { SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '../logger';
import { loadSnsSdk } from './lazy-sns';

/** A notice of the cost guardian: what it says (the guardian's `NoticeMessage`). */
export interface GuardianNoticeMessage {
  kind: string;
  subject: string;
  body: string;
}

/** Whom a notice is for: the budget's emails (each address's subscription filters on them). */
export interface GuardianNoticeRecipients {
  budgetName: string;
  emails: readonly string[];
}

/** The spoke's guardian notices topic: one subscription per email, each filtering on `recipients`. */
export interface GuardianNotices {
  /** Sends one notice to the budget's emails. */
  publish(notice: GuardianNoticeMessage, to: GuardianNoticeRecipients): Promise<void>;
  /** Makes sure every address has its subscription; fails, naming each address, when some could not be subscribed. */
  subscribeEmails(emails: readonly string[]): Promise<void>;
}

/** SNS takes subjects of fewer than 100 characters. */
const MAX_SUBJECT = 99;

/** A subscription's filter: notices whose `recipients` list holds this address. */
export function recipientFilterPolicy(email: string): string {
  return JSON.stringify({ recipients: [email] });
}

/**
 * The notices topic. Its commands (and SNS's schemas) are imported at the first notice, not at
 * load; give it `lazySnsClient(...)` so that the client's module waits as well.
 */
export function createGuardianNotices(sns: Pick<SNSClient, 'send'>, topicArn: string, logger: Logger): GuardianNotices {
  return {
    async publish(notice, budget) {
      const { PublishCommand } = await loadSnsSdk();
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject:
            notice.subject.length > MAX_SUBJECT ? `${notice.subject.slice(0, MAX_SUBJECT - 1)}…` : notice.subject,
          Message: notice.body,
          MessageAttributes: {
            // Each email subscription's filter policy picks the notices addressed to it.
            recipients: { DataType: 'String.Array', StringValue: JSON.stringify(budget.emails) },
            budgetName: { DataType: 'String', StringValue: budget.budgetName },
            kind: { DataType: 'String', StringValue: notice.kind },
          },
        }),
      );
    },

    async subscribeEmails(emails) {
      const { SubscribeCommand } = await loadSnsSdk();
      const failures: string[] = [];
      for (const email of emails) {
        try {
          // Same endpoint, same attributes: SNS answers with the existing subscription.
          await sns.send(
            new SubscribeCommand({
              TopicArn: topicArn,
              Protocol: 'email',
              Endpoint: email,
              Attributes: { FilterPolicy: recipientFilterPolicy(email), FilterPolicyScope: 'MessageAttributes' },
            }),
          );
        } catch (error) {
          logger.error('could not subscribe an email to the guardian notices', { email, error });
          failures.push(`${email}: ${(error as Error).name}: ${(error as Error).message}`);
        }
      }
      if (failures.length > 0) throw new Error(failures.join('; '));
    },
  };
}
