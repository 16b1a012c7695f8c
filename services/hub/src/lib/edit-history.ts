import { describeEditedBy, isDeletionRecord, NON_BUDGET_ATTRIBUTES, type SyncStatus } from '@org-budgets/contracts';
import {
  canonicalImage,
  fromAttributeValue,
  readSyncAttribute,
  type AttributeChange,
  type EditHistoryEntry,
  type EditOutcomeRecord,
  type StreamAttributeValue,
  type StreamImage,
} from '@org-budgets/aws';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

/** What one stream record adds to the edit history (docs/history.md). */
export interface HistoryWork {
  /** The item the record is about (absent: a record without keys, nothing to do). */
  key?: { accountId: string; budgetName: string };
  /** An edit of the item's content (or a redelivery request): its entry. */
  edit?: Omit<EditHistoryEntry, 'outcome'>;
  /** A `sync` written (by the system, or typed): the outcome of its revision. */
  outcome?: { revision: string; record: EditOutcomeRecord };
}

export interface HistoryOptions {
  /** How long an entry is kept (the table's TTL: `expiresAt`). */
  retentionDays: number;
  /** When the record has no ApproximateCreationDateTime. */
  now: () => Date;
}

const KEY_ATTRIBUTES = ['accountId', 'budgetName'];
const NOT_CONTENT: readonly string[] = [...KEY_ATTRIBUTES, ...NON_BUDGET_ATTRIBUTES];

/**
 * The changes of an item's content between two images, attribute by attribute, in name order:
 * old → new as plain values (absent: the image lacks it). System attributes, `editedBy` and the
 * key are left out; values are compared whatever order DynamoDB lists set members or map keys in.
 */
export function contentChanges(
  oldImage: StreamImage | undefined,
  newImage: StreamImage | undefined,
): AttributeChange[] {
  const names = new Set([...Object.keys(oldImage ?? {}), ...Object.keys(newImage ?? {})]);
  const changes: AttributeChange[] = [];
  for (const attribute of [...names].filter((name) => !NOT_CONTENT.includes(name)).sort()) {
    const before = oldImage?.[attribute];
    const after = newImage?.[attribute];
    if (canonicalValue(before) === canonicalValue(after)) continue;
    changes.push({
      attribute,
      ...(before !== undefined ? { old: fromAttributeValue(before) } : {}),
      ...(after !== undefined ? { new: fromAttributeValue(after) } : {}),
    });
  }
  return changes;
}

function canonicalValue(value: StreamAttributeValue | undefined): string {
  return value === undefined ? '' : canonicalImage({ v: value });
}

/**
 * Who made an edit, as far as the edit itself says: `editedBy` only when this edit changed it (or
 * created the item with it) — an edit that keeps an earlier `editedBy` (the console keeps every
 * attribute it does not touch) is not attributed to that earlier editor; a deletion only when the
 * command line marked the item for it just before (`action: delete`); the hub's copies of an
 * organization default are written by org-budgets. Undefined: not recorded.
 */
export function editorOf(
  eventName: DynamoDBRecord['eventName'],
  oldImage: StreamImage | undefined,
  newImage: StreamImage | undefined,
): string | undefined {
  const plain = (image: StreamImage | undefined, name: string): unknown =>
    image?.[name] === undefined ? undefined : fromAttributeValue(image[name]);
  const copyOf = (image: StreamImage | undefined) => {
    const from = plain(image, 'inheritedFrom');
    return typeof from === 'string' ? `org-budgets (organization default ${from})` : undefined;
  };
  if (eventName === 'REMOVE') {
    const editedBy = plain(oldImage, 'editedBy');
    if (isDeletionRecord(editedBy)) return describeEditedBy(editedBy);
    return copyOf(oldImage);
  }
  const changedEditedBy = canonicalValue(oldImage?.['editedBy']) !== canonicalValue(newImage?.['editedBy']);
  if (changedEditedBy) {
    const named = describeEditedBy(plain(newImage, 'editedBy'));
    if (named) return named;
  }
  return copyOf(newImage);
}

/**
 * The history work of one stream record of the budgets table:
 * - an INSERT, a REMOVE, or a MODIFY that changed the item's content: an entry (created, deleted,
 *   changed) with the changes old → new and who made it where the edit says so;
 * - a `sync` written with status PENDING (a redelivery request, which the pipeline delivers as a
 *   revision of its own): a `redelivery` entry;
 * - any other `sync` written on a MODIFY: the outcome of `sync.revision`.
 */
export function historyWorkFromRecord(record: DynamoDBRecord, options: HistoryOptions): HistoryWork {
  const stream = record.dynamodb;
  const accountId = stream?.Keys?.['accountId']?.S;
  const budgetName = stream?.Keys?.['budgetName']?.S;
  const sequence = stream?.SequenceNumber;
  if (accountId === undefined || budgetName === undefined || !sequence) return {};
  const oldImage = stream?.OldImage;
  const newImage = stream?.NewImage;
  const seconds = stream?.ApproximateCreationDateTime;
  const at = typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : options.now();
  const base = {
    accountId,
    budgetName,
    revision: sequence,
    at: at.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + Math.round(options.retentionDays * 86400),
  };
  const editor = (): { editedBy?: string } => {
    const named = editorOf(record.eventName, oldImage, newImage);
    return named ? { editedBy: named } : {};
  };

  const work: HistoryWork = { key: { accountId, budgetName } };
  if (record.eventName === 'REMOVE' || record.eventName === 'INSERT') {
    work.edit = {
      ...base,
      kind: record.eventName === 'REMOVE' ? 'deleted' : 'created',
      changes: contentChanges(oldImage, newImage),
      ...editor(),
    };
    return work;
  }
  const changes = contentChanges(oldImage, newImage);
  if (changes.length > 0) work.edit = { ...base, kind: 'changed', changes, ...editor() };

  const oldSync = oldImage?.['sync'];
  const newSync = newImage?.['sync'];
  if (newSync !== undefined && canonicalValue(oldSync) !== canonicalValue(newSync)) {
    const sync = readSyncAttribute(newSync as AttributeValue);
    if (sync?.status === 'PENDING') {
      if (!work.edit) {
        work.edit = {
          ...base,
          kind: 'redelivery',
          changes: [],
          note: `redelivery of revision ${sync.revision ?? '?'} requested: ${sync.message ?? ''}`.trim(),
        };
      }
    } else if (sync?.revision !== undefined && sync.status !== undefined) {
      work.outcome = { revision: sync.revision, record: outcomeOf(sync, sequence) };
    }
  }
  return work;
}

function outcomeOf(sync: Partial<SyncStatus>, sequence: string): EditOutcomeRecord {
  return {
    status: sync.status ?? '',
    stage: sync.stage ?? '',
    message: sync.message ?? '',
    at: sync.updatedAt ?? '',
    sequence,
  };
}
