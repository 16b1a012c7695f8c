import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { startMotoServer, type MotoServer } from '@org-budgets/aws-emulator';
import { stopAll } from '@org-budgets/aws-emulator/testing';
import { createStreamReader, toLambdaBatches, toLambdaRecord, type StreamReader } from './dynamodb-stream-reader';

jest.setTimeout(60_000);

const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('createStreamReader on moto', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  const readers: StreamReader[] = [];
  const openReader = (tableName: string, startingPosition: 'TRIM_HORIZON' | 'LATEST'): StreamReader => {
    const reader = createStreamReader({ endpoint: moto.endpoint, region, credentials, tableName, startingPosition });
    readers.push(reader);
    return reader;
  };

  const createTable = (tableName: string, withSortKey = false): Promise<unknown> =>
    dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'accountId', AttributeType: 'S' },
          ...(withSortKey ? [{ AttributeName: 'budgetName', AttributeType: 'S' as const }] : []),
        ],
        KeySchema: [
          { AttributeName: 'accountId', KeyType: 'HASH' },
          ...(withSortKey ? [{ AttributeName: 'budgetName', KeyType: 'RANGE' as const }] : []),
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );

  beforeAll(async () => {
    moto = await startMotoServer();
    dynamodb = new DynamoDBClient({ endpoint: moto.endpoint, region, credentials });
  });

  afterAll(() =>
    stopAll(
      ...readers.map((reader) => () => reader.close()),
      () => dynamodb?.destroy(),
      () => moto?.stop(),
    ),
  );

  it('returns INSERT, MODIFY and REMOVE in Lambda shape, then only new records', async () => {
    await createTable('budgets', true);
    const reader = openReader('budgets', 'TRIM_HORIZON');
    const key = { accountId: { S: '111111111111' }, budgetName: { S: 'monthly' } };
    await dynamodb.send(new PutItemCommand({ TableName: 'budgets', Item: { ...key, limit: { N: '100' } } }));
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: 'budgets',
        Key: key,
        UpdateExpression: 'SET #l = :l',
        ExpressionAttributeNames: { '#l': 'limit' },
        ExpressionAttributeValues: { ':l': { N: '250' } },
      }),
    );
    await dynamodb.send(new DeleteItemCommand({ TableName: 'budgets', Key: key }));

    const records = await reader.readAvailable();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expectIncreasing(records);
    const streamArn = records[0]?.eventSourceARN;
    expect(streamArn).toMatch(/^arn:aws:dynamodb:eu-west-1:123456789012:table\/budgets\/stream\//);
    for (const record of records) {
      expect(Object.keys(record)).toEqual([
        'eventID',
        'eventName',
        'eventVersion',
        'eventSource',
        'awsRegion',
        'dynamodb',
        'eventSourceARN',
      ]);
      expect(record).toMatchObject({
        eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: region,
        eventSourceARN: streamArn,
      });
      expect(record.dynamodb).toMatchObject({
        Keys: key,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        ApproximateCreationDateTime: expect.any(Number),
        SizeBytes: expect.any(Number),
      });
      const seconds = record.dynamodb?.ApproximateCreationDateTime ?? 0;
      expect(Number.isInteger(seconds)).toBe(true);
      expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(120);
    }
    const [insert, modify, remove] = records;
    expect(insert?.dynamodb?.NewImage).toEqual({ ...key, limit: { N: '100' } });
    expect(insert?.dynamodb?.OldImage).toBeUndefined();
    expect(modify?.dynamodb?.OldImage).toEqual({ ...key, limit: { N: '100' } });
    expect(modify?.dynamodb?.NewImage).toEqual({ ...key, limit: { N: '250' } });
    expect(remove?.dynamodb?.NewImage).toBeUndefined();
    expect(remove?.dynamodb?.OldImage).toEqual({ ...key, limit: { N: '250' } });

    expect(await reader.readAvailable()).toEqual([]);
    await dynamodb.send(new PutItemCommand({ TableName: 'budgets', Item: { ...key, limit: { N: '5' } } }));
    const next = await reader.readAvailable();
    expect(next.map((r) => r.eventName)).toEqual(['INSERT']);
    expectIncreasing([...records, ...next]);
  });

  it('reads at most maxRecords and continues from there', async () => {
    await createTable('paged');
    const reader = openReader('paged', 'TRIM_HORIZON');
    for (let i = 0; i < 5; i++) {
      await dynamodb.send(new PutItemCommand({ TableName: 'paged', Item: { accountId: { S: `a${i}` } } }));
    }
    const first = await reader.readAvailable(2);
    const rest = await reader.readAvailable();
    expect(first).toHaveLength(2);
    expect(rest).toHaveLength(3);
    expect([...first, ...rest].map((r) => r.dynamodb?.Keys?.accountId?.S)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expectIncreasing([...first, ...rest]);
  });

  it('serializes concurrent reads so no record is returned twice', async () => {
    await createTable('concurrent');
    const reader = openReader('concurrent', 'TRIM_HORIZON');
    for (let i = 0; i < 3; i++) {
      await dynamodb.send(new PutItemCommand({ TableName: 'concurrent', Item: { accountId: { S: `c${i}` } } }));
    }
    const [a, b] = await Promise.all([reader.readAvailable(), reader.readAvailable()]);
    expect(a).toHaveLength(3);
    expect(b).toEqual([]);
  });

  it('with LATEST, skips what was written before open()', async () => {
    await createTable('latest');
    await dynamodb.send(new PutItemCommand({ TableName: 'latest', Item: { accountId: { S: 'before' } } }));
    const reader = openReader('latest', 'LATEST');
    await reader.open();
    await dynamodb.send(new PutItemCommand({ TableName: 'latest', Item: { accountId: { S: 'after' } } }));
    const records = await reader.readAvailable();
    expect(records.map((r) => r.dynamodb?.Keys?.accountId?.S)).toEqual(['after']);
  });

  it('delivers binary attributes as base64 like Lambda', async () => {
    await createTable('binary');
    const reader = openReader('binary', 'TRIM_HORIZON');
    await dynamodb.send(
      new PutItemCommand({
        TableName: 'binary',
        Item: {
          accountId: { S: 'b' },
          blob: { B: Buffer.from('hello') },
          blobs: { BS: [Buffer.from([1, 2, 3])] },
          nested: { M: { list: { L: [{ B: Buffer.from('x') }, { NULL: true }, { BOOL: false }] } } },
        },
      }),
    );
    const [record] = await reader.readAvailable();
    expect(record?.dynamodb?.NewImage).toEqual({
      accountId: { S: 'b' },
      blob: { B: 'aGVsbG8=' },
      blobs: { BS: ['AQID'] },
      nested: { M: { list: { L: [{ B: 'eA==' }, { NULL: true }, { BOOL: false }] } } },
    });
  });

  it('fails clearly for a table without a stream', async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'no-stream',
        AttributeDefinitions: [{ AttributeName: 'accountId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'accountId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await expect(openReader('no-stream', 'TRIM_HORIZON').readAvailable()).rejects.toThrow(
      'Table no-stream has no stream enabled',
    );
  });
});

