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
  /** The stream sequence number of the `sync` write that said it: a later write wins, a replay does not. */
  sequence: string;
}

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
}

export const itemKeyOf = (key: BudgetItemKey): string => `${key.accountId}/${key.budgetName}`;

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

export function createEditHistoryStore(ddb: DynamoDBClient, tableName: string): EditHistoryStore {
  return {
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
  const entries: EditHistoryEntry[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'itemKey' },
        ExpressionAttributeValues: { ':k': { S: itemKeyOf(key) } },
        ScanIndexForward: false,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    entries.push(...(page.Items ?? []).map(readEditHistoryEntry));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return entries;
}
