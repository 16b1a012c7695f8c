/** The figures `pnpm bench:hub` prints: injected latency per edit, the limit it sets, the table. */

/** A latency rule as far as the report needs it (the front door's LatencyRule fits). */
export interface DelayRule {
  service: string;
  operation?: string;
  delayMs: number;
  jitterMs?: number;
}

/** The mean delay `rules` inject into one call of `service:operation` (the first matching rule, as the front door picks). */
export function meanDelayMs(rules: readonly DelayRule[], service: string, operation: string): number {
  const rule = rules.find(
    (r) =>
      r.service.toLowerCase() === service.toLowerCase() &&
      (r.operation === undefined || r.operation.toLowerCase() === operation.toLowerCase()),
  );
  return rule ? rule.delayMs + (rule.jitterMs ?? 0) / 2 : 0;
}

/** Injected latency per record: the delays of every call made (`service:operation` → count), over the records. */
export function latencyPerRecordMs(
  calls: Record<string, number>,
  rules: readonly DelayRule[],
  records: number,
): number {
  if (records <= 0) return 0;
  let total = 0;
  for (const [key, count] of Object.entries(calls)) {
    const colon = key.indexOf(':');
    total += count * meanDelayMs(rules, key.slice(0, colon), key.slice(colon + 1));
  }
  return total / records;
}

/**
 * Records per second when nothing but the injected latency takes time: `concurrency` records in
 * flight, each `perRecordMs` long, one after the other (its calls are sequential). Infinity when
 * no latency is injected.
 */
export function latencyBoundLimit(concurrency: number, perRecordMs: number): number {
  return perRecordMs > 0 ? (concurrency * 1000) / perRecordMs : Infinity;
}

export interface BenchRow {
  upstream: string;
  concurrency: number;
  records: number;
  seconds: number;
  /** CPU time of the bench process (the handler, and the latency-only upstream when it runs there). */
  cpuSeconds: number;
  /** Calls made during the run, by `service:operation`. */
  calls: Record<string, number>;
}

/** The result table: one line per run, with its latency-bound limit and the share of it reached. */
export function renderRows(rows: readonly BenchRow[], rules: readonly DelayRule[]): string[] {
  const header = [
    'upstream',
    'concurrency',
    'records',
    'seconds',
    'CPU s',
    'records/s',
    'latency-bound limit',
    'of limit',
  ];
  const cells = rows.map((row) => {
    const perSecond = row.records / row.seconds;
    const limit = latencyBoundLimit(row.concurrency, latencyPerRecordMs(row.calls, rules, row.records));
    return [
      row.upstream,
      String(row.concurrency),
      String(row.records),
      row.seconds.toFixed(1),
      row.cpuSeconds.toFixed(1),
      perSecond.toFixed(1),
      Number.isFinite(limit) ? limit.toFixed(1) : '-',
      Number.isFinite(limit) ? `${((100 * perSecond) / limit).toFixed(0)}%` : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]) =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  return [line(header), ...cells.map(line)];
}

/** `sts:AssumeRole 1, ssm:GetParameter 1, …` per record, in the order first called. */
export function callsPerRecord(calls: Record<string, number>, records: number): string {
  return Object.entries(calls)
    .map(([key, count]) => `${key} ${Number((count / records).toFixed(2))}`)
    .join(', ');
}
