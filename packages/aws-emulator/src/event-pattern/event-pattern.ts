/**
 * Amazon EventBridge event patterns, for the local cloud (moto's TestEventPattern is a stub and its rules match
 * nothing, so the local runtime routes events itself).
 *
 * `parseEventPattern` validates a pattern the way EventBridge does (PutRule / TestEventPattern answer
 * InvalidEventPatternException) and `matchesEventPattern` tells whether an event matches it. The semantics follow
 * the EventBridge user guide ("Amazon EventBridge event patterns", "Content filtering" / "Comparison operators",
 * "Arrays", "Null values and empty strings") and, where the guide is silent, Event Ruler, the open-source engine
 * EventBridge uses:
 *
 * - every field of the pattern must match (AND); any value of a field's array may match (OR);
 * - when the event holds an array, any element may match; objects inside arrays match element by element (a match
 *   never combines fields from different elements of the same array);
 * - a pattern matches leaves only: an object in the event is not a value, so `exists` is false on it;
 * - `null` matches a JSON null, never a missing field; `""` never matches null;
 * - numbers are compared as numbers, to six decimal places (the documented precision);
 * - keys with dots are joined paths: `{"a.b": …}` and `{"a": {"b": …}}` are the same pattern, in events too;
 * - when a key appears twice in a JSON pattern (or in one `$or` branch and outside it) the last one wins.
 */
import { cidrContains, parseCidr, type CidrRange } from './ip-address';
import { compileWildcard, type WildcardMatcher } from './wildcard';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

export type ScalarPatternValue = string | number | boolean | null;

export interface IgnoreCaseOperand {
  readonly 'equals-ignore-case': string;
}

export type AnythingButOperand =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

export type MatchExpression =
  | { readonly prefix: string | IgnoreCaseOperand }
  | { readonly suffix: string | IgnoreCaseOperand }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': AnythingButOperand }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly cidr: string };

export type PatternValue = ScalarPatternValue | MatchExpression;

/** An event pattern: each field holds a nested pattern or an array of values; `$or` holds alternatives. */
export interface EventPattern {
  readonly $or?: readonly EventPattern[];
  readonly [field: string]: EventPattern | readonly PatternValue[] | readonly EventPattern[] | undefined;
}

/** Thrown for a pattern EventBridge would refuse with InvalidEventPatternException. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
  /** Why the pattern is refused, without the location. */
  readonly reason: string;
  /** Where in the pattern, e.g. `detail.state[0]`; empty for the whole pattern. */
  readonly path: string;

  constructor(reason: string, path = '') {
    super(`Event pattern is not valid. Reason: ${reason}${path === '' ? '' : ` (at ${path})`}`);
    this.reason = reason;
    this.path = path;
  }
}

/** EventBridge refuses a pattern whose `$or`s expand to more combinations than this. */
export const MAX_OR_COMBINATIONS = 1000;

/** Numeric matching works on numbers in this range (documented as -5.0e9 to +5.0e9 inclusive). */
const NUMERIC_LIMIT = 5e9;

// ---------------------------------------------------------------------------------------------------------------
// Compiled form
// ---------------------------------------------------------------------------------------------------------------

type Condition =
  | { readonly kind: 'equals'; readonly value: ScalarPatternValue }
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'wildcard'; readonly matcher: WildcardMatcher }
  | { readonly kind: 'anything-but'; readonly strings: ReadonlySet<string>; readonly numbers: readonly number[] }
  | { readonly kind: 'anything-but-string'; readonly excludes: (value: string) => boolean }
  | { readonly kind: 'numeric'; readonly bounds: readonly NumericBound[] }
  | { readonly kind: 'exists'; readonly value: boolean }
  | { readonly kind: 'cidr'; readonly range: CidrRange };

interface NumericBound {
  readonly op: '=' | '<' | '<=' | '>' | '>=';
  readonly micros: number;
}

/** The pattern as written, validated: fields in their written order, `$or` unexpanded. */
interface PatternObject {
  readonly entries: readonly PatternEntry[];
}

type PatternEntry =
  | { readonly kind: 'leaf'; readonly segments: readonly string[]; readonly conditions: readonly Condition[] }
  | { readonly kind: 'object'; readonly segments: readonly string[]; readonly body: PatternObject }
  | { readonly kind: 'or'; readonly alternatives: readonly PatternObject[] };

