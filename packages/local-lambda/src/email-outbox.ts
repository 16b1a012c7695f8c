import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { matchesEventPattern, parseEventPattern, type SnsPublish } from '@org-budgets/aws-emulator';
import { parseArn, type AccountCredentials } from './account-credentials';

/** One email, as the outbox writes it. */
export interface OutboxEmail {
  to: string;
  from: string;
  subject: string;
  body: string;
  date: Date;
  /** Extra headers (X-…), e.g. the topic and message ids. */
  headers?: Record<string, string>;
}

export interface StoredEmail extends OutboxEmail {
  file: string;
}

export interface EmailOutboxOptions {
  /** Folder of the outbox: one folder per address inside, one file per email. */
  dir: string;
  /** For looking up topics' subscriptions (with the topic owner's credentials). */
  endpoint?: string;
  region?: string;
  credentials?: AccountCredentials;
}

const DEFAULT_SUBJECT = 'AWS Notification Message';

/**
 * Email, delivered as files a person can read: `<dir>/<address>/<time>-<id>.txt`, headers
 * (From, To, Subject, Date, X-…) and a blank line, then the body. SNS publishes are delivered to
 * the topic's `email` and `email-json` subscriptions as AWS formats them; anything else that
 * sends email (Budgets notifications...) calls `writeEmail`.
 */
export class EmailOutbox {
  private sequence = 0;
  private readonly clients = new Map<string, SNSClient>();

  constructor(private readonly options: EmailOutboxOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /** Writes one email; resolves with its file. */
  async writeEmail(email: OutboxEmail): Promise<string> {
    const folder = join(this.options.dir, addressFolder(email.to));
    await mkdir(folder, { recursive: true });
    this.sequence += 1;
    const stamp = email.date.toISOString().replace(/[:.]/g, '-');
    const id = (email.headers?.['X-SNS-Message-Id'] ?? String(this.sequence)).replace(/[^\w-]/g, '');
    const file = join(folder, `${stamp}-${String(this.sequence).padStart(4, '0')}-${id}.txt`);
    const headers: Record<string, string> = {
      From: email.from,
      To: email.to,
      Subject: email.subject,
      Date: email.date.toUTCString(),
      ...email.headers,
    };
    const text = `${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value.replace(/[\r\n]+/g, ' ')}`)
      .join('\n')}\n\n${email.body}\n`;
    await writeFile(file, text, 'utf8');
    return file;
  }

  /**
   * Delivers a publish to the topic's email and email-json subscriptions (confirmed or not: no
   * one can click a confirmation link here). Resolves with the files written.
   */
  async deliverSnsPublish(publish: SnsPublish): Promise<string[]> {
    const { account, region } = parseArn(publish.topicArn);
    const sns = await this.client(account, region);
    const subscriptions: Subscription[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: publish.topicArn, NextToken: nextToken }),
      );
      subscriptions.push(...(page.Subscriptions ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    const emails: Subscription[] = [];
    for (const subscription of subscriptions) {
      if (subscription.Protocol !== 'email' && subscription.Protocol !== 'email-json') continue;
      if (await this.passesFilterPolicy(sns, subscription, publish)) emails.push(subscription);
    }
    if (emails.length === 0) return [];
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: publish.topicArn }));
    const displayName = Attributes?.['DisplayName'] || 'AWS Notifications';
    const date = publish.timestamp ?? new Date();
    const files: string[] = [];
    for (const subscription of emails) {
      const to = subscription.Endpoint ?? '';
      const subscriptionArn = subscription.SubscriptionArn ?? '';
      const message = messageFor(publish, subscription.Protocol === 'email-json' ? 'email-json' : 'email');
      const body =
        subscription.Protocol === 'email-json'
          ? JSON.stringify(
              {
                Type: 'Notification',
                MessageId: publish.messageId,
                TopicArn: publish.topicArn,
                ...(publish.subject === undefined ? {} : { Subject: publish.subject }),
                Message: message,
                Timestamp: date.toISOString(),
                SignatureVersion: '1',
                UnsubscribeURL: unsubscribeUrl(region, subscriptionArn),
              },
              null,
              2,
            )
          : `${message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${unsubscribeUrl(region, subscriptionArn)}\n\nPlease do not reply directly to this email. (Delivered by the local cloud's outbox.)`;
      files.push(
        await this.writeEmail({
          to,
          from: `${displayName} <no-reply@sns.amazonaws.com>`,
          subject: publish.subject ?? DEFAULT_SUBJECT,
          body,
          date,
          headers: {
            'X-SNS-Topic-Arn': publish.topicArn,
            'X-SNS-Message-Id': publish.messageId,
            'X-SNS-Subscription-Arn': subscriptionArn,
          },
        }),
      );
    }
    return files;
  }

