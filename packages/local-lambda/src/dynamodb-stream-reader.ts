import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type AttributeValue as SdkAttributeValue,
  type DynamoDBStreamsClientConfig,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent, StreamRecord } from 'aws-lambda';

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

export interface StreamReaderOptions {
  endpoint?: string;
  region: string;
  credentials?: DynamoDBStreamsClientConfig['credentials'];
  /** The table whose latest stream to read; or give `streamArn`. */
  tableName?: string;
  streamArn?: string;
  /**
   * Where to start in the shards that exist when the reader opens (like the event source
   * mapping's StartingPosition). Shards found later are read from their start.
   */
  startingPosition: StartingPosition;
  /**
   * How often to look for new shards (DescribeStream) while every known shard stays open, in
   * ms; 60 s. A shard that ends (read to its end) sends the next read to look at once: that is
   * when DynamoDB's child shards matter. Lambda's poller does not describe the stream before
   * every read either.
   */
  shardRefreshMs?: number;
  /** The clock for `shardRefreshMs` (tests). */
  now?: () => number;
  /** The Streams client (tests); by default one made from the options above. */
  streamsClient?: Pick<DynamoDBStreamsClient, 'send' | 'destroy'>;
}

export interface StreamReader {
  /**
   * Resolves the stream and fixes the starting position (for LATEST: records written after
   * this call are read). Called by the first `readAvailable` if not called before.
   */
  open(): Promise<void>;
  /**
   * What the stream holds since the last read (at most `maxRecords`): from each shard, pages
   * until one comes back short of the page size (what the shard held then), parent shards
   * before their children, in sequence order within a shard, in the shape Lambda delivers.
   * Calls are serialized: concurrent calls never return the same record twice.
   */
  readAvailable(maxRecords?: number): Promise<DynamoDBRecord[]>;
  /** Releases the SDK clients' sockets. */
  close(): void;
}

interface ShardState {
  shardId: string;
  parentShardId?: string;
  /** How to get the first iterator when nothing has been read from the shard yet. */
  initialPosition: StartingPosition;
  iterator?: string;
  lastSequenceNumber?: string;
  /** The shard is closed and every record in it has been read. */
  finished: boolean;
}

/** How often a reader lists the stream's shards while none has ended (StreamReaderOptions.shardRefreshMs). */
export const DEFAULT_SHARD_REFRESH_MS = 60_000;

/** GetRecords returns at most 1000 records per call. */
const GET_RECORDS_LIMIT = 1000;

/**
 * Reads a DynamoDB stream the way Lambda's event source mapping does, keeping its position
 * (iterator and last sequence number) per shard between calls.
 */
