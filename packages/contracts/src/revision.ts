import * as z from 'zod/mini';
import { onFirstUse } from './on-first-use';

/**
 * A revision is the DynamoDB stream sequence number of the edit that produced it: a decimal
 * string that increases with every edit of an item. Too long for a JS number: compare as BigInt.
 * Revisions are stored on items as DynamoDB numbers, which hold at most 38 significant digits:
 * a longer one could never be recorded, so it is refused wherever one arrives.
 */
export const MAX_REVISION_DIGITS = 38;
export const revisionSchema = onFirstUse(() =>
  z
    .string()
    .check(
      z.regex(/^\d{1,38}$/, { error: `must be a decimal revision number of at most ${MAX_REVISION_DIGITS} digits` }),
    ),
);

export function compareRevisions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
