/**
 * pnpm bench:e2e — the whole pipeline on the local cloud, deployed as on AWS (hub by `serverless
 * deploy`, spokes by the StackSet, bundles run by the local Lambda runtime), with AWS-like
 * latency injected at the front door once deployed (STS 100 ms, SSM 30 ms, DynamoDB 10 ms,
 * Budgets 100 ms, EventBridge 20 ms by default).
 *
 * 1. Latency: `--edits` edits (200) over `--latency-accounts` accounts (20), one item each, each
 *    edit timed from the PutItem to its APPLIED being read from the table's stream (the watcher
 *    reads it every 50 ms): p50, p90, p99, max, for all edits, for the first edit of each account
 *    (its spoke's functions start cold) and for the later ones (warm). The first edits go one at a
 *    time, each once what the one before set off has ended (`--cold-apart 1`): on AWS an account's
 *    cold starts do not wait for other accounts' or share their CPU, where here 20 at once would
 *    queue for this machine's cores (`--cold-apart 0` sends them at the rate with the rest, to see
 *    that). The rest go at `--rate` edits per second (4), round the accounts.
 * 2. Bulk: one edit in each of `--accounts` accounts (500) at once: the time until all are APPLIED.
 *
 * For each run it also prints the AWS calls per edit by side (hub, spoke, the local cloud's own),
 * function and operation, counted at the front door by the role of the credentials; each
 * function's cold starts (the worker's Init Duration, process start + init, the wait for a turn)
 * and invocations, from the local Lambda runtime; and what else ran: the load average, the
 * runtime's limits, and whether the EventBridge rules' schedules ran.
 *
 * The schedules (the guardian's rate(5 minutes) in every spoke, the spoke's and the hub's hourly
 * checks) do not fire during the runs unless `--schedules 1`: they are not on an edit's path, and
 * on AWS each account's scheduled runs use hardware of their own, where here 500 accounts' runs
 * share this machine's cores. With `--schedules 1` they run on time, each rate rule's first firing
 * spread over its period by the runtime (as EventBridge does not fire every account's rule at
 * the same instant).
 *
 *   pnpm bench:e2e [--accounts 500] [--edits 200] [--rate 4] [--latency-accounts 20]
 *                  [--sts-ms 100] [--ssm-ms 30] [--ddb-ms 10] [--budgets-ms 100] [--events-ms 20]
 *                  [--max-workers 96] [--cold-starts <cores, at least 2>; 0 for no limit]
 *                  [--schedules 0|1] [--keep-logs 0|1] [--bulk-timeout-s 600] [--cold-apart 1|0]
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultMaxConcurrentColdStarts } from '@org-budgets/local-lambda';
import {
  itemKeyString,
  SPOKE_ROLE_NAME,
  startLocalCloud,
  type CallRecord,
  type ItemEdit,
  type LocalCloud,
  type SyncOutcome,
} from '@org-budgets/sandbox';
import {
  overtakenEdits,
  callsPerEdit,
  callTimes,
  coldStartRows,
  formatPercentiles,
  invocationRows,
  percentilesOf,
  renderCallsPerEdit,
  renderCallTimes,
  renderColdStartRows,
  renderInvocationRows,
  shortFunctionName,
  within,
  type CallOrigin,
} from './e2e-report';
import { awsLikeLatency, AWS_ASYNC_RETRY_DELAYS_MS } from './latency';
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
  'cold-starts': defaultMaxConcurrentColdStarts(),
  schedules: 0,
  'keep-logs': 0,
  'bulk-timeout-s': 600,
  'cold-apart': 1,
});
const { accounts, edits, rate } = options;
const latencyAccounts = Math.min(options['latency-accounts'], accounts);
const schedules = options.schedules > 0;
const coldApart = options['cold-apart'] > 0;
const latencyPlan = coldApart
  ? `${edits} edits over ${latencyAccounts} accounts: each account's first edit alone (its spoke cold, nothing else starting), the rest at ${rate}/s`
  : `${edits} edits at ${rate}/s over ${latencyAccounts} accounts (first edits included: their cold starts share the machine)`;
const latency = awsLikeLatency(options);

const started = Date.now();
const log = (message: string): void => {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
};
const seconds = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

interface LatencyResults {
  all: number[];
  first: number[];
  rest: number[];
  /** Edits whose wait ended at a later edit's APPLIED: no status of their own came (see overtakenEdits). */
  overtaken: number;
  /** Edits with no APPLIED within the wait's timeout. */
  unresolved: number;
}

