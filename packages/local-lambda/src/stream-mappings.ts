import { DescribeStreamCommand, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { createStreamReader, type StreamReader } from './dynamodb-stream-reader';
import { parseArn, type AccountCredentials } from './account-credentials';
import type { DestinationSender } from './destinations';
import { eventSourceKind, filterPatternsOf, mappedFunction } from './event-source-mappings';
import type { FunctionLoader } from './function-loader';
import type { Invoker } from './invoker';
import type { RuntimeLog } from './runtime-log';
import { StreamMappingPoller, type StreamMappingConfig, type StreamMappingStats } from './stream-mapping-poller';

export interface StreamMappingsOptions {
  /** Where the streams are read. */
  endpoint: string;
  credentials: AccountCredentials;
  loader: FunctionLoader;
  invoker: Invoker;
  /** Where a mapping's OnFailure destination records go. */
  destinations: DestinationSender;
  /** How often each mapping polls when it has caught up; 250 ms. */
  pollIntervalMs?: number | undefined;
  /** Wait between retries of a failed stream batch; 200 ms. */
  streamRetryDelayMs?: number | undefined;
  log: RuntimeLog;
}

interface MappingRun {
  poller: StreamMappingPoller;
  reader: StreamReader;
  shards: ShardMap;
  idleCycles: number;
  loop: Promise<void>;
  wake?: () => void;
}

/**
 * The DynamoDB stream event source mappings of the accounts, each polled in a loop of its own
 * with its function's role's credentials, as Lambda polls them.
 */
export class StreamMappings {
  private readonly mappings = new Map<string, MappingRun>();
  private stopped = false;

  constructor(private readonly options: StreamMappingsOptions) {}

  /**
   * Takes the accounts' event source mappings as listed again (those of DynamoDB streams; the
   * others are left to their pollers): new ones start polling, updated ones are reconfigured in
   * place, removed ones stop. What cannot run here is added to `skipped`.
   */
  async refresh(mappings: readonly EventSourceMappingConfiguration[], skipped: string[]): Promise<void> {
    const seenMappings = new Set<string>();
    for (const mapping of mappings) {
      if (eventSourceKind(mapping) !== 'dynamodb-stream') continue;
      if (mapping.UUID && (await this.startMapping(mapping, skipped))) seenMappings.add(mapping.UUID);
    }
    for (const uuid of [...this.mappings.keys()]) if (!seenMappings.has(uuid)) await this.stopMapping(uuid);
  }

  /** The mappings that run. */
  list(): { uuid: string; functionArn: string; streamArn: string }[] {
    return [...this.mappings.values()].map(({ poller }) => ({
      uuid: poller.config.uuid,
      functionArn: poller.config.functionArn,
      streamArn: poller.config.streamArn,
    }));
  }

  /** Where the records of each mapping went. */
  stats(): StreamMappingStats[] {
    return [...this.mappings.values()].map(({ poller }) => ({ ...poller.stats }));
  }

  /** Waits until every mapping has finished a poll that found nothing new, started after this call. */
  async caughtUp(deadline: number): Promise<void> {
    const runs = [...this.mappings.values()];
    const marks = runs.map((run) => run.idleCycles);
    for (const run of runs) run.wake?.();
    for (;;) {
      // Two idle cycles: the first may have started before this call.
      if (runs.every((run, i) => run.idleCycles >= (marks[i] as number) + 2 && !run.poller.busy)) return;
      if (Date.now() > deadline) throw new Error('stream mappings did not catch up in time');
      for (const run of runs) run.wake?.();
      await new Promise((resolveWait) => setTimeout(resolveWait, 10));
    }
  }

  /** Stops every mapping, after the batch it is working on. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const uuid of [...this.mappings.keys()]) await this.stopMapping(uuid);
  }

  /** Starts polling a DynamoDB stream mapping (if new); false for mappings that do not run here. */
  private async startMapping(mapping: EventSourceMappingConfiguration, skipped: string[]): Promise<boolean> {
    const { endpoint, credentials, loader, invoker, destinations } = this.options;
    const source = mapping.EventSourceArn ?? '';
    const target = mappedFunction(mapping, loader, skipped);
    if (!target) return false;
    const { uuid, functionArn, fn } = target;
    const config: StreamMappingConfig = {
      uuid,
      functionArn,
      streamArn: source,
      batchSize: mapping.BatchSize ?? 100,
      maximumRetryAttempts: mapping.MaximumRetryAttempts ?? -1,
      maximumRecordAgeInSeconds: mapping.MaximumRecordAgeInSeconds ?? -1,
      bisectBatchOnFunctionError: mapping.BisectBatchOnFunctionError ?? false,
      reportBatchItemFailures: (mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      filterPatterns: filterPatternsOf(mapping),
      ...(mapping.DestinationConfig?.OnFailure?.Destination
        ? { onFailureDestination: mapping.DestinationConfig.OnFailure.Destination }
        : {}),
    };
    const existing = this.mappings.get(uuid);
    if (existing) {
      // An updated mapping keeps its place in the stream, as Lambda keeps its checkpoint.
      existing.poller.reconfigure(config);
      return true;
    }
    const { region } = parseArn(source);
    const roleCredentials = () => credentials.forRole(fn.info.roleArn, fn.info.functionName);
    const reader = createStreamReader({
      endpoint,
      region,
      streamArn: source,
      credentials: roleCredentials,
      startingPosition: mapping.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
    });
    const shards = new ShardMap(endpoint, region, source, roleCredentials);
    await reader.open();
    await shards.refresh();
    const poller = new StreamMappingPoller(config, {
      read: async (max) => {
        const records = await reader.readAvailable(max);
        if (records.some((record) => !shards.covers(record.dynamodb?.SequenceNumber ?? ''))) await shards.refresh();
        return records;
      },
      // One batch at a time per mapping (the poll loop awaits each), as Lambda runs one per
      // shard: the stream's order holds while the function's other containers run other work.
      invoke: (event) => {
        invoker.countInvocation();
        return loader.find(functionArn).containers.invoke(event);
      },
      sendToDestination: (arn, record) => destinations.send(arn, { body: JSON.stringify(record) }),
      shardOf: (sequenceNumber) => shards.shardOf(sequenceNumber),
      retryDelayMs: this.options.streamRetryDelayMs ?? 200,
      log: (message, fields) => this.options.log(message, fields),
    });
    const run: MappingRun = { poller, reader, shards, idleCycles: 0, loop: Promise.resolve() };
    this.mappings.set(uuid, run);
    run.loop = this.pollLoop(run);
    this.options.log('stream mapping started', { uuid, functionArn, streamArn: source });
    return true;
  }

  private async pollLoop(run: MappingRun): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 250;
    while (!this.stopped && this.mappings.get(run.poller.config.uuid) !== undefined) {
      let worked = false;
      try {
        worked = await run.poller.step();
      } catch (error) {
        this.options.log('stream mapping poll failed', { uuid: run.poller.config.uuid, error: String(error) });
      }
      if (worked) continue;
      run.idleCycles += 1;
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(() => {
          run.wake = undefined;
          resolveWait();
        }, interval);
        run.wake = () => {
          clearTimeout(timer);
          run.wake = undefined;
          resolveWait();
        };
      });
    }
  }

  private async stopMapping(uuid: string): Promise<void> {
    const run = this.mappings.get(uuid);
    if (!run) return;
    this.mappings.delete(uuid);
    run.wake?.();
    await run.loop;
    run.reader.close();
    run.shards.close();
  }
}

