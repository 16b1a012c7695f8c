import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  deleteBudgetItemIfUnchanged,
  findDeletionRevision,
  newestEditRevision,
  readBudgetItemImages,
  readEditHistoryEntryAt,
  readSyncAttribute,
  writeBudgetItemIfUnchanged,
  type BudgetItemImage,
} from '@org-budgets/aws';
import type { EditedBy } from '@org-budgets/contracts';
import { CONTENT_ATTRIBUTES, contentToImage, keyText, revisionBefore, type ItemKey } from './budget-table';

/** Where an edit ended, as the command line reports it. */
export type EditOutcome =
  | { status: 'APPLIED' | 'REJECTED' | 'FAILED'; message: string; revision: string }
  /** Not written: the item changed in the table after it was read (in the console, by anyone). */
  | { status: 'CHANGED'; message: string }
  /** Written, no final status yet when the wait ended. */
  | { status: 'WAITING'; message: string }
  /**
   * Deleted: by `delete`, once the deletion's outcome is in the history (the spoke deleted the AWS
   * Budget, or the account held no parameter); by `import --prune`, once deleted from the table.
   */
  | { status: 'DELETED'; message: string }
  /** The write failed (the AWS error). */
  | { status: 'ERROR'; message: string };

export const FINAL_STATUSES = ['APPLIED', 'REJECTED', 'FAILED'] as const;

/** A write that went through: the status to wait for is one newer than `after`. */
export interface WrittenEdit {
  key: ItemKey;
  after: bigint;
}

export interface TableTarget {
  ddb: DynamoDBClient;
  tableName: string;
  /** The `editedBy` written with each edit (docs/history.md); none when absent. */
  editedBy?(action?: 'delete'): Promise<EditedBy>;
}

/**
 * Writes an item's content (adds or changes it) only if it is still as read; `expected`
 * undefined: only if it does not exist yet.
 */
export async function writeItem(
  target: TableTarget,
  key: ItemKey,
  desired: Record<string, unknown>,
  remove: readonly string[],
  expected: BudgetItemImage | undefined,
): Promise<{ written: WrittenEdit } | { outcome: EditOutcome }> {
  try {
    const editedBy = await target.editedBy?.();
    const result = await writeBudgetItemIfUnchanged(
      target.ddb,
      target.tableName,
      key,
      {
        set: contentToImage(editedBy ? { ...desired, editedBy } : desired),
        // The edit record is written anew: never also removed (DynamoDB refuses overlapping paths).
        remove: editedBy ? remove.filter((name) => name !== 'editedBy') : remove,
      },
      expected,
      CONTENT_ATTRIBUTES,
    );
    if (result.outcome === 'changed-since-read') return { outcome: changedSinceRead(expected !== undefined) };
    return { written: { key, after: revisionBefore(result.before) } };
  } catch (error) {
    return { outcome: { status: 'ERROR', message: describeError(error) } };
  }
}

/**
 * Deletes an item only if it is still as read. A deletion carries no attributes: with an
 * `editedBy`, the item is first marked (`editedBy` with `action: delete`, a change the hub does
 * not propagate), then deleted only while it still holds that mark, so that the hub's history
 * names who deleted it (docs/history.md).
 */
export async function deleteItem(target: TableTarget, key: ItemKey, expected: BudgetItemImage): Promise<EditOutcome> {
  try {
    let current = expected;
    let watched = CONTENT_ATTRIBUTES;
    const editedBy = await target.editedBy?.('delete');
    if (editedBy) {
      const mark = contentToImage({ editedBy });
      const marked = await writeBudgetItemIfUnchanged(
        target.ddb,
        target.tableName,
        key,
        { set: mark, remove: [] },
        expected,
        CONTENT_ATTRIBUTES,
      );
      if (marked.outcome === 'changed-since-read') return changedSinceRead(true);
      current = { ...expected, ...mark };
      watched = [...CONTENT_ATTRIBUTES, 'editedBy'];
    }
    const result = await deleteBudgetItemIfUnchanged(target.ddb, target.tableName, key, current, watched);
    if (result.outcome === 'changed-since-read') return changedSinceRead(true);
    return {
      status: 'DELETED',
      message: "deleted from the table; the hub deletes the member account's parameter and the spoke the AWS Budget",
    };
  } catch (error) {
    return { status: 'ERROR', message: describeError(error) };
  }
}

