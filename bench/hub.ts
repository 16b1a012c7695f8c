/**
 * pnpm bench:hub — throughput of propagate-budget-edits, with AWS latency injected (STS 100 ms,
 * SSM 30 ms by default), against two upstreams:
 *
 * - moto behind the local-cloud front door: 1,000 edits across 1,000 accounts are written to the
 *   table, read from the moto stream and run through the real handler, each run on a fresh moto.
 *   moto answers on one Python thread, a few ms of CPU per call: this row measures moto.
 * - the latency-only upstream (bench/hub-upstream.ts): the same edits as stream records, the same
 *   five calls per edit answered after the injected latency only, so that calls overlap freely,
 *   as on AWS: this row measures the hub's concurrency.
 *
 * Each runs in batches of the event source mapping's size, with the deployed concurrency and one
 * record at a time. Prints records per second, the latency-bound limit (concurrency × 1 / the
 * injected latency per record) and the share of it reached, and the speed-up on each upstream.
 *
 *   pnpm bench:hub [--edits 1000] [--concurrency 32] [--batch-size 100] [--sts-ms 100] [--ssm-ms 30] [--ddb-ms 0]
 *                  [--moto 1] [--latency-only 1]      (0 leaves that upstream's rows out)
 *                  [--upstream-in-worker 1]           (0 serves the latency-only upstream from the bench's thread)
 *                  [--warm-up 300]                    (untimed edits before each latency-only run; 0: none)
 */
import { budgetParameterName } from '@org-budgets/contracts';
import type { LatencyRule } from '@org-budgets/sandbox';
import { budgetItemRecord, streamEvent } from '@org-budgets/test-fixtures';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { createPropagateHandler } from '../services/hub/src/functions/propagate-budget-edits/create-handler';
import { HubSandbox, SPOKE_EXTERNAL_ID, SPOKE_ROLE_NAME } from '../test/support/hub-sandbox';
import { startLatencyOnlyUpstream, useUpstreamEnvironment } from './hub-upstream';
import { callsPerRecord, latencyBoundLimit, latencyPerRecordMs, renderRows, type BenchRow } from './hub-report';
import { numberOptions } from './options';

const options = numberOptions({
  edits: 1000,
  concurrency: 32,
  'batch-size': 100,
  'sts-ms': 100,
  'ssm-ms': 30,
  'ddb-ms': 0,
  moto: 1,
  'latency-only': 1,
  'upstream-in-worker': 1,
  'warm-up': 300,
});
const { edits, concurrency } = options;
const batchSize = options['batch-size'];
const latency: LatencyRule[] = [
  { service: 'sts', delayMs: options['sts-ms'] },
  { service: 'ssm', delayMs: options['ssm-ms'] },
  { service: 'dynamodb', operation: 'UpdateItem', delayMs: options['ddb-ms'] },
];
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

const accounts = Array.from({ length: edits }, (_, i) => String(100000000000 + i));
const warmUpAccounts = Array.from({ length: options['warm-up'] }, (_, i) => String(200000000000 + i));

const item = (accountId: string, i: number) => ({
  accountId,
  budgetName: 'compute',
  amount: 1000 + i,
  emails: ['finance@example.com'],
});

