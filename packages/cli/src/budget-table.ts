import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  fromAttributeValue,
  itemFromStreamImage,
  readDeliveredAttribute,
  readSyncAttribute,
  type BudgetItemImage,
  type StreamImage,
} from '@org-budgets/aws';
import {
  classifyBudgetItem,
  NON_BUDGET_ATTRIBUTES,
  type BudgetItem,
  type ClassifiedItem,
  type OptOutItem,
  type SyncStatus,
} from '@org-budgets/contracts';
import { CSV_COLUMNS } from './budget-csv';

/** The key of a budget item. */
export interface ItemKey {
  accountId: string;
  budgetName: string;
}

export const keyText = (key: ItemKey): string => `${key.accountId}/${key.budgetName}`;

/** The attributes finance edits, whose values decide whether an item is unchanged (the CSV's columns). */
export const CONTENT_ATTRIBUTES: readonly string[] = CSV_COLUMNS.filter(
  (column) => column !== 'accountId' && column !== 'budgetName',
);

/** An item of the hub table as the command line shows and edits it. */
export interface TableEntry {
  key: ItemKey;
  /** The item exactly as stored (for conditional writes). */
  image: BudgetItemImage;
  /** Its content attributes as plain values (numbers, strings, Sets, lists, maps). */
  content: Record<string, unknown>;
  /** The item normalized by the contract, when it is valid (an opt-out holds no budget fields). */
  normalized?: BudgetItem | OptOutItem;
  /** Why it is invalid, when it is (the hub's REJECTED message). */
  invalid?: string;
  sync?: Partial<SyncStatus>;
  /** Attributes neither the contract nor the system knows (a typo made in the console: the hub rejects the item). */
  unknownAttributes?: string[];
  /** The hub's `spend` and `state` attributes, when it writes them (plain values). */
  spend?: unknown;
  state?: unknown;
}

/** Attributes the hub may write besides `sync` that `list` shows (spend and state of the budget). */
const STATUS_ATTRIBUTES = ['spend', 'state'] as const;

export function tableEntry(image: BudgetItemImage): TableEntry {
  const plain = itemFromStreamImage(image as StreamImage);
  const content: Record<string, unknown> = {};
  const system: readonly string[] = [...NON_BUDGET_ATTRIBUTES, ...STATUS_ATTRIBUTES];
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(plain)) {
    if (value === undefined) continue;
    if (name === 'accountId' || name === 'budgetName' || CONTENT_ATTRIBUTES.includes(name)) content[name] = value;
    else if (!system.includes(name)) unknown.push(name);
  }
  const validation = validateItem(Object.fromEntries(Object.entries(plain).filter(([name]) => !system.includes(name))));
  const sync = readSyncAttribute(image['sync']);
  const entry: TableEntry = {
    key: { accountId: image['accountId']?.S ?? '', budgetName: image['budgetName']?.S ?? '' },
    image,
    content,
    ...(validation.valid ? { normalized: validation.item } : { invalid: validation.message }),
    ...(sync ? { sync } : {}),
    ...(unknown.length > 0 ? { unknownAttributes: unknown } : {}),
  };
  for (const name of STATUS_ATTRIBUTES) {
    const value = image[name];
    if (value !== undefined) entry[name] = fromAttributeValue(value as never);
  }
  return entry;
}

/**
 * The lower bound of the revision a status must have to be about an edit written now: the
 * revision of the item's status and of its last delivery just before the write (statuses of
 * those, or of anything older, arriving late are not the new edit's).
 */
export function revisionBefore(before: BudgetItemImage | undefined): bigint {
  if (!before) return -1n;
  const revisions = [readSyncAttribute(before['sync'])?.revision, readDeliveredAttribute(before['delivered'])?.revision]
    .filter((r): r is string => typeof r === 'string' && /^\d+$/.test(r))
    .map((r) => BigInt(r));
  return revisions.reduce((max, r) => (r > max ? r : max), -1n);
}

/** An item's content attributes as DynamoDB values: emails as a string set (an empty list as a list). */
export function contentToImage(content: Record<string, unknown>): Record<string, AttributeValue> {
  const image: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(content)) {
    if (value === undefined) continue;
    if (name === 'emails' && Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
      image[name] = { SS: [...new Set(value)] };
      continue;
    }
    image[name] = marshall({ v: value }, { removeUndefinedValues: true, convertClassInstanceToMap: false })[
      'v'
    ] as AttributeValue;
  }
  return image;
}

/**
 * Validates an item as the hub does (classifyBudgetItem): one whose `accountId` is an OU or root
 * id as an organization default (the same budget fields, the messages of validateBudgetItem), an
 * opt-out (`optOut: true`) as an opt-out, any other as an account's budget.
 */
export function validateItem(input: Record<string, unknown>): ClassifiedItem['validation'] {
  return classifyBudgetItem(input).validation;
}
