import { budgetTargetKind, NON_BUDGET_ATTRIBUTES } from '@org-budgets/contracts';
import { canonicalImage, itemFromStreamImage, type BudgetItemKey, type StreamImage } from '@org-budgets/aws';
import type { DynamoDBRecord } from 'aws-lambda';

/**
 * What a batch of table changes asks of the organization defaults, de-duplicated:
 * - `defaults`: defaults written or deleted (their content, not only their status) → expand;
 * - `accounts`: account items whose change may change what the account inherits: an own item or
 *   opt-out deleted (the default applies again), a copy edited by someone else (restored) →
 *   resolve that account;
 * - `rollups`: defaults whose copies' status or existence changed → roll up;
 * - `recount`: defaults whose copy an account's own item or opt-out replaced → expand again
 *   (its counts of overrides and opt-outs change).
 */
export interface DefaultsWork {
  defaults: Map<string, { key: BudgetItemKey; revision: string }>;
  accounts: Set<string>;
  /** Copies whose content changed: the hub's own rewrites, or someone's edit (then resolved). */
  copies: Map<string, { key: BudgetItemKey; inheritedFrom: string; content: Record<string, unknown> }>;
  rollups: Map<string, BudgetItemKey>;
  recount: Map<string, BudgetItemKey>;
}

const keyString = (key: BudgetItemKey) => `${key.accountId}/${key.budgetName}`;

function inheritedFrom(image: StreamImage | undefined): string | undefined {
  return image?.['inheritedFrom']?.S;
}

export function defaultsWork(records: readonly DynamoDBRecord[]): DefaultsWork {
  const work: DefaultsWork = {
    defaults: new Map(),
    accounts: new Set(),
    copies: new Map(),
    rollups: new Map(),
    recount: new Map(),
  };
  for (const record of records) {
    const stream = record.dynamodb;
    const accountId = stream?.Keys?.['accountId']?.S;
    const budgetName = stream?.Keys?.['budgetName']?.S;
    if (!accountId || !budgetName) continue;
    const key = { accountId, budgetName };
    const oldImage = stream?.OldImage;
    const newImage = stream?.NewImage;
    const contentChanged =
      record.eventName !== 'MODIFY' ||
      canonicalImage(oldImage, NON_BUDGET_ATTRIBUTES) !== canonicalImage(newImage, NON_BUDGET_ATTRIBUTES);
    const kind = budgetTargetKind(accountId);
    if (kind === 'ou' || kind === 'root') {
      if (contentChanged) work.defaults.set(keyString(key), { key, revision: stream?.SequenceNumber ?? '0' });
      continue;
    }
    if (kind !== 'account') continue;
    const before = inheritedFrom(oldImage);
    const after = inheritedFrom(newImage);
    for (const from of [before, after]) {
      if (from) work.rollups.set(`${from}/${budgetName}`, { accountId: from, budgetName });
    }
    if (!contentChanged) continue;
    // An own item or opt-out deleted, or turned into something else: the default may apply again.
    if (record.eventName === 'REMOVE' && !before) work.accounts.add(accountId);
    // A copy written: by the hub (it holds its default) or by someone else (then it is restored).
    if (after && newImage)
      work.copies.set(keyString(key), { key, inheritedFrom: after, content: itemFromStreamImage(newImage) });
    // An item that became an opt-out or own item over a copy: the account's own edit wins, and the
    // default counts one more override or opt-out.
    if (before && !after && newImage) work.recount.set(`${before}/${budgetName}`, { accountId: before, budgetName });
  }
  return work;
}