async function latencyRun(cloud: LocalCloud): Promise<LatencyResults> {
  const targets = cloud.memberAccounts.slice(0, latencyAccounts);
  const gapMs = 1000 / rate;
  type Timed = { edit: ItemEdit; outcome: SyncOutcome | undefined; first: boolean };
  const pending: Promise<Timed>[] = [];
  const editsOf = new Map<string, number>();
  /** Puts the i-th edit; its APPLIED is waited for in the background (`waiting`). */
  const send = async (i: number): Promise<{ waiting: Promise<Timed> }> => {
    const accountId = targets[i % targets.length] as string;
    const n = (editsOf.get(accountId) ?? 0) + 1;
    editsOf.set(accountId, n);
    const edit = await cloud.putItem({ accountId, budgetName: 'bench', amount: 1000 + i });
    const waiting = cloud.waitForSync([edit.key], { since: edit.at, timeoutMs: 120_000 }).then(
      (outcomes) => ({ edit, outcome: outcomes.get(itemKeyString(edit.key)), first: n === 1 }),
      () => ({ edit, outcome: undefined, first: n === 1 }),
    );
    return { waiting };
  };
  let i = 0;
  if (coldApart) {
    // Each account's first edit alone, once what the one before set off has ended: on AWS one
    // account's cold starts do not wait for another's, here they would share two cores.
    for (; i < Math.min(targets.length, edits); i++) {
      const { waiting } = await send(i);
      await waiting;
      pending.push(waiting);
      await settle(cloud);
    }
    log(`latency run: ${i} first edits sent one at a time; the other ${edits - i} at ${rate}/s`);
  }
  const scheduleStart = Date.now();
  for (let k = 0; i < edits; i++, k++) {
    pending.push((await send(i)).waiting);
    // A steady schedule: the k-th edit goes out at k × gap, however long the put took.
    const wait = scheduleStart + (k + 1) * gapMs - Date.now();
    if (wait > 0) await new Promise((resolveWait) => setTimeout(resolveWait, wait));
  }
  const results = await Promise.all(pending);
  const applied = results.filter((r) => r.outcome?.status === 'APPLIED');
  const latencyOf = (r: { edit: ItemEdit; outcome: SyncOutcome | undefined }) =>
    (r.outcome?.statusSeenAt ?? 0) - r.edit.at;
  return {
    all: applied.map(latencyOf),
    first: applied.filter((r) => r.first).map(latencyOf),
    rest: applied.filter((r) => !r.first).map(latencyOf),
    overtaken: overtakenEdits(
      applied.map((r) => ({ item: itemKeyString(r.edit.key), revision: r.outcome?.revision ?? '' })),
    ),
    unresolved: results.length - applied.length,
  };
}

interface BulkResults {
  edits: number;
  /** Until the last edit seen APPLIED. */
  allMs: number;
  putMs: number;
  latencies: number[];
  delivered: number[];
  /** Edits not APPLIED within the timeout, by the last status seen. */
  unresolved: Map<string, number>;
}

async function bulkRun(cloud: LocalCloud): Promise<BulkResults> {
  const at = Date.now();
  const sent = await Promise.all(
    cloud.memberAccounts.map((accountId, i) => cloud.putItem({ accountId, budgetName: 'bulk', amount: 500 + i })),
  );
  const putMs = Date.now() - at;
  await cloud
    .waitForSync(
      sent.map((e) => e.key),
      { since: at, timeoutMs: options['bulk-timeout-s'] * 1000 },
    )
    .catch((error: unknown) =>
      log(`bulk run: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`),
    );
  const latencies: number[] = [];
  const delivered: number[] = [];
  const unresolved = new Map<string, number>();
  for (const edit of sent) {
    const statuses = cloud.watcher.item(edit.key)?.statuses ?? [];
    const appliedAt = statuses.find((s) => s.status === 'APPLIED')?.seenAt;
    const deliveredAt = statuses.find((s) => s.status === 'DELIVERED')?.seenAt;
    if (deliveredAt !== undefined) delivered.push(deliveredAt - edit.at);
    if (appliedAt !== undefined) latencies.push(appliedAt - edit.at);
    else {
      const last = statuses.at(-1)?.status ?? 'no status';
      unresolved.set(last, (unresolved.get(last) ?? 0) + 1);
    }
  }
  return { edits: sent.length, allMs: Math.max(0, ...latencies), putMs, latencies, delivered, unresolved };
}

