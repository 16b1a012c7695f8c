import { z } from 'zod';

/**
 * A revision is the DynamoDB stream sequence number of the edit that produced it: a decimal
 * string that increases with every edit of an item. Too long for a JS number: compare as BigInt.
 */
export const revisionSchema = z.string().regex(/^\d{1,40}$/, { error: 'must be a decimal revision number' });

export function compareRevisions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