  /**
   * Whether a subscription's filter policy (scope MessageAttributes, the default) lets the publish
   * through, as SNS decides it: the policy's syntax is EventBridge's pattern syntax, over the
   * message attributes (a String.Array attribute matches when any of its values does).
   */
  private async passesFilterPolicy(sns: SNSClient, subscription: Subscription, publish: SnsPublish): Promise<boolean> {
    const arn = subscription.SubscriptionArn;
    if (!arn || !arn.startsWith('arn:')) return true; // pending confirmation: moto gives no attributes
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
    const policy = Attributes?.['FilterPolicy'];
    if (!policy) return true;
    if ((Attributes?.['FilterPolicyScope'] ?? 'MessageAttributes') !== 'MessageAttributes') {
      return matchesEventPattern(parseEventPattern(policy), safeJson(publish.message));
    }
    const attributes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(publish.messageAttributes ?? {})) {
      if (value.StringValue === undefined) continue;
      attributes[name] =
        value.DataType === 'String.Array'
          ? safeJson(value.StringValue)
          : value.DataType === 'Number'
            ? Number(value.StringValue)
            : value.StringValue;
    }
    return matchesEventPattern(parseEventPattern(policy), attributes);
  }

  /** The emails delivered to `address`, oldest first. */
  async read(address: string): Promise<StoredEmail[]> {
    return readOutbox(this.options.dir, address);
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private async client(account: string, region: string): Promise<SNSClient> {
    const key = `${account}/${region}`;
    let client = this.clients.get(key);
    if (!client) {
      const { credentials, endpoint } = this.options;
      if (!credentials || !endpoint)
        throw new Error('EmailOutbox: give endpoint and credentials to deliver SNS publishes');
      client = new SNSClient({ region, endpoint, credentials: () => credentials.forAccount(account) });
      this.clients.set(key, client);
    }
    return client;
  }
}

/** Reads the emails delivered to `address` in an outbox folder, oldest first. */
export async function readOutbox(dir: string, address: string): Promise<StoredEmail[]> {
  const folder = join(dir, addressFolder(address));
  let names: string[];
  try {
    names = (await readdir(folder)).filter((name) => name.endsWith('.txt')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const emails: StoredEmail[] = [];
  for (const name of names) {
    const file = join(folder, name);
    const text = await readFile(file, 'utf8');
    const split = text.indexOf('\n\n');
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, split).split('\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
    }
    const { From = '', To = '', Subject = '', Date: date = '', ...rest } = headers;
    emails.push({
      file,
      from: From,
      to: To,
      subject: Subject,
      date: new Date(date),
      headers: rest,
      body: text.slice(split + 2, -1),
    });
  }
  return emails;
}

function addressFolder(address: string): string {
  const folder = address
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9@._+-]/g, '_');
  if (folder === '' || folder === '.' || folder === '..')
    throw new Error(`not an email address: ${JSON.stringify(address)}`);
  return folder;
}

function messageFor(publish: SnsPublish, protocol: string): string {
  if (publish.messageStructure !== 'json') return publish.message;
  const messages = JSON.parse(publish.message) as Record<string, unknown>;
  const chosen = messages[protocol] ?? messages['email'] ?? messages['default'];
  return typeof chosen === 'string' ? chosen : JSON.stringify(chosen);
}

function unsubscribeUrl(region: string, subscriptionArn: string): string {
  return `https://sns.${region}.amazonaws.com/unsubscribe.html?SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
