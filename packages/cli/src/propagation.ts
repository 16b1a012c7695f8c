import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  deleteBudgetItemIfUnchanged,
  readBudgetItemImages,
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
  /** The deletion is written; nothing on the table reports on a deleted item (see docs/cli.md). */
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
      { set: contentToImage(editedBy ? { ...desired, editedBy } : desired), remove },
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
