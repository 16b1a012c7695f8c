import * as z from 'zod/mini';
import {
  budgetItemFields,
  budgetNameSchema,
  accountIdSchema,
  documentSizeProblem,
  guardianNeedsUsd,
  editRecordFields,
  KNOWN_ATTRIBUTES,
  NON_BUDGET_ATTRIBUTES,
  systemAttributeFields,
  unknownAttributeError,
  validateBudgetItem,
  validationOf,
  withinNotificationLimit,
  withoutAttributes,
  MAX_NOTES_CHARACTERS,
  type BudgetItem,
  type BudgetItemProblem,
  type BudgetItemValidation,
} from './budget-item';
import { budgetTargetKind, defaultTargetSchema } from './organization-target';
import { onFirstUse } from './on-first-use';
import { transformed } from './zod-helpers';

/**
 * Organization defaults (docs/organization-defaults.md). An item whose `accountId` is an OU id
 * or the root id is a default: every account below it (nested OUs included) gets that budget,
 * unless the account has its own item of the same `budgetName` (an override) or an opt-out
 * item (`optOut: true`). The hub keeps, for each account that inherits it, a copy in the table:
 * the account's item with `inheritedFrom` naming the default it copies; that copy is delivered,
 * applied and reported as any item is. The nearest default wins: the account's OU before its
 * parent OU, and every OU before the root.
 */

/** A valid organization default: the budget fields of an item, for an OU or the root. */
export type DefaultBudgetItem = Omit<BudgetItem, 'accountId'> & { accountId: string };

/** An account the documents are measured for: the copy's parameter names a 12-digit account. */
const MEASURED_ACCOUNT = '000000000000';

const defaultItemSchema = onFirstUse(() =>
  transformed(
    z
      .strictObject(
        { ...budgetItemFields, accountId: defaultTargetSchema, ...editRecordFields, ...systemAttributeFields },
        {
          error: unknownAttributeError(
            KNOWN_ATTRIBUTES.filter((name) => name !== 'inheritedFrom' && name !== 'optOut'),
          ),
        },
      )
      .check(z.refine(...withinNotificationLimit), z.refine(...guardianNeedsUsd)),
    (input, ctx) => {
      const item = withoutAttributes(input, NON_BUDGET_ATTRIBUTES);
      const oversize = documentSizeProblem({ ...item, accountId: MEASURED_ACCOUNT });
      if (oversize)
        ctx.issues.push({ code: 'custom', input: item, path: [oversize.attribute], message: oversize.reason });
      return item;
    },
  ),
);

export type DefaultItemValidation =
  { valid: true; item: DefaultBudgetItem } | { valid: false; problems: BudgetItemProblem[]; message: string };

/** Validates an organization default as read from the table, with the messages of validateBudgetItem. */
export function validateDefaultItem(input: unknown): DefaultItemValidation {
  return validationOf(defaultItemSchema.safeParse(input));
}

/** An account's refusal of an organization default of the same budget name. */
export interface OptOutItem {
  accountId: string;
  budgetName: string;
  optOut: true;
  notes?: string | undefined;
}

const optOutItemSchema = onFirstUse(() =>
  transformed(
    z.strictObject(
      {
        accountId: accountIdSchema,
        budgetName: budgetNameSchema,
        optOut: z.literal(true),
        notes: z.optional(
          z.string().check(
            z.refine((notes) => Array.from(notes).length <= MAX_NOTES_CHARACTERS, {
              error: `must be at most ${MAX_NOTES_CHARACTERS} characters`,
            }),
          ),
        ),
        ...editRecordFields,
        ...systemAttributeFields,
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys' && issue.keys
            ? `${issue.keys.map((k) => `"${k}"`).join(', ')} not allowed on an opt-out item (optOut: true), which holds only accountId, budgetName, optOut and notes: remove ${issue.keys.length > 1 ? 'them' : 'it'}, or remove optOut to give the account its own budget`
            : 'must be a map',
      },
    ),
    (input) => withoutAttributes(input, NON_BUDGET_ATTRIBUTES) as OptOutItem,
  ),
);

export type OptOutValidation =
  { valid: true; item: OptOutItem } | { valid: false; problems: BudgetItemProblem[]; message: string };

export function validateOptOutItem(input: unknown): OptOutValidation {
  return validationOf(optOutItemSchema.safeParse(input));
}

/** What an item of the table is, validated as what it is. */
export type ClassifiedItem =
  | { kind: 'default'; validation: DefaultItemValidation }
  | { kind: 'opt-out'; validation: OptOutValidation }
  | { kind: 'budget'; validation: BudgetItemValidation; inheritedFrom?: string };

/**
 * Sorts an item (as read from the table) into an organization default (its `accountId` is an OU
 * or the root), an opt-out (`optOut: true`) or an account's budget (its own, or the hub's copy of
 * a default, `inheritedFrom`), and validates it as that.
 */
export function classifyBudgetItem(input: Record<string, unknown>): ClassifiedItem {
  const kind = budgetTargetKind(input['accountId']);
  if (kind === 'ou' || kind === 'root') return { kind: 'default', validation: validateDefaultItem(input) };
  if (input['optOut'] === true) return { kind: 'opt-out', validation: validateOptOutItem(input) };
  const inheritedFrom = input['inheritedFrom'];
  return {
    kind: 'budget',
    validation: validateBudgetItem(input),
    ...(typeof inheritedFrom === 'string' ? { inheritedFrom } : {}),
  };
}

/**
 * The copy of a default the hub writes for one account: the default's budget fields (normalized),
 * that account's id, and `inheritedFrom`. What it holds decides whether it must be rewritten.
 */
export function inheritedItem(defaultItem: DefaultBudgetItem, accountId: string): Record<string, unknown> {
  const { accountId: targetId, ...fields } = defaultItem;
  return { ...fields, accountId, inheritedFrom: targetId };
}
