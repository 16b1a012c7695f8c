import { queryAll, queryPages } from './paging';
import { QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isConditionFailure } from './condition-failure';
import type { BudgetItemKey } from './sync-status';

/**
 * The edit history of the budget items (docs/history.md): one entry per edit of an item's content,
 * written by propagate-budget-edits from the table's stream, keyed by `itemKey`
 * (`<accountId>/<budgetName>`) and `revision` (the edit's stream sequence number, a Number, so that
 * entries sort in the order of the edits), with the outcome the pipeline reported for that
 * revision. Entries expire `expiresAt` (epoch seconds; the table's TTL attribute).
 */
export type EditKind = 'created' | 'changed' | 'deleted' | 'redelivery';

/** One attribute an edit changed: its value before and after (absent: the item did not have it). */
export interface AttributeChange {
  attribute: string;
  old?: unknown;
  new?: unknown;
}

/** What the pipeline reported for a revision: `sync` as written (status, stage, message, updatedAt). */
export interface EditOutcomeRecord {
  status: string;
  stage: string;
  message: string;
  /** `sync.updatedAt`. */
  at: string;
  /**
   * The stream sequence number of the `sync` write that said it: a later write wins, a replay does
   * not. A deletion's outcome has none ('' when read back): no `sync` reports on a deleted item.
   */
  sequence: string;
}

/**
 * The outcome of a deletion (an entry of kind `deleted`), which no `sync` can carry: the hub's
 * (stage deliver: DELIVERED when it deleted the member account's parameter, DELETED when the account
 * held none, FAILED when it could not reach it) and then the spoke's (stage apply: DELETED when it
 * deleted the AWS Budget, FAILED when it could not).
 */
export interface DeletionOutcomeRecord {
  status: 'DELIVERED' | 'DELETED' | 'FAILED';
  stage: 'deliver' | 'apply';
  message: string;
  at: string;
}

/** Where a spoke's deletion report was written: the entry of the deletion it is about, or nowhere. */
export type DeletionReportResult =
  | { result: 'written'; revision: string }
  /** The entry holds the spoke's DELETED already (a replay, or a later report of the same deletion). */
  | { result: 'superseded'; revision: string }
  /** No deletion of the item newer than the report's revision is in the history. */
  | { result: 'no-entry' };

export interface EditHistoryEntry {
  accountId: string;
  budgetName: string;
  revision: string;
  kind: EditKind;
  /** When the edit was made (the stream record's ApproximateCreationDateTime), ISO 8601. */
  at: string;
  changes: AttributeChange[];
  /** Who made it, when the edit itself says so (docs/history.md); absent: not recorded. */
  editedBy?: string;
  /** A redelivery's reason (`sync.message` of the request). */
  note?: string;
  /** Epoch seconds after which DynamoDB's TTL deletes the entry. */
  expiresAt: number;
  outcome?: EditOutcomeRecord;
}

export interface EditHistoryStore {
  /**
   * Writes an entry's edit (not its outcome, which may have arrived already): a replayed record
   * writes the same values again.
   */
  recordEdit(entry: Omit<EditHistoryEntry, 'outcome'>): Promise<void>;
  /**
   * Writes the outcome of a revision onto its entry, only if the entry exists (no entry is made
   * for a revision the history did not see) and only over an older outcome: one said by an earlier
   * `sync` write, and at the same revision never the hub's (stages validate, deliver) over the
   * spoke's (stage apply) — the rule of SYNC_CONDITION (./sync-status.ts).
   */
  recordOutcome(key: BudgetItemKey, revision: string, outcome: EditOutcomeRecord): Promise<'written' | 'superseded'>;
  /**
   * The hub's outcome of the deletion at `revision` (stage deliver), only onto an existing entry of
   * kind `deleted` and never over the spoke's (stage apply).
   */
  recordHubDeletionOutcome(
    key: BudgetItemKey,
    revision: string,
    outcome: DeletionOutcomeRecord & { stage: 'deliver' },
  ): Promise<'written' | 'superseded'>;
  /**
   * A spoke's report of a deletion (stage apply): written onto the newest entry of kind `deleted`
   * of the item whose revision is newer than `after` (the revision the spoke had applied last: the
   * deletion came after it), only onto an existing entry of kind `deleted` (a report never makes an
   * entry, nor touches an edit's outcome) and never over the spoke's DELETED.
   */
  recordSpokeDeletionOutcome(
    key: BudgetItemKey,
    after: string,
    outcome: DeletionOutcomeRecord & { stage: 'apply'; status: 'DELETED' | 'FAILED' },
  ): Promise<DeletionReportResult>;
}

export const itemKeyOf = (key: BudgetItemKey): string => `${key.accountId}/${key.budgetName}`;

/** Only onto a deletion's entry; the hub never over the spoke (stage apply). */
const HUB_DELETION_CONDITION =
  'attribute_exists(itemKey) AND #kind = :deleted AND (attribute_not_exists(#outcome) OR #outcome.#stage <> :apply)';
