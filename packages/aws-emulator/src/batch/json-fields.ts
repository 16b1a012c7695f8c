/**
 * Reading JSON of unknown shape (requests, and moto's answers, which write `null` for absent
 * fields) into typed values, with AWS Batch's ClientException for a field of the wrong type.
 */
import { clientException } from './batch-errors';

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object, or an empty one for null and anything that is not an object. */
export function asRecord(value: unknown): JsonRecord {
  return isRecord(value) ? value : {};
}

/** The value without its null and undefined fields (moto writes absent fields as null). */
export function withoutNulls(value: JsonRecord): JsonRecord {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null && field !== undefined));
}

/** A required non-empty string field of a request. */
export function requiredString(input: JsonRecord, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw clientException(`${name} must be provided`);
  return value;
}

/** An optional string field of a request (null counts as absent). */
export function optionalString(input: JsonRecord, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw clientException(`${name} must be a string`);
  return value;
}

/** An optional number field of a request (null counts as absent). */
export function optionalNumber(input: JsonRecord, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw clientException(`${name} must be a number`);
  return value;
}

/** An optional boolean field of a request (null counts as absent). */
export function optionalBoolean(input: JsonRecord, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw clientException(`${name} must be a boolean`);
  return value;
}

/** An optional map of strings (tags, parameters). */
export function optionalStringMap(input: JsonRecord, name: string): Record<string, string> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || Object.values(value).some((entry) => typeof entry !== 'string')) {
    throw clientException(`${name} must be a map of strings`);
  }
  return { ...(value as Record<string, string>) };
}

/** An optional list of strings. */
export function optionalStringList(input: JsonRecord, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw clientException(`${name} must be a list of strings`);
  }
  return [...(value as string[])];
}

/** An optional list of objects. */
export function optionalRecordList(input: JsonRecord, name: string): JsonRecord[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isRecord)) throw clientException(`${name} must be a list of objects`);
  return value.map((entry) => ({ ...entry }));
}