/** Waits until the runtime is quiet, or says why it was not within 5 minutes and goes on. */
async function settle(cloud: LocalCloud): Promise<void> {
  await cloud.settled(300_000).catch((error: unknown) => log(`not settled: ${String(error)}`));
}

/** Role name → who made the call: each function's execution role, and the two roles the hub reaches spokes with. */
function callOrigins(cloud: LocalCloud): Map<string, CallOrigin> {
  const roles = new Map<string, CallOrigin>();
  for (const fn of cloud.runtime.functions()) {
    roles.set(fn.roleArn.slice(fn.roleArn.lastIndexOf('/') + 1), {
      side: fn.account === cloud.managementAccountId ? 'hub' : 'spoke',
      who: shortFunctionName(fn.functionName),
    });
  }
  roles.set(`org-budgets-${cloud.stage}-${cloud.region}-spoke-access`, { side: 'hub', who: 'spoke access role' });
  roles.set(SPOKE_ROLE_NAME, { side: 'hub', who: 'spoke role (in the member account)' });
  return roles;
}

interface Phase {
  from: number;
  to: number;
  edits: number;
  calls: CallRecord[];
  loadBefore: string;
  loadAfter: string;
}

/** What ran during a phase, from the front door's and the runtime's records. */
function phaseReport(cloud: LocalCloud, phase: Phase, roles: Map<string, CallOrigin>): string {
  const indent = '                    ';
  const coldStarts = within(cloud.runtime.coldStarts(), phase.from, phase.to);
  const invocations = within(cloud.runtime.invocations(), phase.from, phase.to);
  return [
    `  load average      ${phase.loadBefore} before, ${phase.loadAfter} after (1, 5, 15 min; the whole machine)`,
    `  AWS calls / edit  (${phase.calls.length} calls at the front door, ${phase.edits} edits, by the role of the credentials)`,
    ...renderCallsPerEdit(callsPerEdit(phase.calls, roles, phase.edits), indent),
    `  time at the door  (the operations that took the most in all; a call's time beyond its injected delay is moto's or the machine's)`,
    ...renderCallTimes(callTimes(phase.calls), indent),
    `  cold starts       (local Lambda runtime)`,
    ...renderColdStartRows(coldStartRows(coldStarts), indent),
    `  invocations       (local Lambda runtime; what ran beside the edits included)`,
    ...renderInvocationRows(invocationRows(invocations), indent),
  ].join('\n');
}