/**
 * One `$or`-free branch of the pattern as a tree of path segments. A node may hold both leaf conditions and
 * children (`{"a": [1], "a.b": [2]}`), as the flattened fields `a` and `a.b` of EventBridge would.
 */
interface PatternNode {
  leaf: readonly Condition[] | undefined;
  readonly children: Map<string, PatternNode>;
  /** True when every condition below this node is `exists: false`, which absence alone satisfies. */
  childrenAbsenceOnly: boolean;
}

interface CompiledPattern {
  readonly branches: readonly PatternNode[];
}

// ---------------------------------------------------------------------------------------------------------------
// Validation and compilation
// ---------------------------------------------------------------------------------------------------------------

const OPERATORS: ReadonlySet<string> = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);
const NUMERIC_OPERATORS: ReadonlySet<string> = new Set(['=', '<', '<=', '>', '>=']);
const ANYTHING_BUT_OPERATORS: ReadonlySet<string> = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function compileObject(raw: Record<string, unknown>, path: string, insideOr: boolean): PatternObject {
  const keys = Object.keys(raw);
  if (keys.length === 0) throw new InvalidEventPatternError('Empty objects are not allowed', path);
  const entries: PatternEntry[] = [];
  for (const key of keys) {
    const value = raw[key];
    const here = fieldPath(path, key);
    if (key === '$or') {
      entries.push({ kind: 'or', alternatives: compileOr(value, here) });
      continue;
    }
    if (insideOr && OPERATORS.has(key)) {
      throw new InvalidEventPatternError(
        `"${key}" is a matching keyword and cannot be used as a field name inside $or; ` +
          `wrap match expressions in a field's array, e.g. { "field": [ { "${key}": … } ] }`,
        here,
      );
    }
    const segments = key.split('.');
    if (Array.isArray(value)) {
      entries.push({ kind: 'leaf', segments, conditions: compileValues(value, here) });
    } else if (isRecord(value)) {
      entries.push({ kind: 'object', segments, body: compileObject(value, here, insideOr) });
    } else {
      const hint = OPERATORS.has(key)
        ? `; a match expression must be inside an array, e.g. [ { "${key}": ${JSON.stringify(value) ?? '…'} } ]`
        : `; to match a value write [ ${JSON.stringify(value) ?? '…'} ]`;
      throw new InvalidEventPatternError(`"${key}" must be an object or an array, not ${describe(value)}${hint}`, here);
    }
  }
  return { entries };
}

function compileOr(value: unknown, path: string): PatternObject[] {
  if (!Array.isArray(value)) {
    throw new InvalidEventPatternError(`$or must be an array of at least 2 objects, not ${describe(value)}`, path);
  }
  if (value.length < 2) {
    throw new InvalidEventPatternError(
      `There must be at least 2 objects in $or, found ${value.length}; without alternatives write the fields directly`,
      path,
    );
  }
  return value.map((alternative: unknown, index) => {
    const here = `${path}[${index}]`;
    if (!isRecord(alternative)) {
      throw new InvalidEventPatternError(
        `Only JSON objects are allowed in the $or array, found ${describe(alternative)}`,
        here,
      );
    }
    return compileObject(alternative, here, true);
  });
}

function compileValues(values: readonly unknown[], path: string): Condition[] {
  if (values.length === 0) throw new InvalidEventPatternError('Empty arrays are not allowed', path);
  return values.map((value, index) => {
    const here = `${path}[${index}]`;
    if (typeof value === 'string' || typeof value === 'boolean' || value === null) return { kind: 'equals', value };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new InvalidEventPatternError('Match value must be a finite number', here);
      return { kind: 'equals', value };
    }
    if (isRecord(value)) return compileMatchExpression(value, here);
    throw new InvalidEventPatternError(
      `Match value must be String, number, true, false, null or a match expression object, not ${describe(value)}`,
      here,
    );
  });
}

function requireString(value: unknown, what: string, path: string): string {
  if (typeof value !== 'string') {
    throw new InvalidEventPatternError(`${what} match pattern must be a string, not ${describe(value)}`, path);
  }
  return value;
}