export function createStreamReader(options: StreamReaderOptions): StreamReader {
  if (options.tableName === undefined && options.streamArn === undefined) {
    throw new Error('createStreamReader: give tableName or streamArn');
  }
  const clientConfig = {
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
  const streams = options.streamsClient ?? new DynamoDBStreamsClient(clientConfig);
  const now = options.now ?? Date.now;
  const shardRefreshMs = options.shardRefreshMs ?? DEFAULT_SHARD_REFRESH_MS;
  let dynamodb: DynamoDBClient | undefined;
  const shards = new Map<string, ShardState>();
  /** When the shards were last listed; undefined: list them before the next read. */
  let listedAt: number | undefined;
  let streamArn: string | undefined;
  let opening: Promise<void> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const resolveStreamArn = async (): Promise<string> => {
    if (options.streamArn !== undefined) return options.streamArn;
    dynamodb = new DynamoDBClient(clientConfig);
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`Table ${options.tableName ?? ''} has no stream enabled`);
    return Table.LatestStreamArn;
  };

  const refreshShards = async (arn: string, initialPosition: StartingPosition): Promise<void> => {
    const startedAt = now();
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || shards.has(shard.ShardId)) continue;
        shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
          initialPosition,
          finished: false,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    listedAt = startedAt;
  };

  const fetchIterator = async (arn: string, shard: ShardState): Promise<string | undefined> => {
    const type: ShardIteratorType = shard.lastSequenceNumber ? 'AFTER_SEQUENCE_NUMBER' : shard.initialPosition;
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: arn,
        ShardId: shard.shardId,
        ShardIteratorType: type,
        ...(shard.lastSequenceNumber ? { SequenceNumber: shard.lastSequenceNumber } : {}),
      }),
    );
    return ShardIterator;
  };

  const open = (): Promise<void> => {
    opening ??= (async () => {
      const arn = await resolveStreamArn();
      await refreshShards(arn, options.startingPosition);
      // Fix the position now: a LATEST iterator taken later would skip what was written meanwhile.
      for (const shard of shards.values()) shard.iterator = await fetchIterator(arn, shard);
      streamArn = arn;
    })();
    // A failed open (table not there yet...) may be retried by the next call.
    opening.catch(() => {
      opening = undefined;
    });
    return opening;
  };

  /** A shard read to its end: its children (if any) are listed before the next read. */
  const finish = (shard: ShardState): void => {
    shard.finished = true;
    listedAt = undefined;
  };

  const readShard = async (arn: string, shard: ShardState, limit: number): Promise<DynamoDBRecord[]> => {
    const region = arn.split(':')[3] ?? options.region;
    const out: DynamoDBRecord[] = [];
    let refetched = false;
    while (out.length < limit) {
      shard.iterator ??= await fetchIterator(arn, shard);
      if (shard.iterator === undefined) {
        finish(shard);
        break;
      }
      const requested = Math.min(GET_RECORDS_LIMIT, limit - out.length);
      let page;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: requested }));
      } catch (error) {
        // Iterators expire after 15 minutes on AWS: take a new one from the last sequence number, once.
        if (!(error instanceof ExpiredIteratorException) || refetched) throw error;
        refetched = true;
        shard.iterator = undefined;
        continue;
      }
      const records = page.Records ?? [];
      for (const record of records) {
        out.push(toLambdaRecord(record, arn, region));
        if (record.dynamodb?.SequenceNumber) shard.lastSequenceNumber = record.dynamodb.SequenceNumber;
      }
      shard.iterator = page.NextShardIterator;
      if (shard.iterator === undefined) {
        finish(shard);
        break;
      }
      // A page short of what was asked (an empty one included) had all the shard held when it was
      // read: return now. Reading on until a page comes back empty would, while writes keep
      // coming, hold every record back until the stream falls quiet (a watcher would then see
      // them all at once, long after they were written).
      if (records.length < requested) break;
    }
    return out;
  };

  const readNow = async (maxRecords: number): Promise<DynamoDBRecord[]> => {
    await open();
    const arn = streamArn as string;
    if (listedAt === undefined || now() - listedAt >= shardRefreshMs) await refreshShards(arn, 'TRIM_HORIZON');
    const out: DynamoDBRecord[] = [];
    for (const shard of orderParentsFirst([...shards.values()])) {
      if (out.length >= maxRecords) break;
      if (shard.finished) continue;
      // Like Lambda, read a child only once its parent (if still known) has been read to its end.
      const parent = shard.parentShardId === undefined ? undefined : shards.get(shard.parentShardId);
      if (parent && !parent.finished) continue;
      out.push(...(await readShard(arn, shard, maxRecords - out.length)));
    }
    return out;
  };

  return {
    open,
    readAvailable(maxRecords = Number.POSITIVE_INFINITY) {
      if (!(maxRecords >= 1)) {
        return Promise.reject(new Error(`readAvailable: maxRecords must be at least 1, got ${maxRecords}`));
      }
      const result = queue.then(() => readNow(maxRecords));
      // Keep the queue going after a failure; the failure itself goes to this call's caller.
      queue = result.catch(() => undefined);
      return result;
    },
    close() {
      streams.destroy();
      dynamodb?.destroy();
    },
  };
}

/** Splits records into Lambda events of at most `batchSize` records each (the mapping's BatchSize). */
export function toLambdaBatches(records: readonly DynamoDBRecord[], batchSize: number): DynamoDBStreamEvent[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`toLambdaBatches: batchSize must be a positive integer, got ${batchSize}`);
  }
  const batches: DynamoDBStreamEvent[] = [];
  for (let i = 0; i < records.length; i += batchSize) batches.push({ Records: records.slice(i, i + batchSize) });
  return batches;
}

