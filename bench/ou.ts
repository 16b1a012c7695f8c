/**
 * pnpm bench:ou — one edit of an organization default fanned out to every account of an OU, on
 * the local cloud deployed as on AWS (the hub by `serverless deploy`, a spoke in each account by
 * the StackSet, the bundles run by the local Lambda runtime), with AWS-like latency injected once
 * deployed (STS 100 ms, SSM 30 ms, DynamoDB 10 ms, Budgets 100 ms, EventBridge 20 ms, Organizations
 * 50 ms by default). The guardian's schedules do not fire (as in bench:e2e by default).
 *
 * Puts one item for the spokes' OU and times: every account's copy written (expand-org-defaults),
 * every copy APPLIED in its account, and the OU item's roll-up APPLIED; then counts the calls made
 * (hub and spokes, by operation) and what failed (FAILED copies, the hub's dead letters).
 *
 *   pnpm bench:ou [--accounts 1000] [--sts-ms 100] [--ssm-ms 30] [--ddb-ms 10] [--budgets-ms 100]
 *                 [--events-ms 20] [--org-ms 50] [--timeout-s 900]
 */
import { EventEmitter } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { startLocalCloud, type LocalCloud } from '@org-budgets/sandbox';
import { AWS_ASYNC_RETRY_DELAYS_MS, awsLikeLatency } from './latency';
import { countCalls, renderCalls, secondsOrNot } from './ou-report';
import { numberOptions } from './options';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
EventEmitter.defaultMaxListeners = 5000;

const options = numberOptions({
  accounts: 1000,
  'sts-ms': 100,
  'ssm-ms': 30,
  'ddb-ms': 10,
  'budgets-ms': 100,
  'events-ms': 20,
  'org-ms': 50,
  'timeout-s': 900,
});
const latency = awsLikeLatency(options);

const started = Date.now();
const log = (message: string): void => {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s] ${message}`);
};
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

interface Progress {
  copies: number;
  applied: number;
  failed: string[];
  ouStatus?: string;
  ouMessage?: string;
}

async function progressOf(cloud: LocalCloud, ouId: string): Promise<Progress> {
  const progress: Progress = { copies: 0, applied: 0, failed: [] };
  for (const item of await cloud.items()) {
    const sync = item['sync'] as { status?: string; message?: string } | undefined;
    if (item['accountId'] === ouId && item['budgetName'] === 'baseline') {
      if (sync?.status) progress.ouStatus = sync.status;
      if (sync?.message) progress.ouMessage = sync.message;
    }
    if (item['inheritedFrom'] !== ouId) continue;
    progress.copies += 1;
    if (sync?.status === 'APPLIED') progress.applied += 1;
    if (sync?.status === 'FAILED' || sync?.status === 'REJECTED')
      progress.failed.push(`${String(item['accountId'])}: ${sync.message ?? sync.status}`);
  }
  return progress;
}

async function main(): Promise<void> {
  log(`starting the local cloud with ${options.accounts} member accounts in one OU`);
  const cloud = await startLocalCloud({
    memberAccounts: options.accounts,
    progress: (line) => log(line),
    runtime: { asyncRetryDelaysMs: AWS_ASYNC_RETRY_DELAYS_MS },
  });
  try {
    const ouId = cloud.organization.spokeOuId;
    cloud.frontDoor.setLatency(latency);
    await cloud.settled(600_000);
    cloud.frontDoor.clearCalls();
    const loadBefore = load();
    log(`latency injected: ${latency.map((r) => `${r.service} ${r.delayMs} ms`).join(', ')}; load ${loadBefore}`);
    log(
      `failed asynchronous invocations retried after ${AWS_ASYNC_RETRY_DELAYS_MS.map((ms) => `${ms / 1000} s`).join(' and ')}, as on AWS`,
    );
    const t0 = Date.now();
    await cloud.putItem({ accountId: ouId, budgetName: 'baseline', amount: 500, emails: ['finance@example.org'] });
    const reached: { copies?: number; applied?: number; rollup?: number } = {};
    let last: Progress = { copies: 0, applied: 0, failed: [] };
    let lastLogged = 0;
    while (Date.now() - t0 < options['timeout-s'] * 1000) {
      last = await progressOf(cloud, ouId);
      const now = Date.now() - t0;
      if (reached.copies === undefined && last.copies >= cloud.memberAccounts.length) reached.copies = now;
      if (reached.applied === undefined && last.applied >= cloud.memberAccounts.length) reached.applied = now;
      if (reached.rollup === undefined && last.ouStatus === 'APPLIED') reached.rollup = now;
      if (now - lastLogged > 10_000) {
        log(
          `copies ${last.copies}, APPLIED ${last.applied}, FAILED ${last.failed.length}, the OU item ${last.ouStatus ?? '-'}`,
        );
        lastLogged = now;
      }
      if (reached.rollup !== undefined && reached.applied !== undefined) break;
      if (
        last.failed.length > 0 &&
        last.copies + last.failed.length >= cloud.memberAccounts.length &&
        last.ouStatus === 'FAILED'
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await cloud.settled(600_000);
    const calls = cloud.frontDoor.calls().filter((call) => call.startedAt >= t0);
    const { hub, spokes, polling } = countCalls(calls, cloud.managementAccountId);
    const deadLetters = await cloud.hubDeadLetterCount();
    const n = cloud.memberAccounts.length;
    console.log(
      [
        '',
        `org-budgets bench:ou — one OU item, ${n} accounts below it (local cloud; latency ${latency.map((r) => `${r.service} ${r.delayMs} ms`).join(', ')})`,
        `  machine            ${availableParallelism()} cores; load before ${loadBefore}, after ${load()}`,
        `  copies written     ${secondsOrNot(reached.copies)}   (expand-org-defaults: one copy per account)`,
        `  all APPLIED        ${secondsOrNot(reached.applied)}   (each copy delivered, applied in its account, reported)`,
        `  OU item APPLIED    ${secondsOrNot(reached.rollup)}   ${last.ouMessage ?? ''}`,
        `  failed at the end  ${last.failed.length} copies; ${deadLetters} in the hub's dead-letter queue`,
        ...last.failed.slice(0, 10).map((line) => `    ${line}`),
        `  calls by the hub (management account), from the edit until quiet:`,
        ...renderCalls(hub, n),
        `  calls in the member accounts:`,
        ...renderCalls(spokes, n),
        `  the stream mappings' polling (the local runtime's, as Lambda's; not the functions' calls):`,
        ...renderCalls(polling, n),
        '',
      ].join('\n'),
    );
    if (reached.applied === undefined || reached.rollup === undefined || deadLetters > 0) process.exitCode = 1;
  } finally {
    await cloud.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