async function runOnMoto(maxConcurrency: number): Promise<BenchRow> {
  const mode = `moto, concurrency ${maxConcurrency}`;
  log(`[${mode}] starting moto and the front door, creating ${edits} spoke accounts`);
  const sandbox = await HubSandbox.start({
    spokeAccounts: accounts,
    tableName: 'org-budgets-bench',
    latency,
    batchSize,
  });
  try {
    for (const [i, accountId] of accounts.entries()) await sandbox.putItem(item(accountId, i));
    const records = await sandbox.readStream();
    log(`[${mode}] ${records.length} stream records read`);
    const handler = createPropagateHandler({
      tableName: sandbox.tableName,
      spokeRoleName: SPOKE_ROLE_NAME,
      spokeExternalId: SPOKE_EXTERNAL_ID,
      partition: 'aws',
      maxConcurrency,
      alertsTopicArn: sandbox.alertsTopicArn,
    });
    sandbox.frontDoor.clearCalls();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    let failed = 0;
    for (let offset = 0; offset < records.length; offset += batchSize) {
      const result = await sandbox.runHandler(handler, records.slice(offset, offset + batchSize));
      failed += result.failedRecords.length;
      progress(mode, Math.min(offset + batchSize, records.length), records.length, started);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpuBefore);
    process.stderr.write('\n');
    const calls: Record<string, number> = {};
    for (const call of sandbox.frontDoor.calls()) {
      const key = `${call.service}:${call.operation}`;
      calls[key] = (calls[key] ?? 0) + 1;
    }
    let delivered = 0;
    for (const accountId of accounts) {
      if ((await sandbox.getSync(accountId, 'compute'))?.['status'] === 'DELIVERED') delivered += 1;
    }
    check(mode, failed, delivered);
    return {
      upstream: 'moto + front door',
      concurrency: maxConcurrency,
      records: records.length,
      seconds,
      cpuSeconds,
      calls,
    };
  } finally {
    await sandbox.stop();
  }
}

const TABLE_NAME = 'org-budgets-bench';
const REGION = 'us-east-1';
const context = {
  functionName: 'org-budgets-hub-local-propagateBudgetEdits',
  awsRequestId: 'local',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

async function runLatencyOnly(maxConcurrency: number): Promise<BenchRow> {
  const mode = `latency-only, concurrency ${maxConcurrency}`;
  const upstream = await startLatencyOnlyUpstream({
    tableName: TABLE_NAME,
    spokeRoleName: SPOKE_ROLE_NAME,
    externalId: SPOKE_EXTERNAL_ID,
    latency,
    inWorker: options['upstream-in-worker'] !== 0,
  });
  try {
    // The handler's SDK clients find the upstream as they find the front door: AWS_ENDPOINT_URL.
    useUpstreamEnvironment(upstream.endpoint, REGION);
    // The same items as on moto, and their INSERT records as the stream delivers them; the
    // warm-up's items are in accounts of their own.
    const budgets = accounts.map((accountId, i) => item(accountId, i));
    const warmUpBudgets = warmUpAccounts.map((accountId, i) => item(accountId, i));
    await upstream.putItems([...budgets, ...warmUpBudgets].map((budget) => marshall(budget)));
    const records = budgets.map((budget, i) =>
      budgetItemRecord(budget, { sequenceNumber: String(10n ** 20n + BigInt(i)) }),
    );
    const configuration = {
      tableName: TABLE_NAME,
      spokeRoleName: SPOKE_ROLE_NAME,
      spokeExternalId: SPOKE_EXTERNAL_ID,
      partition: 'aws',
      alertsTopicArn: `arn:aws:sns:${REGION}:123456789012:${TABLE_NAME}-alerts`,
    };
    if (warmUpBudgets.length > 0) {
      // Untimed, by a handler of its own: what the process loads and compiles on its first
      // batches (the SDK's modules, JIT), as a warm Lambda has; the timed handler starts with
      // no clients and no credentials, as the moto rows' does.
      const warmUpRecords = warmUpBudgets.map((budget, i) =>
        budgetItemRecord(budget, { sequenceNumber: String(2n * 10n ** 20n + BigInt(i)) }),
      );
      const warmUpHandler = createPropagateHandler({ ...configuration, maxConcurrency: concurrency });
      await propagate(`${mode}, warm-up`, warmUpHandler, warmUpRecords);
      await upstream.clearCalls();
    }
    const handler = createPropagateHandler({ ...configuration, maxConcurrency });
    log(`[${mode}] ${records.length} stream records made`);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const failed = await propagate(mode, handler, records);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpuBefore);
    const delivered = await upstream.countDelivered(
      [...accounts, ...warmUpAccounts].map((accountId) => ({
        accountId,
        budgetName: 'compute',
        parameterName: budgetParameterName('compute'),
      })),
    );
    check(mode, failed, delivered - warmUpAccounts.length);
    return {
      upstream: 'latency-only',
      concurrency: maxConcurrency,
      records: records.length,
      seconds,
      cpuSeconds,
      calls: await upstream.calls(),
    };
  } finally {
    await upstream.stop();
  }
}

