import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * The guardian checks queue of a spoke (GuardianChecksQueue): a message `{"budgetName": …}` asks
 * enforce-spend to check that budget, after `DelaySeconds` (0–900) — at once when a job starts
 * near a threshold, or at the moment the running jobs are expected to cross it.
 */
export interface GuardianChecks {
  request(budgetName: string, delaySeconds: number, reason: string): Promise<void>;
}

/** SQS's longest delay. */
export const MAX_CHECK_DELAY_SECONDS = 900;

export interface GuardianCheckMessage {
  budgetName: string;
  reason: string;
  requestedAt: string;
}

export function createGuardianChecks(
  sqs: SQSClient,
  queueUrl: string,
  now: () => Date = () => new Date(),
): GuardianChecks {
  return {
    async request(budgetName, delaySeconds, reason) {
      const message: GuardianCheckMessage = { budgetName, reason, requestedAt: now().toISOString() };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(message),
          DelaySeconds: Math.max(0, Math.min(MAX_CHECK_DELAY_SECONDS, Math.ceil(delaySeconds))),
        }),
      );
    },
  };
}

/** The budget name of a check message, or undefined when the body is not one. */
export function budgetNameOfCheck(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<GuardianCheckMessage> | null;
    return typeof parsed?.budgetName === 'string' && parsed.budgetName !== '' ? parsed.budgetName : undefined;
  } catch {
    return undefined;
  }
}
