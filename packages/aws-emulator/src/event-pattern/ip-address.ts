/**
 * IPv4 / IPv6 parsing and CIDR ranges for the `cidr` operator of EventBridge event patterns.
 * Addresses are held as bigints so that both families share one code path.
 */

export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

export interface CidrRange {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly mask: bigint;
}

const IPV4_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are rejected: "010" is octal to some parsers and decimal to others.
    if (!IPV4_OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6Groups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] ?? '';
    if (i === parts.length - 1 && part.includes('.')) {
      // An IPv4 tail, as in ::ffff:192.0.2.1
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else {
      if (!IPV6_GROUP.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseIpv6Groups(halves[0] ?? '');
    const tail = parseIpv6Groups(halves[1] ?? '');
    if (head === undefined || tail === undefined) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseIpv6Groups(text);
    if (all === undefined) return undefined;
    groups = all;
  }
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Parses a textual IPv4 or IPv6 address; `undefined` when the text is not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses `address/bits`; throws an Error with a readable reason when the text is not a CIDR block. */
export function parseCidr(text: string): CidrRange {
  const pieces = text.split('/');
  if (pieces.length !== 2) throw new Error(`Malformed CIDR, one '/' required: ${text}`);
  const [addressText = '', bitsText = ''] = pieces;
  if (!/^\d{1,3}$/.test(bitsText)) throw new Error(`Malformed CIDR, mask bits must be an integer: ${text}`);
  const address = parseIpAddress(addressText);
  if (address === undefined) throw new Error(`Nonstandard IP address: ${addressText}`);
  const width = address.family === 4 ? 32 : 128;
  const bits = Number(bitsText);
  if (bits > width) throw new Error(`Malformed CIDR, mask bits must be between 0 and ${width}: ${text}`);
  const all = (1n << BigInt(width)) - 1n;
  const mask = (all << BigInt(width - bits)) & all;
  // Host bits, as in 10.0.0.1/24, are masked off rather than rejected.
  return { family: address.family, network: address.value & mask, mask };
}

export function cidrContains(range: CidrRange, text: string): boolean {
  const address = parseIpAddress(text);
  return address !== undefined && address.family === range.family && (address.value & range.mask) === range.network;
}