/** Only onto a deletion's entry; the spoke's FAILED or DELETED never over its DELETED. */
const SPOKE_DELETION_CONDITION =
  'attribute_exists(itemKey) AND #kind = :deleted AND (attribute_not_exists(#outcome) OR #outcome.#stage <> :apply OR #outcome.#status <> :deletedStatus)';

const OUTCOME_CONDITION =
  'attribute_exists(itemKey) AND (attribute_not_exists(#outcome.#sequence) OR (#outcome.#sequence < :sequence' +
  ' AND (:stage = :apply OR attribute_not_exists(#outcome.#stage) OR #outcome.#stage <> :apply)))';

/** A value as JSON text, with sets as sorted lists (plain values of an item: ./stream-image.ts). */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_name, v: unknown) => {
    if (v instanceof Set) return [...(v as Set<unknown>)].sort();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    return v;
  });
}

function changeValue(change: AttributeChange): AttributeValue {
  return {
    M: {
      attribute: { S: change.attribute },
      ...('old' in change && change.old !== undefined ? { old: { S: jsonText(change.old) } } : {}),
      ...('new' in change && change.new !== undefined ? { new: { S: jsonText(change.new) } } : {}),
    },
  };
}

function readChange(value: AttributeValue): AttributeChange {
  const map = value.M ?? {};
  const parse = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));
  const old = parse(map['old']?.S);
  const now = parse(map['new']?.S);
  return {
    attribute: map['attribute']?.S ?? '',
    ...(old !== undefined ? { old } : {}),
    ...(now !== undefined ? { new: now } : {}),
  };
}

/** An entry as stored, read back. */
export function readEditHistoryEntry(item: Record<string, AttributeValue>): EditHistoryEntry {
  const outcome = item['outcome']?.M;
  return {
    accountId: item['accountId']?.S ?? '',
    budgetName: item['budgetName']?.S ?? '',
    revision: item['revision']?.N ?? '',
    kind: (item['kind']?.S ?? 'changed') as EditKind,
    at: item['at']?.S ?? '',
    changes: (item['changes']?.L ?? []).map(readChange),
    ...(item['editedBy']?.S !== undefined ? { editedBy: item['editedBy'].S } : {}),
    ...(item['note']?.S !== undefined ? { note: item['note'].S } : {}),
    expiresAt: Number(item['expiresAt']?.N ?? '0'),
    ...(outcome
      ? {
          outcome: {
            status: outcome['status']?.S ?? '',
            stage: outcome['stage']?.S ?? '',
            message: outcome['message']?.S ?? '',
            at: outcome['at']?.S ?? '',
            sequence: outcome['sequence']?.N ?? '',
          },
        }
      : {}),
  };
}

function deletionOutcomeValue(outcome: DeletionOutcomeRecord): AttributeValue {
  return {
    M: {
      status: { S: outcome.status },
      stage: { S: outcome.stage },
      message: { S: outcome.message },
      at: { S: outcome.at },
    },
  };
}