function changedSinceRead(existed: boolean): EditOutcome {
  return {
    status: 'CHANGED',
    message: existed
      ? 'not written: the item was changed (or deleted) in the table after it was read, by someone else; nothing of theirs was overwritten — run again to see the difference'
      : 'not written: the item was created in the table after it was read, by someone else; nothing of theirs was overwritten — run again to see the difference',
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export interface WaitOptions {
  /** Give up after this long (ms); the edits keep going in the pipeline. */
  timeoutMs: number;
  /** Time between reads (ms). */
  pollMs?: number;
  /** Called with each edit that got its final status. */
  onOutcome?: (key: ItemKey, outcome: EditOutcome) => void;
  /** Resolves after `ms`; a test may pass its own. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms now; a test may pass its own. */
  now?: () => number;
}

/**
 * Waits until each written edit has its final status (APPLIED, REJECTED or FAILED) on the item,
 * reading the items (BatchGetItem, strongly consistent) every `pollMs`. A status counts only if
 * its revision is newer than the item's status and delivery just before the write (a late status
 * of an earlier edit is not this one's). Edits still without one at the timeout are WAITING.
 */
export async function waitForOutcomes(
  target: TableTarget,
  edits: readonly WrittenEdit[],
  options: WaitOptions,
): Promise<Map<string, EditOutcome>> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const outcomes = new Map<string, EditOutcome>();
  const lastSeen = new Map<string, string>();
  let pending = [...edits];
  for (;;) {
    const images = await readBudgetItemImages(
      target.ddb,
      target.tableName,
      pending.map((edit) => edit.key),
    );
    const still: WrittenEdit[] = [];
    for (const edit of pending) {
      const image = images.get(keyText(edit.key));
      const sync = image ? readSyncAttribute(image['sync']) : undefined;
      const revision = sync?.revision !== undefined && /^\d+$/.test(sync.revision) ? BigInt(sync.revision) : -1n;
      if (!image) {
        const outcome: EditOutcome = {
          status: 'CHANGED',
          message: 'the item was deleted by someone else after this edit',
        };
        outcomes.set(keyText(edit.key), outcome);
        options.onOutcome?.(edit.key, outcome);
      } else if (revision > edit.after && FINAL_STATUSES.includes(sync?.status as 'APPLIED')) {
        const outcome: EditOutcome = {
          status: sync?.status as 'APPLIED',
          message: sync?.message ?? '',
          revision: sync?.revision ?? '',
        };
        outcomes.set(keyText(edit.key), outcome);
        options.onOutcome?.(edit.key, outcome);
      } else {
        if (revision > edit.after && sync?.status) lastSeen.set(keyText(edit.key), sync.status);
        still.push(edit);
      }
    }
    pending = still;
    if (pending.length === 0) return outcomes;
    if (now() >= deadline) {
      for (const edit of pending) {
        const status = lastSeen.get(keyText(edit.key));
        outcomes.set(keyText(edit.key), {
          status: 'WAITING',
          message: `no final status after ${Math.round(options.timeoutMs / 1000)} s (${status ? `last ${status}` : 'not picked up by the hub yet'}); it goes on in the pipeline: see org-budgets status`,
        });
      }
      return outcomes;
    }
    await sleep(options.pollMs ?? 1000);
  }
}

/** Runs `task` over `items`, at most `limit` at once, results in order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Where the hub keeps the edit history (docs/history.md), which holds the outcome of a deletion. */
export interface HistoryTarget {
  ddb: DynamoDBClient;
  historyTableName: string;
}

/**
 * A revision the deletion about to be made is newer than: the newest of the item's `sync` and
 * `delivered` (as read) and the item's newest entry in the history now. The first entry of kind
 * `deleted` after it is then this deletion's: the deletion is conditional on the item being as
 * read, so no other deletion of it comes in between.
 */
export async function revisionBeforeDeletion(
  target: HistoryTarget,
  key: ItemKey,
  read: BudgetItemImage,
): Promise<bigint> {
  const newest = await newestEditRevision(target.ddb, target.historyTableName, key);
  const recorded = newest !== undefined && /^\d+$/.test(newest) ? BigInt(newest) : -1n;
  const item = revisionBefore(read);
  return recorded > item ? recorded : item;
}

export interface DeletionWaitOptions extends Omit<WaitOptions, 'onOutcome'> {
  /** Called with what is known whenever it changes (for the spinner). */
  onProgress?: (known: string) => void;
  /** How to name the budget in the message of a timeout (`org-budgets history …`). */
  historyHint: string;
}

/**
 * Waits until the deletion of an item has its outcome in the edit history (docs/history.md): the
 * entry of kind `deleted` first after `after` (revisionBeforeDeletion), read every `pollMs`.
 * DELETED: the spoke deleted the AWS Budget, or the hub found no parameter in the account (nothing
 * to delete there); FAILED: the hub could not delete the parameter, or the spoke the budget, with
 * the reason. At the timeout, WAITING says how far it got: not recorded by the hub yet, the
 * parameter not deleted yet, or deleted and the spoke's report not in yet.
 */
export async function waitForDeletion(
  target: HistoryTarget,
  key: ItemKey,
  after: bigint,
  options: DeletionWaitOptions,
): Promise<EditOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let known = 'the hub has not recorded the deletion yet (its stream record is not processed)';
  let revision: string | undefined;
  for (;;) {
    revision ??= await findDeletionRevision(target.ddb, target.historyTableName, key, after.toString(), 'oldest');
    if (revision !== undefined) {
      const outcome = (await readEditHistoryEntryAt(target.ddb, target.historyTableName, key, revision))?.outcome;
      if (outcome?.status === 'DELETED') return { status: 'DELETED', message: outcome.message };
      if (outcome?.status === 'FAILED') return { status: 'FAILED', message: outcome.message, revision };
      const next =
        outcome?.status === 'DELIVERED'
          ? "the hub deleted the member account's parameter; the spoke has not reported deleting the AWS Budget yet"
          : "the hub recorded the deletion and has not deleted the member account's parameter yet";
      if (next !== known) options.onProgress?.(next);
      known = next;
    }
    if (now() >= deadline) {
      return {
        status: 'WAITING',
        message: `no outcome after ${Math.round(options.timeoutMs / 1000)} s: ${known}; it goes on in the pipeline: see org-budgets history ${options.historyHint}`,
      };
    }
    await sleep(options.pollMs ?? 1000);
  }
}
