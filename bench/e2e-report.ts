/**
 * The pure half of `pnpm bench:e2e` (bench/e2e.ts): percentiles of edit latencies, the AWS calls
 * per edit by side, function and operation (from the front door's call records), each function's
 * cold starts and invocations (from the local Lambda runtime's records), and their text.
 */

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The nearest-rank percentile `p` (0–100) of ascending `sorted`; NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export function percentilesOf(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Seconds with two decimals: `1.24 s`. */
export const seconds2 = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** `p50 1.24 s, p90 1.44 s, p99 1.49 s, max 1.89 s (200)`. */
export function formatPercentiles(p: Percentiles): string {
  if (p.count === 0) return 'none';
  return `p50 ${seconds2(p.p50)}, p90 ${seconds2(p.p90)}, p99 ${seconds2(p.p99)}, max ${seconds2(p.max)} (${p.count})`;
}

/** The last part of a deployed function's name: `org-budgets-spoke-local-applyBudget` → `applyBudget`. */
export function shortFunctionName(functionName: string): string {
  return functionName.slice(functionName.lastIndexOf('-') + 1);
}

export type Side = 'hub' | 'spoke' | 'local cloud';

/** Who made a call: the side and the function (or role) whose credentials it carried. */
export interface CallOrigin {
  side: Side;
  who: string;
}

/** A front-door call record as far as the report needs it (CallRecord fits). */
export interface CallLike {
  service: string;
  operation: string;
  roleName?: string;
  startedAt: number;
}

/**
 * The origin of a call by the role its credentials are a session of (`roles`: role name → origin,
 * e.g. each function's execution role, the hub's spoke access role, the spoke role the hub
 * assumes); calls with other credentials are the local cloud's own (the runtime getting a
 * function's credentials, reading the stream, delivering events; the bench's edits and watcher).
 */
export function originOf(call: CallLike, roles: ReadonlyMap<string, CallOrigin>): CallOrigin {
  const known = call.roleName === undefined ? undefined : roles.get(call.roleName);
  return known ?? { side: 'local cloud', who: call.roleName ?? 'static credentials' };
}

export interface CallRow extends CallOrigin {
  /** `service:Operation`. */
  operation: string;
  calls: number;
  perEdit: number;
}

const SIDE_ORDER: Record<Side, number> = { hub: 0, spoke: 1, 'local cloud': 2 };

/** Calls counted by side, who and operation, each also per edit; hub first, then spoke, then the local cloud's own. */
export function callsPerEdit(
  calls: readonly CallLike[],
  roles: ReadonlyMap<string, CallOrigin>,
  edits: number,
): CallRow[] {
  const rows = new Map<string, CallRow>();
  for (const call of calls) {
    const origin = originOf(call, roles);
    const operation = `${call.service}:${call.operation}`;
    const key = `${origin.side}\u0000${origin.who}\u0000${operation}`;
    const row = rows.get(key) ?? { ...origin, operation, calls: 0, perEdit: 0 };
    row.calls += 1;
    row.perEdit = edits > 0 ? row.calls / edits : Number.NaN;
    rows.set(key, row);
  }
  return [...rows.values()].sort(
    (a, b) =>
      SIDE_ORDER[a.side] - SIDE_ORDER[b.side] ||
      a.who.localeCompare(b.who) ||
      b.calls - a.calls ||
      a.operation.localeCompare(b.operation),
  );
}

/**
 * One line per side and who: the total per edit, then each operation's per edit (two decimals),
 * e.g. `hub    propagateBudgetEdits  3.00/edit: dynamodb:GetItem 1.00, dynamodb:UpdateItem 1.00, …`.
 */
export function renderCallsPerEdit(rows: readonly CallRow[], indent = ''): string[] {
  const groups = new Map<string, CallRow[]>();
  for (const row of rows) {
    const key = `${row.side}\u0000${row.who}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const whoWidth = Math.max(0, ...[...groups.values()].map((group) => group[0]!.who.length));
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const total = group.reduce((sum, row) => sum + row.perEdit, 0);
    const operations = group.map((row) => `${row.operation} ${row.perEdit.toFixed(2)}`).join(', ');
    return `${indent}${first.side.padEnd(11)} ${first.who.padEnd(whoWidth)}  ${total.toFixed(2)}/edit: ${operations}`;
  });
}

/** A cold start as the local runtime records it (ColdStartRecord fits). */
export interface ColdStartLike {
  functionName: string;
  at: number;
  slotWaitMs: number;
  credentialsMs: number;
  queuedMs: number;
  startMs: number;
  initMs: number | undefined;
}

export interface ColdStartRow {
  functionName: string;
  count: number;
  /** The worker's Init Duration (bundle loaded): median and max. */
  initMedianMs: number;
  initMaxMs: number;
  /** Process start and bundle load (fork → ready): median and max. */
  startMedianMs: number;
  startMaxMs: number;
  /** Waiting for a turn among the cold starts and for a worker slot: median and max. */
  waitMedianMs: number;
  waitMaxMs: number;
}

function medianOf(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const maxOf = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : Math.max(...values));

/** Cold starts by function (short name), the most first. */
export function coldStartRows(records: readonly ColdStartLike[]): ColdStartRow[] {
  const byFunction = new Map<string, ColdStartLike[]>();
  for (const record of records) {
    const name = shortFunctionName(record.functionName);
    byFunction.set(name, [...(byFunction.get(name) ?? []), record]);
  }
  return [...byFunction.entries()]
    .map(([functionName, group]) => {
      const inits = group.flatMap((r) => (r.initMs === undefined ? [] : [r.initMs]));
      const starts = group.map((r) => r.startMs);
      const waits = group.map((r) => r.queuedMs + r.slotWaitMs);
      return {
        functionName,
        count: group.length,
        initMedianMs: medianOf(inits),
        initMaxMs: maxOf(inits),
        startMedianMs: medianOf(starts),
        startMaxMs: maxOf(starts),
        waitMedianMs: medianOf(waits),
        waitMaxMs: maxOf(waits),
      };
    })
    .sort((a, b) => b.count - a.count || a.functionName.localeCompare(b.functionName));
}

const ms0 = (value: number): string => (Number.isNaN(value) ? '—' : `${Math.round(value)} ms`);

export function renderColdStartRows(rows: readonly ColdStartRow[], indent = ''): string[] {
  const width = Math.max(0, ...rows.map((row) => row.functionName.length));
  return rows.map(
    (row) =>
      `${indent}${row.functionName.padEnd(width)}  ${String(row.count).padStart(4)} cold starts: init median ${ms0(row.initMedianMs)}, max ${ms0(row.initMaxMs)}; ` +
      `process start + init median ${ms0(row.startMedianMs)}, max ${ms0(row.startMaxMs)}; waited for a turn median ${ms0(row.waitMedianMs)}, max ${ms0(row.waitMaxMs)}`,
  );
}

/** An ended invocation as the local runtime records it (InvocationRecord fits). */
export interface InvocationLike {
  functionName: string;
  at: number;
  durationMs: number;
  coldStart: boolean;
}

export interface InvocationRow {
  functionName: string;
  invocations: number;
  coldStarts: number;
  durationMedianMs: number;
  /** Sum of the durations: how much of the machine the function held (ms). */
  busyMs: number;
}

/** Invocations by function (short name), the most first. */
export function invocationRows(records: readonly InvocationLike[]): InvocationRow[] {
  const byFunction = new Map<string, InvocationLike[]>();
  for (const record of records) {
    const name = shortFunctionName(record.functionName);
    byFunction.set(name, [...(byFunction.get(name) ?? []), record]);
  }
  return [...byFunction.entries()]
    .map(([functionName, group]) => ({
      functionName,
      invocations: group.length,
      coldStarts: group.filter((r) => r.coldStart).length,
      durationMedianMs: medianOf(group.map((r) => r.durationMs)),
      busyMs: group.reduce((sum, r) => sum + r.durationMs, 0),
    }))
    .sort((a, b) => b.invocations - a.invocations || a.functionName.localeCompare(b.functionName));
}

export function renderInvocationRows(rows: readonly InvocationRow[], indent = ''): string[] {
  const width = Math.max(0, ...rows.map((row) => row.functionName.length));
  return rows.map(
    (row) =>
      `${indent}${row.functionName.padEnd(width)}  ${String(row.invocations).padStart(5)} invocations (${row.coldStarts} cold), ` +
      `median ${ms0(row.durationMedianMs)}, ${(row.busyMs / 1000).toFixed(1)} s in all`,
  );
}

/** The records whose time (`at` or `startedAt`) is within [from, to]. */
export function within<T extends { at: number } | { startedAt: number }>(
  records: readonly T[],
  from: number,
  to: number,
): T[] {
  return records.filter((record) => {
    const time = 'at' in record ? record.at : record.startedAt;
    return time >= from && time <= to;
  });
}

/** A front-door call record with its timing (CallRecord fits). */
export interface TimedCallLike extends CallLike {
  durationMs?: number;
  delayedMs: number;
}

export interface CallTimeRow {
  /** `service:Operation`. */
  operation: string;
  calls: number;
  /** Time at the front door, the injected delay included: median, p99, sum (ms). */
  medianMs: number;
  p99Ms: number;
  totalMs: number;
  /** Of which injected (the mean delay of a call). */
  delayMeanMs: number;
}

/**
 * Where the calls' time went at the front door, by operation, the most total time first: what
 * moto (or the front door's own services) took beyond the injected delay shows as median − delay.
 */
export function callTimes(calls: readonly TimedCallLike[], top = 8): CallTimeRow[] {
  const byOperation = new Map<string, TimedCallLike[]>();
  for (const call of calls) {
    if (call.durationMs === undefined) continue;
    const key = `${call.service}:${call.operation}`;
    byOperation.set(key, [...(byOperation.get(key) ?? []), call]);
  }
  return [...byOperation.entries()]
    .map(([operation, group]) => {
      const durations = group.map((call) => call.durationMs as number);
      const sorted = [...durations].sort((a, b) => a - b);
      return {
        operation,
        calls: group.length,
        medianMs: medianOf(durations),
        p99Ms: percentile(sorted, 99),
        totalMs: durations.reduce((sum, value) => sum + value, 0),
        delayMeanMs: group.reduce((sum, call) => sum + call.delayedMs, 0) / group.length,
      };
    })
    .sort((a, b) => b.totalMs - a.totalMs || a.operation.localeCompare(b.operation))
    .slice(0, top);
}

export function renderCallTimes(rows: readonly CallTimeRow[], indent = ''): string[] {
  const width = Math.max(0, ...rows.map((row) => row.operation.length));
  return rows.map(
    (row) =>
      `${indent}${row.operation.padEnd(width)}  ${String(row.calls).padStart(6)} calls: median ${ms0(row.medianMs)} (${ms0(row.delayMeanMs)} injected), p99 ${ms0(row.p99Ms)}`,
  );
}

/**
 * How many edits ended their wait at a later edit's APPLIED: a wait for an edit ends at the first
 * APPLIED of the item's latest revision, so edits of one item that resolved with the same revision
 * all but one got no status of their own (e.g. the hub refused the spoke's report, and its retries).
 */
export function overtakenEdits(outcomes: readonly { item: string; revision: string }[]): number {
  const seen = new Set<string>();
  let overtaken = 0;
  for (const { item, revision } of outcomes) {
    const key = `${item}\u0000${revision}`;
    if (seen.has(key)) overtaken += 1;
    else seen.add(key);
  }
  return overtaken;
}
