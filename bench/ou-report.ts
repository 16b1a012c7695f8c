import type { CallRecord } from '@org-budgets/sandbox';

/** The calls of a run, counted by side (hub: the management account; spokes: the member accounts) and operation. */
/** What Lambda's event source mappings call to read the table's stream: not the functions' own calls. */
const STREAM_POLLING = new Set(['GetRecords', 'GetShardIterator', 'DescribeStream', 'ListStreams']);

export function countCalls(
  calls: readonly Pick<CallRecord, 'service' | 'operation' | 'accountId'>[],
  managementAccountId: string,
): { hub: Map<string, number>; spokes: Map<string, number>; polling: Map<string, number> } {
  const hub = new Map<string, number>();
  const spokes = new Map<string, number>();
  const polling = new Map<string, number>();
  for (const call of calls) {
    if (call.service === 'dynamodb' && STREAM_POLLING.has(call.operation)) {
      const name = `${call.service}:${call.operation}`;
      polling.set(name, (polling.get(name) ?? 0) + 1);
      continue;
    }
    // Calls signed with the management account's own keys carry no assumed account.
    const side = call.accountId === undefined || call.accountId === managementAccountId ? hub : spokes;
    const name = `${call.service}:${call.operation}`;
    side.set(name, (side.get(name) ?? 0) + 1);
  }
  return { hub, spokes, polling };
}

/** Lines of a call table, the most frequent operations first, with per-account figures. */
export function renderCalls(counts: Map<string, number>, accounts: number): string[] {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const rows = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [
    ...rows.map(
      ([name, n]) =>
        `    ${name.padEnd(44)} ${String(n).padStart(7)}   ${(n / Math.max(1, accounts)).toFixed(2)} per account`,
    ),
    `    ${'in all'.padEnd(44)} ${String(total).padStart(7)}   ${(total / Math.max(1, accounts)).toFixed(2)} per account`,
  ];
}

/** Seconds with one decimal, or "not reached". */
export function secondsOrNot(ms: number | undefined): string {
  return ms === undefined ? 'not reached' : `${(ms / 1000).toFixed(1)} s`;
}
