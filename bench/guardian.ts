/**
 * pnpm bench:guardian — the cost guardian on the local cloud (the deployed spoke bundles, the
 * front door's Batch simulator), with AWS-like latency injected at the front door once deployed
 * (DynamoDB 10 ms, Batch 40 ms, Budgets 100 ms, SSM 30 ms, SNS 30 ms by default).
 *
 * 1. Its own cost: one scheduled run of enforce-spend with the budget below its thresholds (the
 *    run that happens 8,640 times a month at the default rate(5 minutes)), `--runs` times: the
 *    calls it makes, counted at the front door, and its duration (from firing the schedule to
 *    the runtime being quiet: an upper bound of Lambda's billed duration). Then the tracker: the
 *    calls per Batch Job State Change event. Priced with bench/guardian-cost.ts against the
 *    serverless-batch-cost-guardian sample's design.
 * 2. Reaction: `--jobs` jobs running in two guarded queues; AWS Budgets' actual spend rises so
 *    that the estimate crosses 100%; the schedule fires; the time from the crossing to the last
 *    job terminated (the jobs' stoppedAt, as DescribeJobs reports it). With the default schedule
 *    a crossing waits up to 5 minutes for the next run: that is added for the worst case.
 *
 *   pnpm bench:guardian [--jobs 300] [--runs 5] [--jobs-per-month 10000]
 *                       [--ddb-ms 10] [--batch-ms 40] [--budgets-ms 100] [--ssm-ms 30] [--sns-ms 30]
 */
import { EventEmitter } from 'node:events';
import {
  describeJobs,
  GUARDED_QUEUES,
  guardianBudget,
  runGuardianNow,
  setUpLabBatch,
  startLocalCloud,
  submitJobs,
  waitForJobs,
  type CallRecord,
  type LatencyRule,
  type LocalCloud,
} from '@org-budgets/sandbox';
import {
  SAMPLE_BASELINE,
  baselineMonthlyCost,
  guardianMonthlyCost,
  renderComparison,
  scheduledRunsPerMonth,
} from './guardian-cost';
import { numberOptions } from './options';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
EventEmitter.defaultMaxListeners = 1000;

const options = numberOptions({
  jobs: 300,
  runs: 5,
  'jobs-per-month': 10_000,
  'ddb-ms': 10,
  'batch-ms': 40,
  'budgets-ms': 100,
  'ssm-ms': 30,
  'sns-ms': 30,
});
const jobs = Math.max(2, Math.round(options.jobs));
const runs = Math.max(1, Math.round(options.runs));
const jobsPerMonth = options['jobs-per-month'];
const latency: LatencyRule[] = [
  { service: 'dynamodb', delayMs: options['ddb-ms'] },
  { service: 'batch', delayMs: options['batch-ms'] },
  { service: 'budgets', delayMs: options['budgets-ms'] },
  { service: 'ssm', delayMs: options['ssm-ms'] },
  { service: 'sns', delayMs: options['sns-ms'] },
];
/** Schedule of the spoke by default (services/spoke/serverless.yml guardianSchedule). */
const SCHEDULE_MINUTES = 5;
const ENFORCE_MEMORY_MB = 512;
const TRACKER_MEMORY_MB = 256;

const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Calls the spoke's functions made in `accountId` (the runtime's own AssumeRole calls left out), by `service:Operation`. */
function countCalls(calls: CallRecord[], accountId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    if (call.accountId !== accountId || call.service === 'sts') continue;
    const key = `${call.service}:${call.operation}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function divide(counts: Record<string, number>, by: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([key, count]) => [key, count / by]));
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key} ${Number(count.toFixed(2))}`)
    .join(', ');
}

