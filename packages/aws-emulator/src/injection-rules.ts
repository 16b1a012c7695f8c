import type { CallInfo } from './aws-call';
import type { AwsErrorSpec } from './aws-error';

/** Delays forwarding of matching calls by `delayMs` plus a random 0..`jitterMs`. */
export interface LatencyRule {
  /** Signing name as in the SigV4 scope: 'sts', 'ssm', 'dynamodb' (streams too), ... */
  service: string;
  /** Operation name ('AssumeRole'); every operation of the service when left out. */
  operation?: string;
  /** Only calls made with credentials of this account (see CallInfo.accountId). */
  accountId?: string;
  delayMs: number;
  jitterMs?: number;
}

/** Answers matching calls with an AWS error instead of forwarding them. */
export interface FaultRule {
  service: string;
  operation?: string;
  /** Only calls made with credentials of this account (see CallInfo.accountId). */
  accountId?: string;
  error: AwsErrorSpec;
  /** Fires at most this many times; unlimited when left out. */
  times?: number;
  /** Fires with this probability (0..1) on each matching call; always when left out. */
  probability?: number;
  /**
   * Serializable body filter: every key must equal the same top-level field of the parsed
   * body, e.g. `{ RoleArn: 'arn:aws:iam::111111111111:role/Spoke' }` for STS AssumeRole.
   */
  matchBody?: Record<string, string | number | boolean>;
  /** Any further test on the call (not available through the control API or env). */
  match?: (call: CallInfo) => boolean;
}

/** The parts of a FaultRule that travel as JSON (control API, env). */
export type SerializableFaultRule = Omit<FaultRule, 'match'>;

export function matchesTarget(
  rule: { service: string; operation?: string; accountId?: string },
  call: CallInfo,
): boolean {
  if (rule.service.toLowerCase() !== call.service.toLowerCase()) return false;
  if (rule.accountId !== undefined && rule.accountId !== call.accountId) return false;
  return rule.operation === undefined || rule.operation.toLowerCase() === call.operation.toLowerCase();
}

export function matchesBody(expected: FaultRule['matchBody'], body: unknown): boolean {
  if (expected === undefined) return true;
  if (typeof body !== 'object' || body === null) return false;
  const fields = body as Record<string, unknown>;
  return Object.entries(expected).every(([key, value]) => {
    const actual = fields[key];
    // Query-protocol bodies carry every value as a string.
    return actual === value || (typeof actual === 'string' && actual === String(value));
  });
}

/** Picks the delay for a call from the first matching rule; 0 when none matches. */
export function pickDelayMs(rules: readonly LatencyRule[], call: CallInfo, random = Math.random): number {
  const rule = rules.find((candidate) => matchesTarget(candidate, call));
  if (!rule) return 0;
  return rule.delayMs + (rule.jitterMs ? Math.floor(random() * rule.jitterMs) : 0);
}

/** Validates latency rules from JSON (control API, env); throws a descriptive error. */
export function parseLatencyRules(value: unknown, source: string): LatencyRule[] {
  return asRuleArray(value, source).map((item, index) => {
    const where = `${source}[${index}]`;
    const rule = asObject(item, where);
    checkKnownKeys(rule, ['service', 'operation', 'accountId', 'delayMs', 'jitterMs'], where);
    return {
      service: requireString(rule.service, `${where}.service`),
      ...optional('operation', optionalString(rule.operation, `${where}.operation`)),
      ...optional('accountId', optionalString(rule.accountId, `${where}.accountId`)),
      delayMs: requireNumber(rule.delayMs, `${where}.delayMs`, 0),
      ...optional('jitterMs', optionalNumber(rule.jitterMs, `${where}.jitterMs`, 0)),
    };
  });
}

/** Validates fault rules from JSON (control API, env); throws a descriptive error. */
export function parseFaultRules(value: unknown, source: string): SerializableFaultRule[] {
  return asRuleArray(value, source).map((item, index) => {
    const where = `${source}[${index}]`;
    const rule = asObject(item, where);
    checkKnownKeys(rule, ['service', 'operation', 'accountId', 'error', 'times', 'probability', 'matchBody'], where);
    const error = asObject(rule.error, `${where}.error`);
    checkKnownKeys(error, ['code', 'message', 'httpStatus'], `${where}.error`);
    const probability = optionalNumber(rule.probability, `${where}.probability`, 0);
    if (probability !== undefined && probability > 1) throw new Error(`${where}.probability must be at most 1`);
    return {
      service: requireString(rule.service, `${where}.service`),
      ...optional('operation', optionalString(rule.operation, `${where}.operation`)),
      ...optional('accountId', optionalString(rule.accountId, `${where}.accountId`)),
      error: {
        code: requireString(error.code, `${where}.error.code`),
        message: requireString(error.message, `${where}.error.message`),
        httpStatus: requireInteger(error.httpStatus, `${where}.error.httpStatus`, 400, 599),
      },
      ...optional('times', rule.times === undefined ? undefined : requireInteger(rule.times, `${where}.times`, 0)),
      ...optional('probability', probability),
      ...optional('matchBody', optionalMatchBody(rule.matchBody, `${where}.matchBody`)),
    };
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Accepts an array of rules or `{ "rules": [...] }`. */
function asRuleArray(value: unknown, source: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { rules?: unknown }).rules)) {
    return (value as { rules: unknown[] }).rules;
  }
  throw new Error(`${source} must be an array of rules or { "rules": [...] }`);
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function checkKnownKeys(object: Record<string, unknown>, known: string[], where: string): void {
  const unknown = Object.keys(object).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${where} has unknown field(s): ${unknown.join(', ')}`);
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${where} must be a non-empty string`);
  return value;
}

function optionalString(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : requireString(value, where);
}

function requireNumber(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new Error(`${where} must be a number >= ${min}`);
  }
  return value;
}

function optionalNumber(value: unknown, where: string, min: number): number | undefined {
  return value === undefined ? undefined : requireNumber(value, where, min);
}

function requireInteger(value: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${where} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function optionalMatchBody(value: unknown, where: string): FaultRule['matchBody'] {
  if (value === undefined) return undefined;
  const object = asObject(value, where);
  for (const [key, field] of Object.entries(object)) {
    if (!['string', 'number', 'boolean'].includes(typeof field)) {
      throw new Error(`${where}.${key} must be a string, number or boolean`);
    }
  }
  return object as Record<string, string | number | boolean>;
}