function compileMatchExpression(expression: Record<string, unknown>, path: string): Condition {
  const keys = Object.keys(expression);
  const [operator] = keys;
  if (operator === undefined) throw new InvalidEventPatternError('Empty match expression: name an operator', path);
  if (keys.length > 1) {
    throw new InvalidEventPatternError(
      `Only one key allowed in match expression, found ${keys.map((k) => `"${k}"`).join(', ')}`,
      path,
    );
  }
  const operand = expression[operator];
  const here = fieldPath(path, operator);
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      if (isRecord(operand)) {
        const inner = Object.keys(operand);
        if (inner.length !== 1 || inner[0] !== 'equals-ignore-case') {
          throw new InvalidEventPatternError(
            `Unsupported ${operator} pattern ${JSON.stringify(operand)}: only { "equals-ignore-case": "…" } may be nested`,
            here,
          );
        }
        const value = requireString(operand['equals-ignore-case'], `${operator}/equals-ignore-case`, here);
        return { kind: operator, value, ignoreCase: true };
      }
      return { kind: operator, value: requireString(operand, operator, here), ignoreCase: false };
    }
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', value: requireString(operand, 'equals-ignore-case', here) };
    case 'wildcard':
      return { kind: 'wildcard', matcher: compileWildcardOperand(operand, here) };
    case 'anything-but':
      return compileAnythingBut(operand, here);
    case 'numeric':
      return { kind: 'numeric', bounds: compileNumeric(operand, here) };
    case 'exists':
      if (typeof operand !== 'boolean') {
        throw new InvalidEventPatternError(
          `exists match pattern must be either true or false, not ${describe(operand)}`,
          here,
        );
      }
      return { kind: 'exists', value: operand };
    case 'cidr': {
      const text = requireString(operand, 'cidr', here);
      try {
        return { kind: 'cidr', range: parseCidr(text) };
      } catch (error) {
        throw new InvalidEventPatternError((error as Error).message, here);
      }
    }
    default:
      throw new InvalidEventPatternError(
        `Unrecognized match type ${operator}; known types are ${[...OPERATORS].join(', ')}`,
        path,
      );
  }
}

function compileWildcardOperand(operand: unknown, path: string): WildcardMatcher {
  const text = requireString(operand, 'wildcard', path);
  try {
    return compileWildcard(text);
  } catch (error) {
    throw new InvalidEventPatternError((error as Error).message, path);
  }
}

function compileAnythingBut(operand: unknown, path: string): Condition {
  if (typeof operand === 'string') return { kind: 'anything-but', strings: new Set([operand]), numbers: [] };
  if (typeof operand === 'number') return { kind: 'anything-but', strings: new Set(), numbers: [operand] };
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw new InvalidEventPatternError('The anything-but list must not be empty', path);
    const strings = operand.filter((v): v is string => typeof v === 'string');
    const numbers = operand.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (strings.length + numbers.length !== operand.length) {
      throw new InvalidEventPatternError(
        'Inside an anything-but list only strings or numbers are allowed (not null, booleans, objects or arrays)',
        path,
      );
    }
    if (strings.length > 0 && numbers.length > 0) {
      throw new InvalidEventPatternError(
        'Inside an anything-but list either all values are numbers or all are strings; mixed types are not supported',
        path,
      );
    }
    return { kind: 'anything-but', strings: new Set(strings), numbers };
  }
  if (isRecord(operand)) {
    const keys = Object.keys(operand);
    const [inner] = keys;
    if (inner === undefined || keys.length > 1 || !ANYTHING_BUT_OPERATORS.has(inner)) {
      throw new InvalidEventPatternError(
        `Unsupported anything-but pattern ${JSON.stringify(operand)}: use one of ` +
          `${[...ANYTHING_BUT_OPERATORS].join(', ')}, or a string, a number or a list`,
        path,
      );
    }
    const here = fieldPath(path, inner);
    const raw = operand[inner];
    const list: unknown[] = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) throw new InvalidEventPatternError(`The anything-but ${inner} list must not be empty`, here);
    const texts = list.map((item) => requireString(item, `anything-but/${inner}`, here));
    let excludes: (value: string) => boolean;
    switch (inner) {
      case 'prefix':
      case 'suffix': {
        if (texts.some((text) => text === '')) {
          throw new InvalidEventPatternError(
            `Null ${inner} not allowed in anything-but: "" would exclude every string`,
            here,
          );
        }
        excludes =
          inner === 'prefix'
            ? (value) => texts.some((text) => value.startsWith(text))
            : (value) => texts.some((text) => value.endsWith(text));
        break;
      }
      case 'equals-ignore-case': {
        const folded = new Set(texts.map(foldCase));
        excludes = (value) => folded.has(foldCase(value));
        break;
      }
      default: {
        const matchers = texts.map((text) => compileWildcardOperand(text, here));
        excludes = (value) => matchers.some((matcher) => matcher(value));
      }
    }
    return { kind: 'anything-but-string', excludes };
  }
  throw new InvalidEventPatternError(
    `Value of anything-but must be a string, a number, a list of strings or numbers, or an object ` +
      `such as { "prefix": "…" }, not ${describe(operand)}`,
    path,
  );
}

