import { PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createGuardianNotices, recipientFilterPolicy } from './guardian-notices';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:org-budgets-guardian-notices';
const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const notices = () => createGuardianNotices(new SNSClient({ region: 'us-east-1' }), TOPIC, logger);

beforeEach(() => {
  sns.reset();
  logger.error.mockReset();
});

describe('createGuardianNotices', () => {
  it('publishes a notice with the attributes the subscriptions filter on, the subject cut below 100 characters', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });

    await notices().publish(
      { kind: 'QUEUES_DISABLED', subject: 'x'.repeat(120), body: 'queues disabled' },
      { budgetName: 'research', emails: ['lab@example.org'] },
    );

    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: `${'x'.repeat(98)}…`,
      Message: 'queues disabled',
      MessageAttributes: {
        recipients: { DataType: 'String.Array', StringValue: '["lab@example.org"]' },
        budgetName: { DataType: 'String', StringValue: 'research' },
        kind: { DataType: 'String', StringValue: 'QUEUES_DISABLED' },
      },
    });
  });

  it('subscribes every email with its filter policy, and fails naming each address it could not subscribe', async () => {
    sns
      .on(SubscribeCommand)
      .resolves({ SubscriptionArn: 'pending confirmation' })
      .on(SubscribeCommand, { Endpoint: 'b@example.org' })
      .rejects(Object.assign(new Error('limit reached'), { name: 'SubscriptionLimitExceededException' }));

    await expect(notices().subscribeEmails(['a@example.org', 'b@example.org', 'c@example.org'])).rejects.toThrow(
      'b@example.org: SubscriptionLimitExceededException: limit reached',
    );

    expect(sns).toHaveReceivedCommandTimes(SubscribeCommand, 3);
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      TopicArn: TOPIC,
      Protocol: 'email',
      Endpoint: 'c@example.org',
      Attributes: { FilterPolicy: recipientFilterPolicy('c@example.org'), FilterPolicyScope: 'MessageAttributes' },
    });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });
});
