import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { matchesEventPattern, parseEventPattern, type EventPattern } from '@org-budgets/aws-emulator';
import { streamFailureRecord, type StreamFailureCondition, type StreamFailureRecord } from './failure-records';
import type { InvokeResult } from './function-container';

/** An event source mapping of a DynamoDB stream, as ListEventSourceMappings describes it. */
export interface StreamMappingConfig {
  uuid: string;
  functionArn: string;
  streamArn: string;
  batchSize: number;
  /** -1: until the record expires (the default). */
  maximumRetryAttempts: number;
  /** -1: no limit (the default). */
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  /** FilterCriteria.Filters[].Pattern, as JSON text; a record must match one (if any are given). */
  filterPatterns: readonly string[];
  /** DestinationConfig.OnFailure.Destination. */
  onFailureDestination?: string;
}

export interface StreamMappingDeps {
  /** Reads what is new on the stream (createStreamReader's readAvailable). */
  read: (maxRecords: number) => Promise<DynamoDBRecord[]>;
  /** Invokes the function synchronously with one batch. */
  invoke: (event: DynamoDBStreamEvent) => Promise<InvokeResult>;
  /** Sends a failure record to the on-failure destination. */
  sendToDestination: (arn: string, record: StreamFailureRecord) => Promise<void>;
  /** The shard a record's sequence number belongs to. */
  shardOf: (sequenceNumber: string) => string;
  /** Wait between retries of a failed batch; none by default. */
  retryDelayMs?: number;
  now?: () => Date;
  /** Diagnostics (records given up on...). */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** Where every record read from the stream went. `recordsIn` = filtered + processed + deadLettered + discarded + pending. */
export interface StreamMappingStats {
  uuid: string;
  functionArn: string;
  recordsIn: number;
  /** Did not match the mapping's filter criteria: never sent to the function (as Lambda drops them). */
  filtered: number;
  /** Processed by the function without failure. */
  processed: number;
  /** Given up on and recorded in the on-failure destination. */
  deadLettered: number;
  /** Given up on with no destination (AWS drops them; kept in `discardedRecords` here). */
  discarded: number;
  /** Read but not finished yet. */
  pending: number;
  invocations: number;
  failedInvocations: number;
  partialFailures: number;
  bisections: number;
  /** Failure records that could not be sent to the destination (kept in `undeliverable`). */
  destinationErrors: number;
}

interface WorkUnit {
  records: DynamoDBRecord[];
  /** Invocations of (a batch holding) these records so far. */
  invokeCount: number;
  /** Retries spent; bisecting spends none. */
  retries: number;
  lastRequestId?: string;
  lastOutcome: 'functionError' | 'partialFailure' | 'notInvoked';
}

const READ_LIMIT = 1000;

/**
 * Lambda's poller for one DynamoDB stream event source mapping: batches of at most BatchSize
 * records of one shard, in order, one batch at a time; FilterCriteria; partial batch responses
 * (ReportBatchItemFailures: checkpoint before the lowest failed sequence number, retry from it);
 * MaximumRetryAttempts; BisectBatchOnFunctionError (split a failed batch in two, spending no
 * retry); MaximumRecordAgeInSeconds; the OnFailure destination. Records are never lost silently:
 * see `stats`.
 */
export class StreamMappingPoller {
  private buffer: DynamoDBRecord[] = [];
  private units: WorkUnit[] = [];
  private filters: EventPattern[];
  private readonly now: () => Date;
  readonly stats: StreamMappingStats;
  /** Records given up on without a destination. */
  readonly discardedRecords: DynamoDBRecord[] = [];
  /** Failure records the destination did not take, with the error. */
  readonly undeliverable: { record: StreamFailureRecord; error: string }[] = [];

  constructor(
    public config: StreamMappingConfig,
    private readonly deps: StreamMappingDeps,
  ) {
    this.filters = config.filterPatterns.map((pattern) => parseEventPattern(pattern));
    this.now = deps.now ?? (() => new Date());
    this.stats = {
      uuid: config.uuid,
      functionArn: config.functionArn,
      recordsIn: 0,
      filtered: 0,
      processed: 0,
      deadLettered: 0,
      discarded: 0,
      pending: 0,
      invocations: 0,
      failedInvocations: 0,
      partialFailures: 0,
      bisections: 0,
      destinationErrors: 0,
    };
  }

  /** Takes a changed mapping (batch size, retries, filters...) from the next batch on, keeping its place in the stream. */
  reconfigure(config: StreamMappingConfig): void {
    this.filters = config.filterPatterns.map((pattern) => parseEventPattern(pattern));
    this.config = config;
  }

  /** True while records are read but not finished. */
  get busy(): boolean {
    return this.buffer.length > 0 || this.units.length > 0;
  }

  /**
   * One step: reads what is new when needed, then runs one batch (or gives one up). Resolves
   * false when there was nothing to do.
   */
  async step(): Promise<boolean> {
    if (this.units.length === 0 && this.buffer.length < this.config.batchSize) await this.readMore();
    if (this.units.length === 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return false;
      this.units.push({ records: batch, invokeCount: 0, retries: 0, lastOutcome: 'notInvoked' });
    }
    await this.runUnit(this.units[0] as WorkUnit);
    this.updatePending();
    return true;
  }

  /** Steps until the stream has nothing new and every record read is finished. */
  async drain(): Promise<void> {
    while (await this.step()) {
      // keep going
    }
  }

  private async readMore(): Promise<void> {
    const records = await this.deps.read(READ_LIMIT);
    for (const record of records) {
      this.stats.recordsIn += 1;
      if (this.filters.length > 0 && !this.filters.some((filter) => matchesEventPattern(filter, record))) {
        this.stats.filtered += 1;
        continue;
      }
      this.buffer.push(record);
    }
    this.updatePending();
  }