function numericOperand(value: unknown, op: string, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidEventPatternError(`Value of ${op} must be numeric, not ${describe(value)}`, path);
  }
  if (Math.abs(value) > NUMERIC_LIMIT) {
    throw new InvalidEventPatternError(
      `Value of ${op} must be between -5.0e9 and +5.0e9 inclusive (numeric matching range), not ${value}`,
      path,
    );
  }
  return value;
}

function compileNumeric(operand: unknown, path: string): NumericBound[] {
  if (!Array.isArray(operand)) {
    throw new InvalidEventPatternError(`Value of numeric must be an array, not ${describe(operand)}`, path);
  }
  const terms: readonly unknown[] = operand;
  const [first, firstValue, second, secondValue] = terms;
  if (typeof first !== 'string') {
    throw new InvalidEventPatternError(
      `Invalid member in numeric match: ${JSON.stringify(first) ?? 'nothing'}; expected an operator (=, <, <=, >, >=)`,
      path,
    );
  }
  if (!NUMERIC_OPERATORS.has(first)) {
    throw new InvalidEventPatternError(`Unrecognized numeric range operator: ${first}; use =, <, <=, > or >=`, path);
  }
  const low = numericOperand(firstValue, first, path);
  const bounds: NumericBound[] = [{ op: first as NumericBound['op'], micros: toMicros(low) }];
  if (terms.length === 2) return bounds;
  if (first !== '>' && first !== '>=') {
    throw new InvalidEventPatternError(
      `Too many elements in numeric expression: only a range that starts with > or >= may have a second operator`,
      path,
    );
  }
  if (typeof second !== 'string') {
    throw new InvalidEventPatternError(`Bad value in numeric range: ${JSON.stringify(second) ?? 'nothing'}`, path);
  }
  if (second !== '<' && second !== '<=') {
    throw new InvalidEventPatternError(`Bad numeric range operator: ${second}; a range ends with < or <=`, path);
  }
  const high = numericOperand(secondValue, second, path);
  if (terms.length > 4) throw new InvalidEventPatternError('Too many terms in numeric range expression', path);
  if (high <= low)
    throw new InvalidEventPatternError(`Bottom must be less than top (${low} is not below ${high})`, path);
  bounds.push({ op: second, micros: toMicros(high) });
  return bounds;
}

/** Counts the `$or`-free branches a pattern expands into (what EventBridge calls rule combinations). */
function countCombinations(object: PatternObject): number {
  let count = 1;
  for (const entry of object.entries) {
    if (entry.kind === 'object') count *= countCombinations(entry.body);
    else if (entry.kind === 'or') count *= entry.alternatives.reduce((sum, alt) => sum + countCombinations(alt), 0);
    if (count > MAX_OR_COMBINATIONS) return count;
  }
  return count;
}

function newNode(): PatternNode {
  return { leaf: undefined, children: new Map(), childrenAbsenceOnly: true };
}

function cloneNode(node: PatternNode): PatternNode {
  const children = new Map<string, PatternNode>();
  for (const [segment, child] of node.children) children.set(segment, cloneNode(child));
  return { leaf: node.leaf, children, childrenAbsenceOnly: true };
}

function nodeAt(root: PatternNode, segments: readonly string[]): PatternNode {
  let node = root;
  for (const segment of segments) {
    let child = node.children.get(segment);
    if (child === undefined) {
      child = newNode();
      node.children.set(segment, child);
    }
    node = child;
  }
  return node;
}