async function main(): Promise<void> {
  log(`bench:guardian — ${jobs} jobs in ${GUARDED_QUEUES.length} guarded queues, ${runs} idle runs`);
  const cloud: LocalCloud = await startLocalCloud({ memberAccounts: 1, progress: (line) => log(`  ${line}`) });
  try {
    const accountId = cloud.memberAccounts[0] as string;
    await setUpLabBatch(cloud, accountId);
    const budget = guardianBudget(accountId, 1000);
    const edit = await cloud.putItem(budget);
    await cloud.waitForSync([edit.key], { since: edit.at, timeoutMs: 60_000, statuses: ['APPLIED'] });
    await cloud.settled(60_000);
    cloud.frontDoor.setBudgetSpend({ accountId, budgetName: budget.budgetName, actual: 100 });
    cloud.frontDoor.setLatency(latency);
    log(`latency injected: ${latency.map((rule) => `${rule.service} ${rule.delayMs} ms`).join(', ')}`);

    // 1a. The scheduled run below the thresholds: what 8,640 runs a month cost.
    await runGuardianNow(cloud, accountId); // warm: the first run saves the guardian state
    cloud.frontDoor.clearCalls();
    let runMs = 0;
    for (let i = 0; i < runs; i++) {
      const started = Date.now();
      await runGuardianNow(cloud, accountId);
      runMs += Date.now() - started;
    }
    const callsPerRun = divide(countCalls(cloud.frontDoor.calls(), accountId), runs);
    log(
      `scheduled run (below the thresholds): ${seconds(runMs / runs)} each; calls per run: ${formatCounts(callsPerRun)}`,
    );

    // 1b. The tracker: calls per Batch Job State Change event.
    cloud.frontDoor.clearCalls();
    const eventsBefore = cloud.frontDoor.events().length;
    const trackStart = Date.now();
    const jobIds = [
      ...(await submitJobs(cloud, accountId, GUARDED_QUEUES[0], Math.ceil(jobs / 2))),
      ...(await submitJobs(cloud, accountId, GUARDED_QUEUES[1], Math.floor(jobs / 2))),
    ];
    await waitForJobs(cloud, accountId, jobIds, ['RUNNING']);
    const trackMs = Date.now() - trackStart;
    const jobEvents = cloud.frontDoor
      .events()
      .slice(eventsBefore)
      .filter((event) => event.source === 'aws.batch').length;
    // The tracker's calls: the ledger, and its capacity lookups (not the bench's own SubmitJob and DescribeJobs).
    const trackerOperations = /^(dynamodb:|batch:DescribeJobQueues$|batch:DescribeComputeEnvironments$)/;
    const trackerCalls = Object.fromEntries(
      Object.entries(countCalls(cloud.frontDoor.calls(), accountId)).filter(([key]) => trackerOperations.test(key)),
    );
    const callsPerJobEvent = divide(trackerCalls, jobEvents);
    log(
      `tracker: ${jobEvents} events for ${jobIds.length} jobs in ${seconds(trackMs)}; calls per event: ${formatCounts(callsPerJobEvent)}`,
    );

    // 2. Reaction: the estimate crosses 100%, the schedule fires, every job is terminated.
    const crossedAt = Date.now();
    cloud.frontDoor.setBudgetSpend({ accountId, budgetName: budget.budgetName, actual: 1000 });
    await runGuardianNow(cloud, accountId, 300_000);
    const stopped = await waitForJobs(cloud, accountId, jobIds, ['FAILED', 'SUCCEEDED'], 300_000);
    const lastStop = Math.max(...stopped.map((job) => job.stoppedAt ?? 0));
    const terminated = stopped.filter((job) => job.statusReason?.includes('cost guardian')).length;
    const reactionMs = lastStop - crossedAt;
    log('');
    log(
      `reaction: estimate crossed 100% → last of ${terminated}/${jobIds.length} jobs terminated: ${seconds(reactionMs)} once the run starts`,
    );
    log(
      `          worst case with the default schedule (rate(${SCHEDULE_MINUTES} minutes)): ${seconds(SCHEDULE_MINUTES * 60_000 + reactionMs)}; average ${seconds((SCHEDULE_MINUTES * 60_000) / 2 + reactionMs)}`,
    );
    const terminateCalls = countCalls(cloud.frontDoor.calls(), accountId)['batch:TerminateJob'] ?? 0;
    log(
      `          TerminateJob calls: ${terminateCalls}; ListJobs pages: ${countCalls(cloud.frontDoor.calls(), accountId)['batch:ListJobs'] ?? 0}`,
    );
    const left = (await describeJobs(cloud, accountId, jobIds)).filter((job) => job.status !== 'FAILED').length;
    if (left > 0 || terminated !== jobIds.length) throw new Error(`${left} jobs were not terminated`);

    // Cost per account per month.
    const guardian = guardianMonthlyCost({
      scheduledRunsPerMonth: scheduledRunsPerMonth(SCHEDULE_MINUTES),
      callsPerRun,
      lambdaMsPerRun: Math.ceil(runMs / runs),
      lambdaMemoryMb: ENFORCE_MEMORY_MB,
      architecture: 'arm64',
      jobEventsPerMonth: (jobEvents / jobIds.length + 1) * jobsPerMonth, // + the final SUCCEEDED/FAILED
      callsPerJobEvent,
      // Its calls at the injected latencies, plus 10 ms of its own work (the local runtime's wall time is no measure here).
      trackerMsPerEvent: Math.ceil(
        Object.entries(callsPerJobEvent).reduce(
          (sum, [key, n]) => sum + n * (latency.find((rule) => key.startsWith(`${rule.service}:`))?.delayMs ?? 0),
          10,
        ),
      ),
      trackerMemoryMb: TRACKER_MEMORY_MB,
      logBytesPerRun: 400,
      logBytesPerEvent: 400,
    });
    const baseline = baselineMonthlyCost({ ...SAMPLE_BASELINE, ecsTaskStopsPerMonth: jobsPerMonth });
    log('');
    log(renderComparison(guardian, baseline));
  } finally {
    await cloud.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:guardian failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