export function createEditHistoryStore(ddb: DynamoDBClient, tableName: string): EditHistoryStore {
  const writeDeletionOutcome = async (
    key: BudgetItemKey,
    revision: string,
    outcome: DeletionOutcomeRecord,
    condition: string,
  ): Promise<'written' | 'superseded'> => {
    try {
      await ddb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { itemKey: { S: itemKeyOf(key) }, revision: { N: revision } },
          UpdateExpression: 'SET #outcome = :outcome',
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            '#kind': 'kind',
            '#outcome': 'outcome',
            '#stage': 'stage',
            ...(condition.includes('#status') ? { '#status': 'status' } : {}),
          },
          ExpressionAttributeValues: {
            ':outcome': deletionOutcomeValue(outcome),
            ':deleted': { S: 'deleted' },
            ':apply': { S: 'apply' },
            ...(condition.includes(':deletedStatus') ? { ':deletedStatus': { S: 'DELETED' } } : {}),
          },
        }),
      );
      return 'written';
    } catch (error) {
      if (isConditionFailure(error)) return 'superseded';
      throw error;
    }
  };
  return {
    async recordHubDeletionOutcome(key, revision, outcome) {
      return writeDeletionOutcome(key, revision, outcome, HUB_DELETION_CONDITION);
    },

    async recordSpokeDeletionOutcome(key, after, outcome) {
      const revision = await findDeletionRevision(ddb, tableName, key, after, 'newest');
      if (revision === undefined) return { result: 'no-entry' };
      const written = await writeDeletionOutcome(key, revision, outcome, SPOKE_DELETION_CONDITION);
      return { result: written, revision };
    },

    async recordEdit(entry) {
      const names: Record<string, string> = {
        '#accountId': 'accountId',
        '#budgetName': 'budgetName',
        '#kind': 'kind',
        '#at': 'at',
        '#changes': 'changes',
        '#expiresAt': 'expiresAt',
      };
      const values: Record<string, AttributeValue> = {
        ':accountId': { S: entry.accountId },
        ':budgetName': { S: entry.budgetName },
        ':kind': { S: entry.kind },
        ':at': { S: entry.at },
        ':changes': { L: entry.changes.map(changeValue) },
        ':expiresAt': { N: String(entry.expiresAt) },
      };
      const sets = Object.keys(names).map((name) => `${name} = :${name.slice(1)}`);
      for (const optional of ['editedBy', 'note'] as const) {
        const value = entry[optional];
        if (value === undefined) continue;
        names[`#${optional}`] = optional;
        values[`:${optional}`] = { S: value };
        sets.push(`#${optional} = :${optional}`);
      }
      await ddb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { itemKey: { S: itemKeyOf(entry) }, revision: { N: entry.revision } },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    },

    async recordOutcome(key, revision, outcome) {
      try {
        await ddb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { itemKey: { S: itemKeyOf(key) }, revision: { N: revision } },
            UpdateExpression: 'SET #outcome = :outcome',
            ConditionExpression: OUTCOME_CONDITION,
            ExpressionAttributeNames: { '#outcome': 'outcome', '#sequence': 'sequence', '#stage': 'stage' },
            ExpressionAttributeValues: {
              ':outcome': {
                M: {
                  status: { S: outcome.status },
                  stage: { S: outcome.stage },
                  message: { S: outcome.message },
                  at: { S: outcome.at },
                  sequence: { N: outcome.sequence },
                },
              },
              ':sequence': { N: outcome.sequence },
              ':stage': { S: outcome.stage },
              ':apply': { S: 'apply' },
            },
          }),
        );
        return 'written';
      } catch (error) {
        if (isConditionFailure(error)) return 'superseded';
        throw error;
      }
    },
  };
}

/** Every entry of one item, newest first (Query, every page). */
export async function queryEditHistory(
  ddb: DynamoDBClient,
  tableName: string,
  key: BudgetItemKey,
): Promise<EditHistoryEntry[]> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: '#k = :k',
    ExpressionAttributeNames: { '#k': 'itemKey' },
    ExpressionAttributeValues: { ':k': { S: itemKeyOf(key) } },
    ScanIndexForward: false,
  });
  return items.map(readEditHistoryEntry);
}

/**
 * The revision of the oldest (or newest) entry of kind `deleted` of an item with a revision newer
 * than `after`; undefined when there is none. Reads only the key and `kind` of the entries.
 */
export async function findDeletionRevision(
  ddb: DynamoDBClient,
  tableName: string,
  key: BudgetItemKey,
  after: string,
  which: 'oldest' | 'newest',
): Promise<string | undefined> {
  const pages = queryPages(ddb, {
    TableName: tableName,
    ConsistentRead: true,
    KeyConditionExpression: '#k = :k AND #r > :after',
    FilterExpression: '#kind = :deleted',
    Select: 'SPECIFIC_ATTRIBUTES',
    ProjectionExpression: '#k, #r, #kind',
    ExpressionAttributeNames: { '#k': 'itemKey', '#r': 'revision', '#kind': 'kind' },
    ExpressionAttributeValues: {
      ':k': { S: itemKeyOf(key) },
      ':after': { N: after },
      ':deleted': { S: 'deleted' },
    },
    ScanIndexForward: which === 'oldest',
  });
  for await (const page of pages) {
    const found = page.Items?.[0]?.['revision']?.N;
    if (found !== undefined) return found;
  }
  return undefined;
}

/** One entry of an item, by revision (strongly consistent); undefined when there is none. */
export async function readEditHistoryEntryAt(
  ddb: DynamoDBClient,
  tableName: string,
  key: BudgetItemKey,
  revision: string,
): Promise<EditHistoryEntry | undefined> {
  const page = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      ConsistentRead: true,
      KeyConditionExpression: '#k = :k AND #r = :r',
      ExpressionAttributeNames: { '#k': 'itemKey', '#r': 'revision' },
      ExpressionAttributeValues: { ':k': { S: itemKeyOf(key) }, ':r': { N: revision } },
    }),
  );
  const item = page.Items?.[0];
  return item ? readEditHistoryEntry(item) : undefined;
}

/** The revision of an item's newest entry (its latest recorded edit); undefined when it has none. */
export async function newestEditRevision(
  ddb: DynamoDBClient,
  tableName: string,
  key: BudgetItemKey,
): Promise<string | undefined> {
  const page = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      ConsistentRead: true,
      KeyConditionExpression: '#k = :k',
      ProjectionExpression: '#k, #r',
      ExpressionAttributeNames: { '#k': 'itemKey', '#r': 'revision' },
      ExpressionAttributeValues: { ':k': { S: itemKeyOf(key) } },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  return page.Items?.[0]?.['revision']?.N;
}
