import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { snsMessageAttributes, startFrontDoor, type FrontDoor, type SnsPublish } from './front-door';
import { startMotoServer, type MotoServer } from './moto-server';
import { stopAll } from './test-support';

describe('front door: SNS publishes for the outbox', () => {
  let moto: MotoServer;
  let door: FrontDoor;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
  });
  afterAll(() =>
    stopAll(
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  it('hands every accepted Publish to the listeners, after answering it', async () => {
    const sns = new SNSClient({
      endpoint: door.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    const seen: SnsPublish[] = [];
    const off = door.onSnsPublish((publish) => {
      seen.push(publish);
    });

    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn, Subject: 'Budget alert', Message: '80% of 100 USD' }),
    );
    await door.eventsSettled();
    off();
    await sns.send(new PublishCommand({ TopicArn, Message: 'not seen' }));
    await door.eventsSettled();

    expect(seen).toEqual([
      expect.objectContaining({
        topicArn: TopicArn,
        messageId: MessageId,
        subject: 'Budget alert',
        message: '80% of 100 USD',
      }),
    ]);
  });
});

describe('snsMessageAttributes', () => {
  it('reads the query protocol’s flattened entries and the JSON protocol’s map', () => {
    expect(
      snsMessageAttributes({
        TopicArn: 'arn:aws:sns:us-east-1:111111111111:t',
        'MessageAttributes.entry.1.Name': 'recipients',
        'MessageAttributes.entry.1.Value.DataType': 'String.Array',
        'MessageAttributes.entry.1.Value.StringValue': '["lab@example.org"]',
        'MessageAttributes.entry.2.Name': 'kind',
        'MessageAttributes.entry.2.Value.DataType': 'String',
        'MessageAttributes.entry.2.Value.StringValue': 'QUEUES_DISABLED',
      }),
    ).toEqual({
      recipients: { DataType: 'String.Array', StringValue: '["lab@example.org"]' },
      kind: { DataType: 'String', StringValue: 'QUEUES_DISABLED' },
    });
    expect(snsMessageAttributes({ MessageAttributes: { n: { DataType: 'Number', StringValue: '3' } } })).toEqual({
      n: { DataType: 'Number', StringValue: '3' },
    });
  });
});
