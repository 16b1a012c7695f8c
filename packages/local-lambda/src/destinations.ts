import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { parseArn, type AccountCredentials } from './account-credentials';

export interface DestinationMessage {
  body: string;
  /** SQS message attributes (String), e.g. EventBridge's ERROR_CODE on a dead-lettered event. */
  attributes?: Record<string, string>;
  /** SNS subject. */
  subject?: string;
}

/**
 * Sends messages to SQS queues and SNS topics named by ARN, with the credentials of the account
 * that owns them (as the AWS service would, with its service principal): on-failure destinations,
 * dead-letter queues and SQS rule targets.
 */
export class DestinationSender {
  private readonly sqsClients = new Map<string, SQSClient>();
  private readonly snsClients = new Map<string, SNSClient>();
  private readonly queueUrls = new Map<string, Promise<string>>();

  constructor(
    private readonly endpoint: string,
    private readonly credentials: AccountCredentials,
  ) {}

  /** True when `send` knows how to reach `arn`. */
  static supports(arn: string): boolean {
    const service = arn.split(':')[2];
    return service === 'sqs' || service === 'sns';
  }

  async send(arn: string, message: DestinationMessage): Promise<void> {
    const { service, region, account, resource } = parseArn(arn);
    if (service === 'sqs') {
      const sqs = this.client(this.sqsClients, account, region, (config) => new SQSClient(config));
      const queueUrl = await this.queueUrl(sqs, arn, resource, account);
      const attributes: Record<string, MessageAttributeValue> = {};
      for (const [name, value] of Object.entries(message.attributes ?? {})) {
        attributes[name] = { DataType: 'String', StringValue: value };
      }
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: message.body,
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        }),
      );
      return;
    }
    if (service === 'sns') {
      const sns = this.client(this.snsClients, account, region, (config) => new SNSClient(config));
      await sns.send(
        new PublishCommand({
          TopicArn: arn,
          Message: message.body,
          ...(message.subject === undefined ? {} : { Subject: message.subject.slice(0, 100) }),
        }),
      );
      return;
    }
    throw new Error(`destination ${arn}: only SQS queues and SNS topics are supported locally`);
  }

  close(): void {
    for (const client of [...this.sqsClients.values(), ...this.snsClients.values()]) client.destroy();
  }

  private queueUrl(sqs: SQSClient, arn: string, name: string, account: string): Promise<string> {
    let url = this.queueUrls.get(arn);
    if (!url) {
      url = sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then(({ QueueUrl }) => {
          if (!QueueUrl) throw new Error(`queue ${arn} has no URL`);
          return QueueUrl;
        });
      this.queueUrls.set(arn, url);
      url.catch(() => this.queueUrls.delete(arn));
    }
    return url;
  }

  private client<T>(
    cache: Map<string, T>,
    account: string,
    region: string,
    create: (config: {
      region: string;
      endpoint: string;
      credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }>;
    }) => T,
  ): T {
    const key = `${account}/${region}`;
    let client = cache.get(key);
    if (!client) {
      client = create({ region, endpoint: this.endpoint, credentials: () => this.credentials.forAccount(account) });
      cache.set(key, client);
    }
    return client;
  }
}
