import * as z from 'zod/mini';
import { onFirstUse } from './on-first-use';

/**
 * What an item's `accountId` may name (docs/organization-defaults.md): a member account (12
 * digits), or — for an organization default — an organizational unit (`ou-…`) or the
 * organization's root (`r-…`), spelled as AWS Organizations spells their ids.
 */
export type BudgetTargetKind = 'account' | 'ou' | 'root';

/** AWS Organizations' id patterns (the API reference of OrganizationalUnit.Id and Root.Id). */
export const OU_ID_PATTERN = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
export const ROOT_ID_PATTERN = /^r-[0-9a-z]{4,32}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/** The kind of target an `accountId` names, or undefined when it names none. */
export function budgetTargetKind(id: unknown): BudgetTargetKind | undefined {
  if (typeof id !== 'string') return undefined;
  if (ACCOUNT_ID_PATTERN.test(id)) return 'account';
  if (OU_ID_PATTERN.test(id)) return 'ou';
  if (ROOT_ID_PATTERN.test(id)) return 'root';
  return undefined;
}

/** True for the id of an OU or of the root: the item is an organization default. */
export function isDefaultTarget(id: unknown): boolean {
  const kind = budgetTargetKind(id);
  return kind === 'ou' || kind === 'root';
}

/** How messages name a target: `account 123456789012`, `OU ou-…` or `the root r-…` (as given when it names none). */
export function describeTarget(id: string): string {
  const kind = budgetTargetKind(id);
  if (kind === 'ou') return `OU ${id}`;
  if (kind === 'root') return `the root ${id}`;
  return `account ${id}`;
}

/** An OU id or the root id (the target of an organization default, or an item's `inheritedFrom`). */
export const defaultTargetSchema = onFirstUse(() =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : 'must be an OU id (ou-…) or the root id (r-…) of the organization (text)',
    })
    .check(
      z.refine(isDefaultTarget, {
        error: (issue) =>
          `must be an OU id such as ou-ab12-cdef3456 or the root id such as r-ab12, got ${JSON.stringify(issue.input)}`,
      }),
    ),
);
