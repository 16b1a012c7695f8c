import * as z from 'zod/mini';
import {
  BUDGET_PARAMETER_SCHEMA_VERSION,
  budgetItemFields,
  unknownAttributeError,
  withinNotificationLimit,
  type BudgetItem,
} from './budget-item';
import { compareRevisions, revisionSchema } from './revision';
import { onFirstUse } from './on-first-use';

// Defined beside the item so that validation can measure the document without an import cycle.
export { BUDGET_PARAMETER_SCHEMA_VERSION };

/** Every parameter the hub writes into a spoke lives under this path. */
export const PARAMETER_ROOT = '/org-budgets/';
export const BUDGET_PARAMETER_PREFIX = '/org-budgets/budgets/';

export function budgetParameterName(budgetName: string): string {
  return `${BUDGET_PARAMETER_PREFIX}${budgetName}`;
}

/** The budget name in a parameter name, or undefined when the name is not a budget parameter. */
export function budgetNameFromParameterName(parameterName: string): string | undefined {
  return parameterName.startsWith(BUDGET_PARAMETER_PREFIX)
    ? parameterName.slice(BUDGET_PARAMETER_PREFIX.length) || undefined
    : undefined;
}

/**
 * The spoke parameter document (docs/architecture.md, "The contracts"): the validated item
 * in normalized form plus `schemaVersion`, `revision` and `updatedAt`. Validation keeps it within
 * MAX_PARAMETER_DOCUMENT_BYTES (an SSM Standard parameter); budgetParameterDocumentBytes must
 * keep measuring exactly what toBudgetParameter and serializeBudgetParameter write.
 */
export const budgetParameterSchema = onFirstUse(() =>
  z
    .strictObject(
      {
        ...budgetItemFields,
        schemaVersion: z.literal(BUDGET_PARAMETER_SCHEMA_VERSION),
        revision: revisionSchema,
        updatedAt: z.iso.datetime(),
      },
      { error: unknownAttributeError([...Object.keys(budgetItemFields), 'schemaVersion', 'revision', 'updatedAt']) },
    )
    .check(z.refine(...withinNotificationLimit)),
);

export type BudgetParameter = BudgetItem & {
  schemaVersion: typeof BUDGET_PARAMETER_SCHEMA_VERSION;
  revision: string;
  updatedAt: string;
};

export function toBudgetParameter(item: BudgetItem, revision: string, updatedAt: Date): BudgetParameter {
  return { schemaVersion: BUDGET_PARAMETER_SCHEMA_VERSION, ...item, revision, updatedAt: updatedAt.toISOString() };
}

export function serializeBudgetParameter(parameter: BudgetParameter): string {
  return JSON.stringify(parameter);
}

export type BudgetParameterParse =
  { valid: true; parameter: BudgetParameter } | { valid: false; message: string; revision?: string };

/** Parses a parameter value; an unreadable document is reported, never thrown. */
export function parseBudgetParameter(value: string): BudgetParameterParse {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    return { valid: false, message: `parameter is not JSON: ${(error as Error).message}` };
  }
  const result = budgetParameterSchema.safeParse(json);
  if (result.success) {
    return { valid: true, parameter: result.data };
  }
  const revision = revisionSchema.safeParse((json as { revision?: unknown } | null)?.revision);
  return {
    valid: false,
    message: result.error.issues
      // A bad key of a map (a tag key) is a problem of the map, as in validateBudgetItem.
      .map((i) => `${(i.code === 'invalid_key' ? i.path.slice(0, -1) : i.path).join('.') || 'document'}: ${i.message}`)
      .join('; '),
    ...(revision.success ? { revision: revision.data } : {}),
  };
}

/** True when a parameter at `current` must not be replaced by `incoming` (stale or duplicate). */
export function isStaleOrDuplicate(incoming: string, current: string | undefined): boolean {
  return current !== undefined && compareRevisions(incoming, current) <= 0;
}
