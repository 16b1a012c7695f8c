/**
 * pnpm bench:e2e — the whole pipeline on the local cloud, deployed as on AWS (hub by `serverless
 * deploy`, spokes by the StackSet, bundles run by the local Lambda runtime), with AWS-like
 * latency injected at the front door once deployed (STS 100 ms, SSM 30 ms, DynamoDB 10 ms,
 * Budgets 100 ms, EventBridge 20 ms by default).
 *
 * 1. Latency: `--edits` edits (200) at `--rate` edits per second (4) spread over `--latency-accounts`
 *    accounts (20), one item each, each edit timed from the PutItem to its APPLIED being read
 *    from the table's stream (the watcher reads it every 50 ms): p50, p90, p99, max.
 * 2. Bulk: one edit in each of `--accounts` accounts (500) at once: the time until all are APPLIED.
 *
 *   pnpm bench:e2e [--accounts 500] [--edits 200] [--rate 4] [--latency-accounts 20]
 *                  [--sts-ms 100] [--ssm-ms 30] [--ddb-ms 10] [--budgets-ms 100] [--events-ms 20]
 *                  [--max-workers 96]
 */
import { EventEmitter } from 'node:events';
import {
  itemKeyString,
  startLocalCloud,
  type ItemEdit,
  type LatencyRule,
  type LocalCloud,
  type SyncOutcome,
} from '@org-budgets/sandbox';
import { numberOptions } from './options';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The front door's injected delays each listen on one AbortSignal: hundreds at once are expected.
EventEmitter.defaultMaxListeners = 1000;

const options = numberOptions({
  accounts: 500,
  edits: 200,
  rate: 4,
  'latency-accounts': 20,
  'sts-ms': 100,
  'ssm-ms': 30,
  'ddb-ms': 10,
  'budgets-ms': 100,
  'events-ms': 20,
  'max-workers': 96,
});
const { accounts, edits, rate } = options;
const latencyAccounts = Math.min(options['latency-accounts'], accounts);
const latency: LatencyRule[] = [
  { service: 'sts', delayMs: options['sts-ms'] },
  { service: 'ssm', delayMs: options['ssm-ms'] },
  { service: 'dynamodb', delayMs: options['ddb-ms'] },
  { service: 'budgets', delayMs: options['budgets-ms'] },
  { service: 'events', delayMs: options['events-ms'] },
];