describe('createStreamReader: when it lists the shards', () => {
  const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2026-12-04T00:00:00.000';

  /** A stream of scripted shards: `records` per shard, `closed` shards end after their records. */
  const scriptedStream = () => {
    const shards: { id: string; parent?: string; records: string[]; closed: boolean }[] = [];
    const calls: string[] = [];
    let onGetRecords: (shard: { records: string[] }) => void = () => undefined;
    const record = (id: string, seq: string) => ({
      eventID: seq,
      eventName: 'INSERT',
      dynamodb: { Keys: { accountId: { S: id } }, SequenceNumber: seq, StreamViewType: 'KEYS_ONLY' },
    });
    const client = {
      destroy: () => undefined,
      send: (command: { constructor: { name: string }; input: Record<string, string | undefined> }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        calls.push(name);
        if (name === 'DescribeStream') {
          return Promise.resolve({
            StreamDescription: {
              Shards: shards.map((shard) => ({
                ShardId: shard.id,
                ...(shard.parent ? { ParentShardId: shard.parent } : {}),
              })),
            },
          });
        }
        if (name === 'GetShardIterator') return Promise.resolve({ ShardIterator: `${command.input.ShardId}#0` });
        // GetRecords: the iterator says the shard and how many of its records were read.
        const [id, at] = (command.input.ShardIterator as string).split('#');
        const shard = shards.find((candidate) => candidate.id === id);
        if (!shard) throw new Error(`no shard ${id}`);
        onGetRecords(shard);
        const read = Number(at);
        const page = shard.records.slice(read);
        const ended = shard.closed && read + page.length === shard.records.length;
        return Promise.resolve({
          Records: page.map((seq) => record(shard.id, seq)),
          ...(ended ? {} : { NextShardIterator: `${shard.id}#${read + page.length}` }),
        });
      },
    };
    return {
      shards,
      calls,
      client,
      /** Runs before every GetRecords answers (a writer that keeps writing). */
      beforeGetRecords: (hook: typeof onGetRecords) => (onGetRecords = hook),
    };
  };

  it('returns what a page brought while writes keep coming, not only once the stream falls quiet', async () => {
    const stream = scriptedStream();
    stream.shards.push({ id: 'A', records: [], closed: false });
    let written = 0;
    // Every read finds one more record written since the one before, five times.
    stream.beforeGetRecords((shard) => {
      if (written < 5) shard.records.push(String(++written));
    });
    const reader = createStreamReader({
      region,
      streamArn: arn,
      startingPosition: 'TRIM_HORIZON',
      streamsClient: stream.client,
    });
    const reads: (string | undefined)[][] = [];
    for (let i = 0; i < 6; i++) reads.push((await reader.readAvailable()).map((r) => r.dynamodb?.SequenceNumber));
    expect(reads).toEqual([['1'], ['2'], ['3'], ['4'], ['5'], []]);
    reader.close();
  });

  it('lists them when it opens, when a shard ends and after the refresh period, not before every read', async () => {
    const stream = scriptedStream();
    stream.shards.push({ id: 'A', records: ['1'], closed: false });
    let clock = 0;
    const reader = createStreamReader({
      region,
      streamArn: arn,
      startingPosition: 'TRIM_HORIZON',
      shardRefreshMs: 1_000,
      now: () => clock,
      streamsClient: stream.client,
    });
    const sequences = async () => (await reader.readAvailable()).map((r) => r.dynamodb?.SequenceNumber);
    const describes = () => stream.calls.filter((call) => call === 'DescribeStream').length;

    expect(await sequences()).toEqual(['1']);
    expect(await sequences()).toEqual([]);
    clock = 999;
    expect(await sequences()).toEqual([]);
    expect(describes()).toBe(1);

    // A shard created while the known ones stay open is found after the period.
    stream.shards.push({ id: 'B', records: ['5'], closed: false });
    expect(await sequences()).toEqual([]);
    clock = 1_000;
    expect(await sequences()).toEqual(['5']);
    expect(describes()).toBe(2);

    // A shard that ends has its child listed by the next read, read from its start after the parent.
    stream.shards[0]?.records.push('2');
    stream.shards[0]!.closed = true;
    stream.shards.push({ id: 'C', parent: 'A', records: ['3', '4'], closed: false });
    expect(await sequences()).toEqual(['2']);
    expect(describes()).toBe(2);
    expect(await sequences()).toEqual(['3', '4']);
    expect(describes()).toBe(3);
    expect(await sequences()).toEqual([]);
    expect(describes()).toBe(3);
    reader.close();
  });
});