async function main(): Promise<void> {
  const workDir = options['keep-logs'] > 0 ? mkdtempSync(join(tmpdir(), 'bench-e2e-')) : undefined;
  log(`starting the local cloud with ${accounts} member accounts${workDir ? ` (logs kept in ${workDir})` : ''}`);
  const cloud = await startLocalCloud({
    memberAccounts: accounts,
    progress: (message) => log(message),
    scheduleTimers: schedules,
    ...(workDir ? { workDir } : {}),
    runtime: {
      maxWorkerProcesses: options['max-workers'],
      maxConcurrentColdStarts: options['cold-starts'],
      spreadRateSchedules: true,
      asyncRetryDelaysMs: AWS_ASYNC_RETRY_DELAYS_MS,
    },
  });
  try {
    cloud.frontDoor.setLatency(latency);
    log(`latency injected: ${latency.map((r) => `${r.service} ${r.delayMs} ms`).join(', ')}`);
    log(
      `failed asynchronous invocations retried after ${AWS_ASYNC_RETRY_DELAYS_MS.map((ms) => `${ms / 1000} s`).join(' and ')}, as on AWS`,
    );
    const roles = callOrigins(cloud);
    await settle(cloud);

    log(`latency run: ${latencyPlan} (load ${load()})`);
    cloud.frontDoor.clearCalls();
    const latencyFrom = Date.now();
    const latencyLoad = load();
    const latencies = await latencyRun(cloud);
    log(`latency run done in ${seconds(Date.now() - latencyFrom)}; waiting for what the edits set off`);
    await settle(cloud);
    const latencyPhase: Phase = {
      from: latencyFrom,
      to: Date.now(),
      edits,
      calls: cloud.frontDoor.calls(),
      loadBefore: latencyLoad,
      loadAfter: load(),
    };

    log(`bulk run: one edit in each of ${cloud.memberAccounts.length} accounts at once (load ${load()})`);
    cloud.frontDoor.clearCalls();
    const bulkFrom = Date.now();
    const bulkLoad = load();
    const bulk = await bulkRun(cloud);
    log(
      `bulk run: ${bulk.latencies.length} APPLIED, the last after ${seconds(bulk.allMs)}; waiting for what the edits set off`,
    );
    await settle(cloud);
    const bulkPhase: Phase = {
      from: bulkFrom,
      to: Date.now(),
      edits: bulk.edits,
      calls: cloud.frontDoor.calls(),
      loadBefore: bulkLoad,
      loadAfter: load(),
    };
    const [stats] = cloud.runtime.streamStats();
    const deadLetters = await cloud.hubDeadLetterCount();

    const t = cloud.timings;
    const gate = cloud.runtime.coldStartGate;
    console.log(
      `
org-budgets end to end on the local cloud (${accounts} member accounts; latency ${latency.map((r) => `${r.service} ${r.delayMs} ms`).join(', ')})
  machine           ${availableParallelism()} cores; other processes on it are not this bench's (see the load averages)
  local runtime     at most ${options['max-workers']} worker processes; ${gate ? `at most ${gate.max} cold starts at once, the rest queued, the management account's and the member accounts' in turn (longest queue ${gate.peakWaiting})` : 'cold starts not limited'}
  schedules         ${schedules ? "on time: the spokes' rate(5 minutes) guardian and hourly checks, the hub's hourly reconciler; each rate rule's first firing spread over its period" : "off during the runs (the spokes' rate(5 minutes) guardian and hourly checks and the hub's hourly reconciler fire only when fired): only the edits and what they set off run"}
  deploy            start ${seconds(t['total'])}: hub serverless deploy ${seconds(t['hub deploy'])}, spoke StackSet build ${seconds(t['spoke build'])} (alongside),
                    organization ${seconds(t['organization'])}, StackSet rollout ${seconds(t['spoke rollout'])}, runtime start ${seconds(t['runtime start'])},
                    custom resources ${seconds(t['custom resources'])} (a Create to every spoke's GuardianQueuesRelease, each a cold start, as CloudFormation sends)

1. latency run: ${latencyPlan}
  edit → APPLIED    all: ${formatPercentiles(percentilesOf(latencies.all))}${latencies.unresolved > 0 ? `; ${latencies.unresolved} not APPLIED within 120 s` : ''}
                    ${latencies.overtaken} edit(s) saw APPLIED only with a later edit of their item (no status of their own came: see the hub's record-spoke-status log)
                    cold (first edit of each account: its spoke's functions start cold): ${formatPercentiles(percentilesOf(latencies.first))}
                    warm (later edits): ${formatPercentiles(percentilesOf(latencies.rest))}
${phaseReport(cloud, latencyPhase, roles)}

2. bulk run: ${bulk.edits} accounts edited at once (every spoke cold)
  all APPLIED       ${bulk.unresolved.size === 0 ? 'after' : `NOT ALL within ${options['bulk-timeout-s']} s: ${[...bulk.unresolved].map(([status, n]) => `${n} ${status}`).join(', ')}; the last APPLIED after`} ${seconds(bulk.allMs)} (puts took ${seconds(bulk.putMs)})
  edit → APPLIED    ${formatPercentiles(percentilesOf(bulk.latencies))}
  edit → DELIVERED  (hub done, spoke not yet) ${formatPercentiles(percentilesOf(bulk.delivered))}
${phaseReport(cloud, bulkPhase, roles)}

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