const started = Date.now();
const log = (message: string): void => {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
};
const seconds = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
function summary(latencies: readonly number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50)} ms, p90 ${percentile(sorted, 90)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1) ?? 0} ms`;
}

async function latencyRun(cloud: LocalCloud): Promise<{ all: number[]; first: number[]; rest: number[] }> {
  const targets = cloud.memberAccounts.slice(0, latencyAccounts);
  const gapMs = 1000 / rate;
  const pending: Promise<{ edit: ItemEdit; outcome: SyncOutcome; first: boolean }>[] = [];
  const editsOf = new Map<string, number>();
  const scheduleStart = Date.now();
  for (let i = 0; i < edits; i++) {
    const accountId = targets[i % targets.length] as string;
    const n = (editsOf.get(accountId) ?? 0) + 1;
    editsOf.set(accountId, n);
    const edit = await cloud.putItem({ accountId, budgetName: 'bench', amount: 1000 + i });
    pending.push(
      cloud.waitForSync([edit.key], { since: edit.at, timeoutMs: 120_000 }).then((outcomes) => ({
        edit,
        outcome: outcomes.get(itemKeyString(edit.key)) as SyncOutcome,
        first: n === 1,
      })),
    );
    // A steady schedule: the i-th edit goes out at i × gap, however long the put took.
    const wait = scheduleStart + (i + 1) * gapMs - Date.now();
    if (wait > 0) await new Promise((resolveWait) => setTimeout(resolveWait, wait));
  }
  const results = await Promise.all(pending);
  const bad = results.filter((r) => r.outcome.status !== 'APPLIED');
  if (bad.length > 0) throw new Error(`${bad.length} edit(s) did not end APPLIED: ${bad[0]?.outcome.status ?? ''}`);
  const latencyOf = (r: { edit: ItemEdit; outcome: SyncOutcome }) => r.outcome.statusSeenAt - r.edit.at;
  return {
    all: results.map(latencyOf),
    first: results.filter((r) => r.first).map(latencyOf),
    rest: results.filter((r) => !r.first).map(latencyOf),
  };
}

async function bulkRun(
  cloud: LocalCloud,
): Promise<{ allMs: number; putMs: number; latencies: number[]; delivered: number[] }> {
  const at = Date.now();
  const sent = await Promise.all(
    cloud.memberAccounts.map((accountId, i) => cloud.putItem({ accountId, budgetName: 'bulk', amount: 500 + i })),
  );
  const putMs = Date.now() - at;
  const outcomes = await cloud.waitForSync(
    sent.map((e) => e.key),
    { since: at, timeoutMs: 900_000 },
  );
  const allMs = Date.now() - at;
  const bad = [...outcomes.values()].filter((o) => o.status !== 'APPLIED');
  if (bad.length > 0) throw new Error(`${bad.length} bulk edit(s) did not end APPLIED: ${bad[0]?.status ?? ''}`);
  return {
    allMs,
    putMs,
    latencies: sent.map((e) => (outcomes.get(itemKeyString(e.key))?.statusSeenAt ?? 0) - e.at),
    // When the hub had written each parameter (DELIVERED), before the spoke applied it.
    delivered: sent.flatMap((e) => {
      const seenAt = cloud.watcher.item(e.key)?.statuses.find((x) => x.status === 'DELIVERED')?.seenAt;
      return seenAt === undefined ? [] : [seenAt - e.at];
    }),
  };
}

async function main(): Promise<void> {
  log(`starting the local cloud with ${accounts} member accounts`);
  const cloud = await startLocalCloud({
    memberAccounts: accounts,
    progress: (message) => log(message),
    runtime: { maxWorkerProcesses: options['max-workers'] },
  });
  try {
    cloud.frontDoor.setLatency(latency);
    log(`latency injected: ${latency.map((r) => `${r.service} ${r.delayMs} ms`).join(', ')}`);

    log(`latency run: ${edits} edits at ${rate}/s over ${latencyAccounts} accounts`);
    const runStart = Date.now();
    const latencies = await latencyRun(cloud);
    log(`latency run done in ${seconds(Date.now() - runStart)}`);

    log(`bulk run: one edit in each of ${cloud.memberAccounts.length} accounts at once`);
    const bulk = await bulkRun(cloud);
    await cloud.settled(300_000);
    const [stats] = cloud.runtime.streamStats();
    const deadLetters = await cloud.hubDeadLetterCount();

    const t = cloud.timings;
    console.log(
      `
org-budgets end to end on the local cloud (${accounts} member accounts; latency ${latency.map((r) => `${r.service} ${r.delayMs} ms`).join(', ')})
  deploy            start ${seconds(t['total'])}: hub serverless deploy ${seconds(t['hub deploy'])}, spoke StackSet build ${seconds(t['spoke build'])} (alongside),
                    organization ${seconds(t['organization'])}, StackSet rollout ${seconds(t['spoke rollout'])}, runtime start ${seconds(t['runtime start'])}
  edit → APPLIED    ${edits} edits at ${rate}/s over ${latencyAccounts} accounts: ${summary(latencies.all)}
                    first edit of each account (cold spoke): ${summary(latencies.first)}
                    later edits (warm): ${summary(latencies.rest)}
  bulk              ${bulk.latencies.length} accounts edited at once: all APPLIED after ${seconds(bulk.allMs)} (puts took ${seconds(bulk.putMs)});
                    edit → APPLIED ${summary(bulk.latencies)}
                    edit → DELIVERED (hub done, spoke not yet) ${summary(bulk.delivered)}
  records           stream ${stats?.recordsIn ?? 0} in, ${stats?.processed ?? 0} processed, ${stats?.deadLettered ?? 0} dead-lettered; hub DLQ ${deadLetters}; ` +
        `async failures ${cloud.runtime.asyncFailures.length}; undelivered events ${cloud.runtime.deadLetters.length}`,
    );
  } finally {
    log('stopping');
    await cloud.stop();
  }
  log('done');
}

main().catch((error: unknown) => {
  console.error(`bench:e2e failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