describe('toLambdaRecord', () => {
  const arn = 'arn:aws:dynamodb:us-west-2:123456789012:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899';

  // The three records of AWS's example Lambda event for DynamoDB streams, with their SizeBytes.
  it.each([
    ['INSERT', { Id: { N: '101' } }, { Message: { S: 'New item!' }, Id: { N: '101' } }, undefined, 26],
    [
      'MODIFY',
      { Id: { N: '101' } },
      { Message: { S: 'This item has changed' }, Id: { N: '101' } },
      { Message: { S: 'New item!' }, Id: { N: '101' } },
      59,
    ],
    ['REMOVE', { Id: { N: '101' } }, undefined, { Message: { S: 'This item has changed' }, Id: { N: '101' } }, 38],
  ] as const)('computes SizeBytes of the %s example as AWS does', (eventName, Keys, NewImage, OldImage, size) => {
    const record = toLambdaRecord(
      {
        eventID: '1',
        eventName,
        eventVersion: '1.0',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          ApproximateCreationDateTime: new Date(1479499740_500),
          Keys,
          ...(NewImage ? { NewImage } : {}),
          ...(OldImage ? { OldImage } : {}),
          SequenceNumber: '111',
          SizeBytes: 999,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      },
      arn,
      'us-west-2',
    );
    expect(record).toEqual({
      eventID: '1',
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-west-2',
      dynamodb: {
        ApproximateCreationDateTime: 1479499740,
        Keys,
        ...(NewImage ? { NewImage } : {}),
        ...(OldImage ? { OldImage } : {}),
        SequenceNumber: '111',
        SizeBytes: size,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: arn,
    });
  });
});

describe('toLambdaBatches', () => {
  it('splits records into events of at most batchSize', () => {
    const records: DynamoDBRecord[] = [1, 2, 3, 4, 5].map((n) => ({ eventID: String(n) }));
    expect(toLambdaBatches(records, 2).map((event) => event.Records.map((r) => r.eventID))).toEqual([
      ['1', '2'],
      ['3', '4'],
      ['5'],
    ]);
    expect(toLambdaBatches([], 10)).toEqual([]);
    expect(() => toLambdaBatches(records, 0)).toThrow('batchSize must be a positive integer');
  });
});

function expectIncreasing(records: DynamoDBRecord[]): void {
  const numbers = records.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
  for (let i = 1; i < numbers.length; i++) expect((numbers[i] as bigint) > (numbers[i - 1] as bigint)).toBe(true);
}