/** Expands `$or` into branches, in written order; a later mention of the same field replaces an earlier one. */
function expand(object: PatternObject, prefix: readonly string[], branches: PatternNode[]): PatternNode[] {
  let current = branches;
  for (const entry of object.entries) {
    if (entry.kind === 'leaf') {
      for (const branch of current) nodeAt(branch, [...prefix, ...entry.segments]).leaf = entry.conditions;
    } else if (entry.kind === 'object') {
      current = expand(entry.body, [...prefix, ...entry.segments], current);
    } else {
      current = entry.alternatives.flatMap((alternative) => expand(alternative, prefix, current.map(cloneNode)));
    }
  }
  return current;
}

/** Fills in `childrenAbsenceOnly`; returns whether the node and everything below it is `exists: false` only. */
function markAbsenceOnly(node: PatternNode): boolean {
  let childrenAbsenceOnly = true;
  for (const child of node.children.values()) {
    if (!markAbsenceOnly(child)) childrenAbsenceOnly = false;
  }
  node.childrenAbsenceOnly = childrenAbsenceOnly;
  const leafAbsenceOnly = node.leaf?.every((c) => c.kind === 'exists' && !c.value) ?? true;
  return childrenAbsenceOnly && leafAbsenceOnly;
}

function compile(raw: unknown): CompiledPattern {
  if (!isRecord(raw)) throw new InvalidEventPatternError(`Filter is not an object: the pattern is ${describe(raw)}`);
  const object = compileObject(raw, '', false);
  const combinations = countCombinations(object);
  if (combinations > MAX_OR_COMBINATIONS) {
    throw new InvalidEventPatternError(
      `The $or in this pattern expand to more than ${MAX_OR_COMBINATIONS} rule combinations ` +
        `(multiply the number of alternatives of each $or)`,
    );
  }
  const branches = expand(object, [], [newNode()]);
  for (const branch of branches) markAbsenceOnly(branch);
  return { branches };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Patterns returned by parseEventPattern (deep-frozen copies) and their compiled form. */
const compiledPatterns = new WeakMap<object, CompiledPattern>();

/**
 * Parses and validates an event pattern given as JSON text or as an object. Throws InvalidEventPatternError for a
 * pattern EventBridge would refuse. The result is a deep-frozen copy whose compiled form is kept for matching.
 */
export function parseEventPattern(json: string | object): EventPattern {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (error) {
      throw new InvalidEventPatternError(`Filter is not valid JSON: ${(error as Error).message}`);
    }
  }
  const compiled = compile(raw);
  // A valid pattern holds only JSON values, so a JSON round trip is an exact deep copy.
  const pattern = deepFreeze(JSON.parse(JSON.stringify(raw)) as EventPattern);
  compiledPatterns.set(pattern, compiled);
  return pattern;
}

// ---------------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------------

const MISSING = Symbol('missing');
type Scalar = string | number | boolean | null;

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

/** Numbers as integer millionths: the documented precision is six digits right of the decimal point. */
function toMicros(value: number): number {
  return Math.round(value * 1e6);
}

function inNumericRange(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= NUMERIC_LIMIT;
}

function numbersEqual(a: number, b: number): boolean {
  return a === b || (inNumericRange(a) && inNumericRange(b) && toMicros(a) === toMicros(b));
}

function satisfiesBound(micros: number, bound: NumericBound): boolean {
  switch (bound.op) {
    case '=':
      return micros === bound.micros;
    case '<':
      return micros < bound.micros;
    case '<=':
      return micros <= bound.micros;
    case '>':
      return micros > bound.micros;
    case '>=':
      return micros >= bound.micros;
  }
}

function testCondition(condition: Condition, value: Scalar): boolean {
  switch (condition.kind) {
    case 'equals':
      return typeof condition.value === 'number'
        ? typeof value === 'number' && numbersEqual(value, condition.value)
        : value === condition.value;
    case 'prefix':
      return (
        typeof value === 'string' &&
        (condition.ignoreCase
          ? foldCase(value).startsWith(foldCase(condition.value))
          : value.startsWith(condition.value))
      );
    case 'suffix':
      return (
        typeof value === 'string' &&
        (condition.ignoreCase ? foldCase(value).endsWith(foldCase(condition.value)) : value.endsWith(condition.value))
      );
    case 'equals-ignore-case':
      return typeof value === 'string' && foldCase(value) === foldCase(condition.value);
    case 'wildcard':
      return typeof value === 'string' && condition.matcher(value);
    case 'anything-but':
      // Only a value of the listed kind can be excluded: anything-but "x" matches 5, null and true.
      if (typeof value === 'string') return !condition.strings.has(value);
      if (typeof value === 'number') return !condition.numbers.some((n) => numbersEqual(n, value));
      return true;
    case 'anything-but-string':
      return typeof value !== 'string' || !condition.excludes(value);
    case 'numeric': {
      if (typeof value !== 'number' || !inNumericRange(value)) return false;
      const micros = toMicros(value);
      return condition.bounds.every((bound) => satisfiesBound(micros, bound));
    }
    case 'cidr':
      return typeof value === 'string' && cidrContains(condition.range, value);
    case 'exists':
      return true; // decided on the whole field in matchLeaf
  }
}