function orderParentsFirst(shards: ShardState[]): ShardState[] {
  const byId = new Map(shards.map((shard) => [shard.shardId, shard]));
  const ordered: ShardState[] = [];
  const seen = new Set<string>();
  const visit = (shard: ShardState): void => {
    if (seen.has(shard.shardId)) return;
    seen.add(shard.shardId);
    const parent = shard.parentShardId === undefined ? undefined : byId.get(shard.parentShardId);
    if (parent) visit(parent);
    ordered.push(shard);
  };
  shards.forEach(visit);
  return ordered;
}

/**
 * Turns a GetRecords record into the record Lambda delivers. What differs, and what moto
 * 5.2.1 gets wrong, normalized here:
 * - eventVersion: moto says '1.0'; Lambda delivers '1.1'.
 * - awsRegion: moto always says 'us-east-1'; taken from the stream ARN instead.
 * - eventSourceARN: not part of GetRecords; Lambda adds the stream ARN.
 * - ApproximateCreationDateTime: moto sends epoch seconds with milliseconds (the SDK makes a
 *   Date); Lambda delivers epoch seconds as a number, rounded down to the second.
 * - SizeBytes: moto sends the length of the whole `dynamodb` JSON (a large overestimate);
 *   recomputed with DynamoDB's item size rules over Keys + NewImage + OldImage, which gives
 *   the values of AWS's documented examples (26, 59, 38 bytes).
 * - Binary (B, BS): the SDK decodes to bytes; Lambda delivers base64 strings.
 * - Fields moto leaves out stay out (no userIdentity unless the record has one).
 */
export function toLambdaRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {};
  if (source.ApproximateCreationDateTime) {
    dynamodb.ApproximateCreationDateTime = Math.floor(source.ApproximateCreationDateTime.getTime() / 1000);
  }
  const keys = source.Keys && toLambdaImage(source.Keys);
  const newImage = source.NewImage && toLambdaImage(source.NewImage);
  const oldImage = source.OldImage && toLambdaImage(source.OldImage);
  if (keys) dynamodb.Keys = keys;
  if (newImage) dynamodb.NewImage = newImage;
  if (oldImage) dynamodb.OldImage = oldImage;
  if (source.SequenceNumber) dynamodb.SequenceNumber = source.SequenceNumber;
  dynamodb.SizeBytes = imageSize(keys) + imageSize(newImage) + imageSize(oldImage);
  if (source.StreamViewType) dynamodb.StreamViewType = source.StreamViewType;

  const out: DynamoDBRecord = {};
  if (record.eventID) out.eventID = record.eventID;
  if (record.eventName) out.eventName = record.eventName;
  out.eventVersion = '1.1';
  out.eventSource = 'aws:dynamodb';
  out.awsRegion = region;
  out.dynamodb = dynamodb;
  out.eventSourceARN = streamArn;
  if (record.userIdentity) {
    out.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  }
  return out;
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

function toLambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: toBase64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(toBase64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new Error(`Unknown DynamoDB attribute value type: ${JSON.stringify(value)}`);
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** DynamoDB's item size: attribute names plus values (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html). */
function imageSize(image: Record<string, AttributeValue> | undefined): number {
  if (!image) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(image)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, item) => sum + Buffer.byteLength(item), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, item) => sum + numberSize(item), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, item) => sum + Buffer.from(item, 'base64').length, 0);
  // Lists and maps: 3 bytes of overhead plus 1 byte per element.
  if (value.L !== undefined) return value.L.reduce((sum, item) => sum + valueSize(item) + 1, 3);
  if (value.M !== undefined) {
    return Object.entries(value.M).reduce(
      (sum, [name, item]) => sum + Buffer.byteLength(name) + valueSize(item) + 1,
      3,
    );
  }
  return 0;
}

/** About 1 byte per two significant digits, plus 1. */
function numberSize(number: string): number {
  const mantissa = number.replace(/^[-+]/, '').split(/e/i)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}
