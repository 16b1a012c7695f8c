/**
 * pnpm bench:hub — throughput of propagate-budget-edits against moto, with AWS latency injected
 * at the local-cloud front door (STS 100 ms, SSM 30 ms by default).
 *
 * 1,000 edits across 1,000 accounts are written to the table, read from the moto stream and run
 * through the real handler in batches of the event source mapping's size, first with the
 * deployed concurrency, then one record at a time, each on a fresh moto. Prints records per
 * second for both and their ratio.
 *
 *   pnpm bench:hub [--edits 1000] [--concurrency 32] [--batch-size 100] [--sts-ms 100] [--ssm-ms 30] [--ddb-ms 0]
 */
import type { LatencyRule } from '@org-budgets/sandbox';
import { createPropagateHandler } from '../services/hub/src/functions/propagate-budget-edits/create-handler';
import { HubSandbox, SPOKE_EXTERNAL_ID, SPOKE_ROLE_NAME } from '../test/support/hub-sandbox';
import { numberOptions } from './options';

const options = numberOptions({
  edits: 1000,
  concurrency: 32,
  'batch-size': 100,
  'sts-ms': 100,
  'ssm-ms': 30,
  'ddb-ms': 0,
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

interface RunResult {
  mode: string;
  records: number;
  seconds: number;
  perSecond: number;
  failed: number;
  calls: Record<string, number>;
}

async function run(mode: string, maxConcurrency: number): Promise<RunResult> {
  log(`[${mode}] starting moto and the front door, creating ${edits} spoke accounts`);
  const sandbox = await HubSandbox.start({
    spokeAccounts: accounts,
    tableName: 'org-budgets-bench',
    latency,
    batchSize,
  });
  try {
    for (const [i, accountId] of accounts.entries()) {
      await sandbox.putItem({ accountId, budgetName: 'compute', amount: 1000 + i, emails: ['finance@example.com'] });
    }
    const records = await sandbox.readStream();
    log(`[${mode}] ${records.length} stream records read; propagating with concurrency ${maxConcurrency}`);
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
    let failed = 0;
    for (let offset = 0; offset < records.length; offset += batchSize) {
      const result = await sandbox.runHandler(handler, records.slice(offset, offset + batchSize));
      failed += result.failedRecords.length;
      const done = Math.min(offset + batchSize, records.length);
      const rate = done / ((performance.now() - started) / 1000);
      process.stderr.write(`\r[${mode}] ${done}/${records.length} records, ${rate.toFixed(1)}/s   `);
    }
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write('\n');
    const calls: Record<string, number> = {};
    for (const call of sandbox.frontDoor.calls()) {
      const key = `${call.service}:${call.operation}`;
      calls[key] = (calls[key] ?? 0) + 1;
    }
    const delivered = await countDelivered(sandbox);
    if (failed > 0 || delivered !== edits) {
      throw new Error(
        `[${mode}] ${failed} records failed and ${delivered}/${edits} items are DELIVERED: not a valid run`,
      );
    }
    return { mode, records: records.length, seconds, perSecond: records.length / seconds, failed, calls };
  } finally {
    await sandbox.stop();
  }
}

async function countDelivered(sandbox: HubSandbox): Promise<number> {
  let delivered = 0;
  for (const accountId of accounts) {
    if ((await sandbox.getSync(accountId, 'compute'))?.['status'] === 'DELIVERED') delivered += 1;
  }
  return delivered;
}

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

async function main() {
  const concurrent = await run('concurrent', concurrency);
  const sequential = await run('one at a time', 1);
  const ratio = concurrent.perSecond / sequential.perSecond;
  console.log('\npropagate-budget-edits benchmark (moto + front door)');
  console.log(
    `  ${edits} edits across ${edits} accounts, batch size ${batchSize}, injected latency: STS ${options['sts-ms']} ms, SSM ${options['ssm-ms']} ms, DynamoDB UpdateItem ${options['ddb-ms']} ms`,
  );
  console.log(`  AWS calls per run: ${JSON.stringify(concurrent.calls)}`);
  for (const r of [concurrent, sequential]) {
    console.log(
      `  ${r.mode.padEnd(14)} ${r.records} records in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(1)} records/s`,
    );
  }
  console.log(`  speed-up: ${ratio.toFixed(1)}x (concurrency ${concurrency} against one at a time)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