function collectLeaves(value: unknown, into: Scalar[]): void {
  if (Array.isArray(value)) {
    for (const element of value) collectLeaves(element, into);
  } else if (isScalar(value)) {
    into.push(value);
  }
  // Objects (and Maps) are intermediate nodes, not values; anything that is not JSON counts as absent.
}

function matchLeaf(conditions: readonly Condition[], value: unknown): boolean {
  const leaves: Scalar[] = [];
  if (value !== MISSING) collectLeaves(value, leaves);
  return conditions.some((condition) =>
    condition.kind === 'exists'
      ? leaves.length > 0 === condition.value
      : leaves.some((leaf) => testCondition(condition, leaf)),
  );
}

function childOf(value: unknown, segment: string): unknown {
  if (value instanceof Map) return value.has(segment) ? value.get(segment) : MISSING;
  if (isRecord(value) && Object.hasOwn(value, segment)) {
    const child = value[segment];
    return child === undefined ? MISSING : child;
  }
  return MISSING;
}

function flattenElements(array: readonly unknown[], into: unknown[] = []): unknown[] {
  for (const element of array) {
    if (Array.isArray(element)) flattenElements(element, into);
    else into.push(element);
  }
  return into;
}

function matchNode(node: PatternNode, value: unknown): boolean {
  if (node.leaf !== undefined && !matchLeaf(node.leaf, value)) return false;
  return node.children.size === 0 || matchChildren(node, value);
}

function matchChildren(node: PatternNode, value: unknown): boolean {
  if (Array.isArray(value)) {
    // One element must match all the fields below (array consistency). A sub-pattern of `exists: false` only
    // asks that the field be absent, so it must hold in every element.
    const elements = flattenElements(value);
    return node.childrenAbsenceOnly
      ? elements.every((element) => matchChildren(node, element))
      : elements.some((element) => matchChildren(node, element));
  }
  for (const [segment, child] of node.children) {
    if (!matchNode(child, childOf(value, segment))) return false;
  }
  return true;
}

function hasDottedKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasDottedKey);
  if (!isRecord(value)) return false;
  return Object.entries(value).some(([key, child]) => key.includes('.') || hasDottedKey(child));
}

function mergeInto(map: Map<string, unknown>, key: string, value: unknown): void {
  if (!map.has(key)) {
    map.set(key, value);
    return;
  }
  const existing = map.get(key);
  if (existing instanceof Map && value instanceof Map) {
    for (const [k, v] of value as Map<string, unknown>) mergeInto(existing as Map<string, unknown>, k, v);
    return;
  }
  // Two values at one path (`{"a.b": 1, "a": {"b": 2}}`) act as the values of an array.
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  map.set(key, [...list(existing), ...list(value)]);
}

/** Splits dotted keys of the event into nested maps, since EventBridge joins paths with dots. */
function splitDottedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(splitDottedKeys);
  if (!isRecord(value)) return value;
  const result = new Map<string, unknown>();
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const segments = key.split('.');
    let nested: unknown = splitDottedKeys(child);
    for (let i = segments.length - 1; i >= 1; i -= 1) nested = new Map([[segments[i] ?? '', nested]]);
    mergeInto(result, segments[0] ?? '', nested);
  }
  return result;
}

/**
 * Whether the event (a parsed JSON value, as EventBridge receives it) matches the pattern. A pattern that did not
 * come from parseEventPattern is validated on each call and may throw InvalidEventPatternError.
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  const compiled = compiledPatterns.get(pattern) ?? compile(pattern);
  const root = hasDottedKey(event) ? splitDottedKeys(event) : event;
  return compiled.branches.some((branch) => matchChildren(branch, root));
}
