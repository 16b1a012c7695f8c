import { createHash } from 'node:crypto';

/**
 * The digest the hub records for a parameter value it wrote (the item's `delivered.digest`):
 * SHA-256 of the exact value, hex. A spoke parameter whose value has another digest is not what
 * the hub wrote, whatever revision it claims.
 */
export function parameterDigest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
