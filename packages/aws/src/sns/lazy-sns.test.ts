import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createAlertsTopic } from './alerts-topic';
import { createGuardianNotices } from './guardian-notices';
import { lazySnsClient } from './lazy-sns';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:org-budgets-alerts';

beforeEach(() => sns.reset());

describe('lazySnsClient', () => {
  it('publishes an alert through the client imported on first use, the subject cut at 100 characters', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });

    await createAlertsTopic(lazySnsClient({ region: 'us-east-1' }), TOPIC).publish('s'.repeat(120), 'body');

    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: `${'s'.repeat(99)}…`,
      Message: 'body',
    });
  });

  it("fails the alert, the notice and the subscriptions, loudly, when SNS's module cannot be loaded", async () => {
    let isolated: {
      alerts: typeof createAlertsTopic;
      notices: typeof createGuardianNotices;
      client: typeof lazySnsClient;
    };
    jest.isolateModules(() => {
      jest.doMock('./sns-sdk', () => {
        throw new Error('Cannot find module @aws-sdk/client-sns');
      });
      /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module registry with ./sns-sdk failing */
      isolated = {
        alerts: (require('./alerts-topic') as typeof import('./alerts-topic')).createAlertsTopic,
        notices: (require('./guardian-notices') as typeof import('./guardian-notices')).createGuardianNotices,
        client: (require('./lazy-sns') as typeof import('./lazy-sns')).lazySnsClient,
      };
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const client = isolated!.client({ region: 'us-east-1' });

    await expect(isolated!.alerts(client, TOPIC).publish('subject', 'body')).rejects.toThrow(
      'Cannot find module @aws-sdk/client-sns',
    );
    const notices = isolated!.notices(client, TOPIC, logger);
    await expect(
      notices.publish(
        { kind: 'QUEUES_DISABLED', subject: 's', body: 'b' },
        { budgetName: 'b', emails: ['a@example.org'] },
      ),
    ).rejects.toThrow('Cannot find module @aws-sdk/client-sns');
    await expect(notices.subscribeEmails(['a@example.org'])).rejects.toThrow('Cannot find module @aws-sdk/client-sns');
    await expect(client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' }))).rejects.toThrow(
      'Cannot find module @aws-sdk/client-sns',
    );
    expect(sns).not.toHaveReceivedAnyCommand();
    jest.dontMock('./sns-sdk');
  });
});
