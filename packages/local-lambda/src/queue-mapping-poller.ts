import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { matchesEventPattern, parseEventPattern, type EventPattern } from '@org-budgets/aws-emulator';
import type { InvokeResult } from './function-container';

/** An event source mapping of an SQS queue, as ListEventSourceMappings describes it. */
export interface QueueMappingConfig {
  uuid: string;
  functionArn: string;
  queueArn: string;
  /**
   * Messages per invocation. A ReceiveMessage takes at most 10; above that (AWS needs a batching
   * window for it) the batch is topped up with receives that do not wait.
   */
  batchSize: number;
  reportBatchItemFailures: boolean;
  /** FilterCriteria.Filters[].Pattern, as JSON text; a message must match one (if any are given). */
  filterPatterns: readonly string[];
}

export interface QueueMappingDeps {
  /** ReceiveMessage: at most `maxMessages` (≤ 10), waiting up to `waitTimeSeconds` for the first. */
  receive: (maxMessages: number, waitTimeSeconds: number) => Promise<Message[]>;
  /** Invokes the function synchronously with one batch. */
  invoke: (event: SQSEvent) => Promise<InvokeResult>;
  /** DeleteMessageBatch (≤ 10 entries): the entries it did not delete, with why. */
  deleteMessages: (entries: { Id: string; ReceiptHandle: string }[]) => Promise<{ id: string; error: string }[]>;
  /** Diagnostics (messages left for redelivery, deletions that failed...). */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Where every message received went. A message delivered again is received (and counted) again:
 * `received` = filtered + processed + returned + pending.
 */
export interface QueueMappingStats {
  uuid: string;
  functionArn: string;
  queueArn: string;
  received: number;
  /** Matched none of the mapping's filter criteria: deleted unseen, as Lambda does. */
  filtered: number;
  /** Processed by the function without failure: deleted. */
  processed: number;
  /**
   * Left on the queue after a failure (a function error, a reported item failure): received again
   * after the queue's visibility timeout, or moved to its dead-letter queue by its redrive policy.
   */
  returned: number;
  /** Received but not finished yet. */
  pending: number;
  invocations: number;
  failedInvocations: number;
  partialFailures: number;
  /** Messages a DeleteMessageBatch did not delete: they are received again (a duplicate, as on AWS). */
  deleteErrors: number;
}

/** ReceiveMessage's and DeleteMessageBatch's limit. */
const SQS_BATCH_LIMIT = 10;

/**
 * Lambda's poller for one SQS event source mapping: batches of at most BatchSize messages, each
 * invocation with the SQS event (Records of messageId, receiptHandle, body, attributes,
 * messageAttributes...); FilterCriteria (messages that match no filter are deleted unseen); on
 * success the batch is deleted; with ReportBatchItemFailures all but the reported messages are;
 * on a function error (or an unusable response) none is, and the queue delivers them again
 * after its visibility timeout, its redrive policy moving them to its dead-letter queue after
 * maxReceiveCount receives. One batch at a time; where every message went is in `stats`.
 */
export class QueueMappingPoller {
  private filters: EventPattern[];
  private held = 0;
  readonly stats: QueueMappingStats;

  constructor(
    public config: QueueMappingConfig,
    private readonly deps: QueueMappingDeps,
  ) {
    this.filters = config.filterPatterns.map((pattern) => parseEventPattern(pattern));
    this.stats = {
      uuid: config.uuid,
      functionArn: config.functionArn,
      queueArn: config.queueArn,
      received: 0,
      filtered: 0,
      processed: 0,
      returned: 0,
      pending: 0,
      invocations: 0,
      failedInvocations: 0,
      partialFailures: 0,
      deleteErrors: 0,
    };
  }

  /** Takes a changed mapping (batch size, filters, response types) from the next batch on. */
  reconfigure(config: QueueMappingConfig): void {
    this.filters = config.filterPatterns.map((pattern) => parseEventPattern(pattern));
    this.config = config;
  }

  /** True while messages are received but not finished. */
  get busy(): boolean {
    return this.held > 0;
  }

  /**
   * One poll: receives a batch (waiting up to `waitTimeSeconds` for its first message), runs it
   * and deletes what is done. Resolves false when the queue had nothing.
   */
  async step(waitTimeSeconds: number): Promise<boolean> {
    try {
      const messages = await this.receiveBatch(waitTimeSeconds);
      if (messages.length === 0) return false;
      const records = messages.map((message) => this.toRecord(message));
      const matching = records.filter((record) => this.matches(record));
      const done = records.filter((record) => !matching.includes(record));
      this.stats.filtered += done.length;
      this.stats.pending -= done.length;
      if (matching.length > 0) done.push(...(await this.run(matching)));
      await this.delete(done);
      return true;
    } finally {
      // Received but not run (a receive topping the batch up failed): back on the queue after
      // their visibility timeout.
      this.stats.returned += this.stats.pending;
      this.stats.pending = 0;
      this.held = 0;
    }
  }

