import type { AttributeValue as LambdaAttributeValue } from 'aws-lambda';

/** An attribute value as it arrives in a DynamoDB stream record or from the SDK. */
export type StreamAttributeValue = LambdaAttributeValue;
export type StreamImage = Record<string, StreamAttributeValue>;

/**
 * Converts a stream image to plain values for validation: N becomes a JS number (a value too
 * large or too precise for one is then rejected by the contracts, never silently truncated
 * into a valid amount), SS/NS/BS become Sets, L lists, M objects, NULL null.
 */
export function itemFromStreamImage(image: StreamImage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) out[name] = fromAttributeValue(value);
  return out;
}

export function fromAttributeValue(value: StreamAttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return itemFromStreamImage(value.M);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  if (value.B !== undefined) return value.B;
  if (value.BS !== undefined) return new Set(value.BS);
  return undefined;
}

/**
 * A canonical string of an image without the given attributes: equal strings mean the same
 * item content, whatever order DynamoDB listed set members or map keys in.
 */
export function canonicalImage(image: StreamImage | undefined, without: readonly string[] = []): string {
  if (!image) return '';
  const canonical = (value: StreamAttributeValue): unknown => {
    if (value.L !== undefined) return { L: value.L.map(canonical) };
    if (value.M !== undefined) return { M: canonicalMap(value.M) };
    if (value.SS !== undefined) return { SS: [...value.SS].sort() };
    if (value.NS !== undefined) return { NS: [...value.NS].map(Number).sort((a, b) => a - b) };
    if (value.N !== undefined) return { N: Number(value.N) };
    return value;
  };
  const canonicalMap = (map: StreamImage): [string, unknown][] =>
    Object.keys(map)
      .filter((name) => !without.includes(name))
      .sort()
      .map((name) => [name, canonical(map[name] as StreamAttributeValue)]);
  return JSON.stringify(canonicalMap(image));
}