  /** Up to BatchSize records from the front of the buffer, all of one shard. */
  private takeBatch(): DynamoDBRecord[] {
    const first = this.buffer[0];
    if (!first) return [];
    const shard = this.shardOfRecord(first);
    let count = 0;
    while (
      count < this.buffer.length &&
      count < this.config.batchSize &&
      this.shardOfRecord(this.buffer[count] as DynamoDBRecord) === shard
    ) {
      count += 1;
    }
    return this.buffer.splice(0, count);
  }

  private async runUnit(unit: WorkUnit): Promise<void> {
    // Records past MaximumRecordAgeInSeconds are given up on before the function sees them.
    const maxAge = this.config.maximumRecordAgeInSeconds;
    if (maxAge >= 0) {
      const oldest = this.now().getTime() / 1000 - maxAge;
      const expired = unit.records.filter((record) => (record.dynamodb?.ApproximateCreationDateTime ?? 0) < oldest);
      if (expired.length > 0) {
        unit.records = unit.records.filter((record) => !expired.includes(record));
        await this.giveUp({ ...unit, records: expired }, 'RecordAgeExceeded');
        if (unit.records.length === 0) {
          this.units.shift();
          return;
        }
      }
    }

    unit.invokeCount += 1;
    this.stats.invocations += 1;
    const result = await this.deps.invoke({ Records: unit.records });
    unit.lastRequestId = result.requestId;

    if (result.ok) {
      const failedFrom = this.config.reportBatchItemFailures ? this.firstFailedIndex(unit, result.payload) : -1;
      if (failedFrom === -1) {
        this.stats.processed += unit.records.length;
        this.units.shift();
        return;
      }
      if (failedFrom !== undefined) {
        // Checkpoint before the lowest failed record; retry from it.
        this.stats.partialFailures += 1;
        this.stats.processed += failedFrom;
        unit.records = unit.records.slice(failedFrom);
        unit.lastOutcome = 'partialFailure';
        await this.afterFailure(unit, false);
        return;
      }
      // An unusable batchItemFailures: the whole batch failed.
    }
    this.stats.failedInvocations += 1;
    unit.lastOutcome = 'functionError';
    await this.afterFailure(unit, this.config.bisectBatchOnFunctionError && unit.records.length > 1);
  }

  /**
   * -1 when the response reports no failure; the index of the lowest failed record; undefined when
   * the response cannot be used (an identifier that is empty or not in the batch), which Lambda
   * treats as a failure of the whole batch.
   */
  private firstFailedIndex(unit: WorkUnit, payload: unknown): number | undefined {
    const failures = (payload as Partial<DynamoDBBatchResponse> | null)?.batchItemFailures;
    if (!Array.isArray(failures) || failures.length === 0) return -1;
    let lowest: number | undefined;
    for (const failure of failures as unknown[]) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const index =
        typeof id === 'string' && id !== ''
          ? unit.records.findIndex((record) => record.dynamodb?.SequenceNumber === id)
          : -1;
      if (index === -1) return undefined;
      lowest = lowest === undefined ? index : Math.min(lowest, index);
    }
    return lowest;
  }

  private async afterFailure(unit: WorkUnit, bisect: boolean): Promise<void> {
    if (bisect) {
      this.stats.bisections += 1;
      const half = Math.ceil(unit.records.length / 2);
      this.units.splice(
        0,
        1,
        { ...unit, records: unit.records.slice(0, half) },
        { ...unit, records: unit.records.slice(half) },
      );
    } else {
      unit.retries += 1;
      const max = this.config.maximumRetryAttempts;
      if (max >= 0 && unit.retries > max) {
        this.units.shift();
        await this.giveUp(unit, 'RetryAttemptsExhausted');
        return;
      }
    }
    const delay = this.deps.retryDelayMs ?? 0;
    if (delay > 0) await new Promise((resolveDelay) => setTimeout(resolveDelay, delay));
  }

  private async giveUp(unit: WorkUnit, condition: StreamFailureCondition): Promise<void> {
    const shardId = this.shardOfRecord(unit.records[0] as DynamoDBRecord);
    const destination = this.config.onFailureDestination;
    const fields = {
      mapping: this.config.uuid,
      condition,
      records: unit.records.length,
      firstSequenceNumber: unit.records[0]?.dynamodb?.SequenceNumber,
      destination,
    };
    if (destination === undefined) {
      this.stats.discarded += unit.records.length;
      this.discardedRecords.push(...unit.records);
      this.deps.log?.('stream records discarded (no on-failure destination)', fields);
      return;
    }
    const record = streamFailureRecord({
      requestId: unit.lastRequestId ?? '',
      functionArn: this.config.functionArn,
      condition,
      invokeCount: unit.invokeCount,
      lastOutcome: unit.lastOutcome,
      shardId,
      streamArn: this.config.streamArn,
      records: unit.records,
      now: this.now(),
    });
    this.stats.deadLettered += unit.records.length;
    try {
      await this.deps.sendToDestination(destination, record);
      this.deps.log?.('stream records sent to the on-failure destination', fields);
    } catch (error) {
      this.stats.destinationErrors += 1;
      const message = error instanceof Error ? error.message : String(error);
      this.undeliverable.push({ record, error: message });
      this.deps.log?.('the on-failure destination refused a failure record', { ...fields, error: message });
    }
  }

  private shardOfRecord(record: DynamoDBRecord): string {
    return this.deps.shardOf(record.dynamodb?.SequenceNumber ?? '');
  }

  private updatePending(): void {
    this.stats.pending = this.buffer.length + this.units.reduce((sum, unit) => sum + unit.records.length, 0);
  }
}