  /** Up to BatchSize messages: one receive that may wait, then (above 10) receives that do not. */
  private async receiveBatch(waitTimeSeconds: number): Promise<Message[]> {
    const batch: Message[] = [];
    let asked = Math.min(this.config.batchSize, SQS_BATCH_LIMIT);
    let got = await this.take(asked, waitTimeSeconds);
    batch.push(...got);
    while (got.length === asked && batch.length < this.config.batchSize) {
      asked = Math.min(this.config.batchSize - batch.length, SQS_BATCH_LIMIT);
      got = await this.take(asked, 0);
      batch.push(...got);
    }
    return batch;
  }

  private async take(maxMessages: number, waitTimeSeconds: number): Promise<Message[]> {
    const messages = await this.deps.receive(maxMessages, waitTimeSeconds);
    this.held += messages.length;
    this.stats.received += messages.length;
    this.stats.pending += messages.length;
    return messages;
  }

  /** Invokes the function with the batch; resolves with the records to delete. */
  private async run(records: SQSRecord[]): Promise<SQSRecord[]> {
    this.stats.invocations += 1;
    let result: InvokeResult;
    try {
      result = await this.deps.invoke({ Records: records });
    } catch (error) {
      // The runtime could not run the function (e.g. it was removed meanwhile): a failed invocation.
      this.deps.log?.('the queue mapping could not invoke its function', {
        mapping: this.config.uuid,
        error: error instanceof Error ? error.message : String(error),
      });
      return this.leave(records, 'notInvoked');
    }
    if (!result.ok) return this.leave(records, 'functionError', result.requestId);
    const failed = this.config.reportBatchItemFailures
      ? this.reportedFailures(records, result.payload)
      : new Set<string>();
    if (failed === undefined) return this.leave(records, 'unusableResponse', result.requestId);
    const done = records.filter((record) => !failed.has(record.messageId));
    this.stats.processed += done.length;
    this.stats.pending -= done.length;
    if (failed.size > 0) {
      this.stats.partialFailures += 1;
      this.leave(
        records.filter((record) => failed.has(record.messageId)),
        'partialFailure',
        result.requestId,
      );
    }
    return done;
  }

  /** Leaves messages on the queue for redelivery; resolves with none to delete. */
  private leave(
    records: SQSRecord[],
    why: 'functionError' | 'unusableResponse' | 'partialFailure' | 'notInvoked',
    requestId?: string,
  ): SQSRecord[] {
    if (why !== 'partialFailure') this.stats.failedInvocations += 1;
    this.stats.returned += records.length;
    this.stats.pending -= records.length;
    this.deps.log?.('queue messages left for redelivery', {
      mapping: this.config.uuid,
      why,
      requestId,
      messages: records.length,
      messageIds: records.map((record) => record.messageId),
    });
    return [];
  }

  /**
   * The reported failures: empty when the response reports none (no batchItemFailures, or an
   * empty one); undefined when it cannot be used (an identifier that is empty or not a message
   * of the batch), which Lambda treats as a failure of the whole batch.
   */
  private reportedFailures(records: SQSRecord[], payload: unknown): Set<string> | undefined {
    const failures = (payload as Partial<SQSBatchResponse> | null)?.batchItemFailures;
    const failed = new Set<string>();
    if (!Array.isArray(failures)) return failed;
    for (const failure of failures as unknown[]) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || !records.some((record) => record.messageId === id)) return undefined;
      failed.add(id);
    }
    return failed;
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += SQS_BATCH_LIMIT) {
      const entries = records
        .slice(start, start + SQS_BATCH_LIMIT)
        .map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle }));
      let failed: { id: string; error: string }[];
      try {
        failed = await this.deps.deleteMessages(entries);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failed = entries.map((entry) => ({ id: entry.Id, error: message }));
      }
      if (failed.length === 0) continue;
      this.stats.deleteErrors += failed.length;
      this.deps.log?.('queue messages not deleted: they will be received again', {
        mapping: this.config.uuid,
        messageIds: failed.map((entry) => records[start + Number(entry.id)]?.messageId),
        error: failed[0]?.error,
      });
    }
  }

  /** A message matches when no filter is given or one of them matches (the body parsed as JSON if it is). */
  private matches(record: SQSRecord): boolean {
    if (this.filters.length === 0) return true;
    let body: unknown = record.body;
    try {
      body = JSON.parse(record.body);
    } catch {
      // Not JSON: filtered as the plain string it is.
    }
    return this.filters.some((filter) => matchesEventPattern(filter, { ...record, body }));
  }

  private toRecord(message: Message): SQSRecord {
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: { ...message.Attributes } as SQSRecordAttributes,
      messageAttributes: eventMessageAttributes(message.MessageAttributes),
      md5OfBody: message.MD5OfBody ?? '',
      ...(message.MD5OfMessageAttributes === undefined
        ? {}
        : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: this.config.queueArn,
      awsRegion: this.config.queueArn.split(':')[3] ?? '',
    };
  }
}

/** ReceiveMessage's message attributes as the Lambda event has them (camel case, binary in base64). */
export function eventMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );
}