/** Which shard each sequence number belongs to, from DescribeStream's sequence number ranges. */
class ShardMap {
  private shards: { id: string; start: bigint; end?: bigint }[] = [];
  private readonly client: DynamoDBStreamsClient;

  constructor(
    endpoint: string,
    region: string,
    private readonly streamArn: string,
    credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>,
  ) {
    this.client = new DynamoDBStreamsClient({ region, endpoint, credentials });
  }

  async refresh(): Promise<void> {
    const shards: { id: string; start: bigint; end?: bigint }[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const range = shard.SequenceNumberRange;
        if (!shard.ShardId || !range?.StartingSequenceNumber) continue;
        shards.push({
          id: shard.ShardId,
          start: BigInt(range.StartingSequenceNumber),
          ...(range.EndingSequenceNumber ? { end: BigInt(range.EndingSequenceNumber) } : {}),
        });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    this.shards = shards;
  }

  close(): void {
    this.client.destroy();
  }

  covers(sequenceNumber: string): boolean {
    return this.find(sequenceNumber) !== undefined;
  }

  shardOf(sequenceNumber: string): string {
    return this.find(sequenceNumber) ?? 'shardId-unknown';
  }

  private find(sequenceNumber: string): string | undefined {
    if (!/^\d+$/.test(sequenceNumber)) return undefined;
    const n = BigInt(sequenceNumber);
    return this.shards.find((shard) => n >= shard.start && (shard.end === undefined || n <= shard.end))?.id;
  }
}