/** Runs the handler over `records` in batches of the mapping's size, as Lambda would; returns the records failed. */
async function propagate(mode: string, handler: ReturnType<typeof createPropagateHandler>, records: DynamoDBRecord[]) {
  const started = performance.now();
  let failed = 0;
  for (let offset = 0; offset < records.length; offset += batchSize) {
    const batch = records.slice(offset, offset + batchSize);
    try {
      const response = await handler(streamEvent(...batch), context);
      failed += response.batchItemFailures.length;
    } catch (error) {
      log(`\n[${mode}] the batch at ${offset} failed: ${(error as Error).message}`);
      failed += batch.length;
    }
    progress(mode, offset + batch.length, records.length, started);
  }
  process.stderr.write('\n');
  return failed;
}

/** CPU time of this process (user + system) since `before`, in seconds. */
function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1e6;
}

function check(mode: string, failed: number, delivered: number) {
  if (failed > 0 || delivered !== edits) {
    throw new Error(
      `[${mode}] ${failed} records failed and ${delivered}/${edits} items are DELIVERED: not a valid run`,
    );
  }
}

function progress(mode: string, done: number, total: number, started: number) {
  const rate = done / ((performance.now() - started) / 1000);
  process.stderr.write(`\r[${mode}] ${done}/${total} records, ${rate.toFixed(1)}/s   `);
}

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

async function main() {
  const rows: BenchRow[] = [];
  const pairs: [string, (concurrency: number) => Promise<BenchRow>][] = [];
  if (options.moto) pairs.push(['moto', runOnMoto]);
  if (options['latency-only']) pairs.push(['latency-only', runLatencyOnly]);
  for (const [, run] of pairs) {
    rows.push(await run(concurrency));
    rows.push(await run(1));
  }
  console.log('\npropagate-budget-edits benchmark');
  console.log(
    `  ${edits} edits across ${edits} accounts, batch size ${batchSize}, injected latency: STS ${options['sts-ms']} ms, SSM ${options['ssm-ms']} ms, DynamoDB UpdateItem ${options['ddb-ms']} ms`,
  );
  for (const [name] of pairs) {
    const row = rows.find((r) => r.upstream.startsWith(name) && r.concurrency === concurrency) as BenchRow;
    const perRecordMs = latencyPerRecordMs(row.calls, latency, row.records);
    console.log(
      `  ${name}: calls per edit ${callsPerRecord(row.calls, row.records)}; injected latency per edit ${perRecordMs.toFixed(0)} ms`,
    );
  }
  for (const line of renderRows(rows, latency)) console.log(`  ${line}`);
  console.log(
    '  CPU s: of the bench process, all its threads (the handler, the front door or the latency-only upstream, GC, the compiler); moto runs in a process of its own',
  );
  if (options['latency-only']) {
    const where = options['upstream-in-worker'] !== 0 ? 'a worker thread' : "the bench's thread";
    console.log(
      `  latency-only: served from ${where}; each run after ${warmUpAccounts.length} untimed edits of other accounts by a handler of its own (the moto runs start cold)`,
    );
  }
  for (const [name] of pairs) {
    const [many, one] = rows.filter((r) => r.upstream.startsWith(name)) as [BenchRow, BenchRow];
    const ratio = many.records / many.seconds / (one.records / one.seconds);
    const limit = latencyBoundLimit(concurrency, latencyPerRecordMs(many.calls, latency, many.records));
    console.log(
      `  speed-up on ${name}: ${ratio.toFixed(1)}x (concurrency ${concurrency} against one at a time; the latency-bound limit is ${Number.isFinite(limit) ? `${limit.toFixed(1)} records/s` : 'none'})`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
