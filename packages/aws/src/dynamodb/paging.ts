import {
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type QueryCommandOutput,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';

type StartKey = Record<string, AttributeValue> | undefined;

async function* pagesOf<P extends { LastEvaluatedKey?: StartKey }>(
  first: StartKey,
  read: (startKey: StartKey) => Promise<P>,
): AsyncGenerator<P> {
  let startKey = first;
  do {
    const page = await read(startKey);
    yield page;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** Every page of a Query, one after another (each from the last one's LastEvaluatedKey). */
export function queryPages(ddb: DynamoDBClient, input: QueryCommandInput): AsyncGenerator<QueryCommandOutput> {
  return pagesOf(input.ExclusiveStartKey, (startKey) =>
    ddb.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) })),
  );
}

/** Every page of a Scan, one after another. */
export function scanPages(ddb: DynamoDBClient, input: ScanCommandInput): AsyncGenerator<ScanCommandOutput> {
  return pagesOf(input.ExclusiveStartKey, (startKey) =>
    ddb.send(new ScanCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) })),
  );
}

/** The items of every page of a Query. */
export async function queryAll(
  ddb: DynamoDBClient,
  input: QueryCommandInput,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  for await (const page of queryPages(ddb, input)) items.push(...(page.Items ?? []));
  return items;
}

/** The items of every page of a Scan. */
export async function scanAll(ddb: DynamoDBClient, input: ScanCommandInput): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  for await (const page of scanPages(ddb, input)) items.push(...(page.Items ?? []));
  return items;
}
