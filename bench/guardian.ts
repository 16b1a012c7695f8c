/**
 * pnpm bench:guardian — the cost guardian on the local cloud (the deployed spoke bundles, the
 * front door's Batch simulator), with AWS-like latency injected at the front door once deployed
 * (DynamoDB 10 ms, Batch 40 ms, Budgets 100 ms, SSM 30 ms, SNS 30 ms, Lambda 20 ms, Scheduler 30 ms by
 * default).
 * Four member accounts, one per part; no schedule fires unless the bench fires it.
 *
 * 1. Reaction: the estimate crosses 100% → the last job is terminated (its stoppedAt, as
 *    DescribeJobs reports it).
 *    (a) By the schedule, in the lab account: `--jobs` jobs run in two guarded queues, AWS Budgets'
 *        figure jumps to 100%, the schedule fires. With the default rate(5 minutes) a crossing
 *        waits up to 5 minutes for the next run: added for the worst case.
 *    (b) By the job-start trigger: a scheduled run leaves the watch, then no schedule fires, and
 *        `--burst-jobs` jobs are submitted at once to the guarded queues. The crossings are
 *        computed from the jobs' startedAt/stoppedAt (DescribeJobs) with the guardian's price
 *        book (`crossingInstant`). Two budgets, each in its own account, of the size that makes
 *        the burst cross 100% about `--cross-after` seconds after its first minute:
 *        (b1) a guardian that only terminates (disableQueuesAt = terminateJobsAt = 100), AWS's
 *             figure just under 100% (by half one job's cost over the schedule's interval, so
 *             that a start asks for a check): the burst's first minutes cross it at once;
 *        (b2) the default thresholds (80, 100), AWS's figure just under 80%: the burst crosses 80%
 *             at once (queues disabled) and 100% about `--cross-after` s after its first minute.
 *        When the checks have not terminated the jobs within a minute of the expected crossing,
 *        the bench fires the schedule, as the next scheduled run would (up to 5 minutes later).
 * 2. Work per run against the age of the estimate's window, in the windows account: an ANNUALLY
 *    budget, `--seed-days` days of finished jobs written into its ledger (`--seed-jobs-per-day`,
 *    with the ledger's own `jobItem`), the guardian's first sight of the budget (its state
 *    deleted) with AWS's figure known from 16 hours ago (window 1 day old), from `--seed-days`
 *    days ago less 8 hours (window `--seed-days` days old), and a figure of 0 (no refresh time:
 *    window at the period start, 1 January): the first run, which builds the running totals, and
 *    `--runs` runs after it. moto scans the whole table for every index query, so the default is
 *    20 jobs a day, not 10,000 a month: the calls do not depend on it (one Query returns up to
 *    1 MB, some 1,000 jobs of one day and shard).
 * 3. Its own cost per account per month (bench/guardian-cost.ts) from the calls measured: a
 *    scheduled run below the thresholds (`--runs` times, lab account), a check as enforce-spend
 *    receives it, the tracker per Batch job event; plus `--checks-per-month` checks, each billed
 *    for the mean duration of enforce-spend's invocations in the two bursts of 1b (their
 *    terminations included: it errs high) and for the mean wait of delay-guardian-check's, as if
 *    every check waited; against the serverless-batch-cost-guardian sample's design.
 *
 * The local runtime runs on this machine's cores: the tracker handles a burst's events far slower
 * than Lambda would (it prints how far the checks saw the burst).
 *
 *   pnpm bench:guardian [--jobs 300] [--runs 5] [--jobs-per-month 10000] [--checks-per-month 1000]
 *                       [--burst-jobs 100] [--cross-after 30] [--seed-days 90] [--seed-jobs-per-day 20]
 *                       [--ddb-ms 10] [--batch-ms 40] [--budgets-ms 100] [--ssm-ms 30] [--sns-ms 30] [--lambda-ms 20] [--scheduler-ms 30]
 *                       [--keep-logs 1]   (keeps the local cloud's working directory: the functions' logs)
 */
import { EventEmitter } from 'node:events';
import { loadavg } from 'node:os';
import { jobHourlyRate, resolvePriceBook } from '@org-budgets/guardian';
import {
  describeJobs,
  GUARDED_QUEUES,
  guardianBudget,
  JOB_MEMORY_MIB,
  JOB_VCPUS,
  runGuardianNow,
  setUpLabBatch,
  startLocalCloud,
  submitJobs,
  waitForJobs,
  type BudgetItemInput,
  type CallRecord,
  type LatencyRule,
  type LocalCloud,
} from '@org-budgets/sandbox';
import { crossingInstant, type BilledJob } from './guardian-crossing';
import {
  SAMPLE_BASELINE,
  baselineMonthlyCost,
  costPerCheck,
  guardianMonthlyCost,
  renderComparison,
  scheduledRunsPerMonth,
  type GuardianUsage,
} from './guardian-cost';
import { seededJobs } from './guardian-seed';
import {
  checkEvent,
  deleteGuardianState,
  enforceSpendArn,
  functionLog,
  type FunctionReports,
  guardianStateItem,
  guardianWatch,
  submitBurst,
  writeLedgerJobs,
} from './guardian-support';
import { numberOptions } from './options';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
EventEmitter.defaultMaxListeners = 1000;

const options = numberOptions({
  jobs: 300,
  runs: 5,
  'jobs-per-month': 10_000,
  'checks-per-month': 1_000,
  'burst-jobs': 100,
  'cross-after': 30,
  'seed-days': 90,
  'seed-jobs-per-day': 20,
  'ddb-ms': 10,
  'batch-ms': 40,
  'budgets-ms': 100,
  'ssm-ms': 30,
  'sns-ms': 30,
  'lambda-ms': 20,
  'scheduler-ms': 30,
  'keep-logs': 0,
});
const jobs = Math.max(2, Math.round(options.jobs));
const runs = Math.max(1, Math.round(options.runs));
const burstJobs = Math.max(10, Math.round(options['burst-jobs']));
const seedDays = Math.max(1, Math.round(options['seed-days']));
const jobsPerMonth = options['jobs-per-month'];
const latency: LatencyRule[] = [
  { service: 'dynamodb', delayMs: options['ddb-ms'] },
  { service: 'batch', delayMs: options['batch-ms'] },
  { service: 'budgets', delayMs: options['budgets-ms'] },
  { service: 'ssm', delayMs: options['ssm-ms'] },
  { service: 'sns', delayMs: options['sns-ms'] },
  { service: 'lambda', delayMs: options['lambda-ms'] },
  { service: 'scheduler', delayMs: options['scheduler-ms'] },
];
/** Schedule of the spoke by default (services/spoke/serverless.yml guardianSchedule). */
const SCHEDULE_MINUTES = 5;
const SCHEDULE_MS = SCHEDULE_MINUTES * 60_000;
const ENFORCE_MEMORY_MB = 512;
const TRACKER_MEMORY_MB = 256;
const DELAY_MEMORY_MB = 128;
const DAY_MS = 86_400_000;
/** BILLING_DATA_LAG_HOURS: the window starts this long before AWS's figure was refreshed. */
const LAG_MS = 8 * 3_600_000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const usd = (n: number) => `$${n.toFixed(2)}`;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Calls the spoke's functions made in `accountId` (the runtime's AssumeRole calls left out), by `service:Operation`. */
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

function firstCall(calls: CallRecord[], accountId: string, key: string, after: number): number | undefined {
  return calls.find((c) => c.accountId === accountId && `${c.service}:${c.operation}` === key && c.startedAt >= after)
    ?.startedAt;
}

async function applied(cloud: LocalCloud, item: BudgetItemInput): Promise<void> {
  const edit = await cloud.putItem(item);
  await cloud.waitForSync([edit.key], { since: edit.at, timeoutMs: 120_000, statuses: ['APPLIED'] });
}

/** Runs `fire` `times` times with the calls cleared before; the average duration (fire to quiet) and calls. */
async function measure(
  cloud: LocalCloud,
  accountId: string,
  times: number,
  fire: () => Promise<unknown>,
): Promise<{ ms: number; calls: Record<string, number> }> {
  cloud.frontDoor.clearCalls();
  let ms = 0;
  for (let i = 0; i < times; i++) {
    const started = Date.now();
    await fire();
    await cloud.settled(120_000);
    ms += Date.now() - started;
  }
  return { ms: ms / times, calls: divide(countCalls(cloud.frontDoor.calls(), accountId), times) };
}

interface WindowRow {
  label: string;
  windowStart?: string;
  jobsCounted?: number;
  first: { ms: number; calls: Record<string, number> };
  steady: { ms: number; calls: Record<string, number> };
}

interface BurstBudget {
  budgetName: string;
  amount: number;
  guardian: { disableQueuesAt: number; terminateJobsAt: number };
}

interface BurstOutcome {
  /** Crossing of terminateJobsAt → last job terminated, when no schedule fired. */
  reactionMs?: number;
  /** Neither a check nor a follow-up terminated the jobs in time: the bench fired the schedule. */
  bySchedule: boolean;
  /** enforce-spend's invocations from the burst's start until the jobs stopped (the bench's scheduled run left out). */
  invocations: FunctionReports;
  /** delay-guardian-check's invocations meanwhile: the checks' waits. */
  delays: FunctionReports;
}

/**
 * A run leaves the budget's watch with AWS's figure at `figure`; no schedule fires from then on.
 * `jobs` jobs are submitted to the guarded queues at once; waits `waitMs` for the guardian's
 * checks to terminate them, else fires the schedule (as the next scheduled run would). Prints
 * when each threshold was crossed (the jobs' startedAt and stoppedAt from DescribeJobs, priced
 * with the guardian's price book) and when the guardian acted.
 */
async function burstReaction(
  cloud: LocalCloud,
  p: {
    title: string;
    accountId: string;
    budget: BurstBudget;
    figure: number;
    jobs: number;
    jobRate: number;
    waitMs: number;
  },
): Promise<BurstOutcome> {
  const { accountId, budget, figure, jobRate } = p;
  const disableAt = (budget.amount * budget.guardian.disableQueuesAt) / 100;
  const terminateAt = (budget.amount * budget.guardian.terminateJobsAt) / 100;
  cloud.frontDoor.setBudgetSpend({
    accountId,
    budgetName: budget.budgetName,
    actual: figure,
    calculatedAt: new Date(Date.now() - 3_600_000),
  });
  await runGuardianNow(cloud, accountId);
  const watch = await guardianWatch(cloud, accountId, budget.budgetName);
  log(
    `${p.title}: budget ${usd(budget.amount)}, AWS figure ${usd(figure)} (${((100 * figure) / budget.amount).toFixed(2)}%); ` +
      `a scheduled run left the watch: estimate ${usd(Number(watch?.['estimate'] ?? Number.NaN))}, level ${String(watch?.['level'])}; no schedule fires from here on`,
  );
  cloud.frontDoor.clearCalls();
  const enforceLog = functionLog(cloud, accountId, 'enforceSpend');
  const delayLog = functionLog(cloud, accountId, 'delayGuardianCheck');
  const submitted = await submitBurst(cloud, accountId, GUARDED_QUEUES, p.jobs, 50);
  let fallbackFiredAt: number | undefined;
  try {
    const left = submitted.firstSubmitAt + p.waitMs - Date.now();
    await waitForJobs(cloud, accountId, submitted.jobIds, ['FAILED', 'SUCCEEDED'], Math.max(1000, left));
  } catch {
    fallbackFiredAt = Date.now(); // neither a check nor a follow-up did it: the next scheduled run would
  }
  const lastWatch = await guardianWatch(cloud, accountId, budget.budgetName);
  const invocations = enforceLog.reportsSince();
  const delays = delayLog.reportsSince();
  if (fallbackFiredAt !== undefined) {
    await runGuardianNow(cloud, accountId, 300_000);
    await waitForJobs(cloud, accountId, submitted.jobIds, ['FAILED', 'SUCCEEDED'], 300_000);
  }
  const detail = await describeJobs(cloud, accountId, submitted.jobIds);
  const calls = cloud.frontDoor.calls();
  const billed: BilledJob[] = detail
    .filter((job) => job.startedAt !== undefined)
    .map((job) => ({
      start: job.startedAt as number,
      ...(job.stoppedAt === undefined ? {} : { stop: job.stoppedAt }),
      hourlyRate: jobRate,
    }));
  const simulated = new Map(cloud.frontDoor.batchJobs().map((job) => [job.jobId, job]));
  const billedFromStarting: BilledJob[] = detail.flatMap((job) => {
    const starting = simulated.get(job.jobId ?? '')?.statusHistory.find((h) => h.status === 'STARTING')?.at;
    return starting === undefined
      ? []
      : [{ start: starting, ...(job.stoppedAt === undefined ? {} : { stop: job.stoppedAt }), hourlyRate: jobRate }];
  });
  const firstStart = Math.min(...billed.map((job) => job.start));
  const lastStart = Math.max(...billed.map((job) => job.start));
  const crossDisable = crossingInstant(figure, disableAt, billed);
  const crossTerminate = crossingInstant(figure, terminateAt, billed);
  const crossTerminateStarting = crossingInstant(figure, terminateAt, billedFromStarting);
  const terminated = detail.filter((job) => job.statusReason?.includes('cost guardian'));
  const lastStop = Math.max(...terminated.map((job) => job.stoppedAt ?? 0));
  const disabledAt = firstCall(calls, accountId, 'batch:UpdateJobQueue', submitted.firstSubmitAt);
  const firstTerminateAt = firstCall(calls, accountId, 'batch:TerminateJob', submitted.firstSubmitAt);
  const counts = countCalls(calls, accountId);
  const rel = (t: number | undefined) => (t === undefined ? 'never' : `+${seconds(t - firstStart)}`);
  log(
    `  ${submitted.jobIds.length} jobs submitted in ${seconds(submitted.lastSubmitAt - submitted.firstSubmitAt)} (${submitted.refused} refused: queue disabled), ` +
      `${billed.length} started from ${rel(firstStart)} to ${rel(lastStart)} (times from the first start)`,
  );
  const terminations = `first TerminateJob ${rel(firstTerminateAt)}, last of ${terminated.length} jobs stopped ${rel(lastStop)}`;
  log(
    budget.guardian.disableQueuesAt === budget.guardian.terminateJobsAt
      ? `  ${budget.guardian.terminateJobsAt}% crossed ${rel(crossTerminate)} → queues disabled ${rel(disabledAt)}, ${terminations}`
      : `  ${budget.guardian.disableQueuesAt}% crossed ${rel(crossDisable)} → queues disabled ${rel(disabledAt)}; ` +
          `${budget.guardian.terminateJobsAt}% crossed ${rel(crossTerminate)} → ${terminations}`,
  );
  const watchRate = Number(lastWatch?.['runningRate'] ?? 0);
  log(
    `  ${invocations.count} invocations of enforce-spend (billed ${seconds(invocations.billedMs / Math.max(1, invocations.count))} each on average) and ` +
      `${delays.count} of delay-guardian-check (${seconds(delays.billedMs / Math.max(1, delays.count))}); ` +
      `${counts['lambda:Invoke'] ?? 0} lambda:Invoke, ${counts['scheduler:CreateSchedule'] ?? 0} one-time schedules; the last check left the watch: ` +
      `estimate ${usd(Number(lastWatch?.['estimate'] ?? Number.NaN))} (${((100 * Number(lastWatch?.['estimate'] ?? 0)) / budget.amount).toFixed(1)}%), ` +
      `level ${String(lastWatch?.['level'])}, running jobs at ${usd(watchRate)}/h (the rate of ${(watchRate / jobRate).toFixed(0)} of the ${billed.length} jobs)`,
  );
  if (fallbackFiredAt !== undefined) {
    log(
      `  NOT terminated by the checks within ${seconds(p.waitMs)} of the burst: the next scheduled run does it, up to ${SCHEDULE_MINUTES} minutes after the crossing ` +
        `(fired by the bench ${rel(fallbackFiredAt)}: last job stopped ${seconds(lastStop - fallbackFiredAt)} after it; worst case ${seconds(SCHEDULE_MS + lastStop - fallbackFiredAt)})`,
    );
    return { bySchedule: true, invocations, delays };
  }
  if (crossTerminate === undefined) {
    log('  estimate crossed: n/a (the jobs stopped before their cost reached the threshold: the guardian errs high)');
    return { bySchedule: false, invocations, delays };
  }
  log(
    `  estimate crossed ${budget.guardian.terminateJobsAt}% → last job terminated: ${seconds(lastStop - crossTerminate)}, no schedule fired`,
  );
  if (crossTerminateStarting !== undefined) {
    log(
      `  (billed from the jobs' STARTING, as the guardian bills them, the crossing is ${seconds(crossTerminate - crossTerminateStarting)} earlier: ${seconds(lastStop - crossTerminateStarting)})`,
    );
  }
  return { reactionMs: lastStop - crossTerminate, bySchedule: false, invocations, delays };
}

async function main(): Promise<void> {
  log(
    `bench:guardian — ${new Date().toISOString()}, load average ${load()} (1, 5, 15 min); ` +
      `${jobs} jobs (schedule), ${burstJobs} (trigger), ${runs} runs each, ${seedDays} days × ${options['seed-jobs-per-day']} finished jobs seeded`,
  );
  const cloud: LocalCloud = await startLocalCloud({ memberAccounts: 4, progress: (line) => log(`  ${line}`) });
  try {
    const [lab, burstTerminate, burst, windows] = cloud.memberAccounts as [string, string, string, string];
    const prices = resolvePriceBook(cloud.region);
    const jobRate = jobHourlyRate(
      {
        billable: true,
        resources: { vcpus: JOB_VCPUS, memoryMiB: JOB_MEMORY_MIB, gpus: 0 },
        platform: 'FARGATE',
        jobQueueName: GUARDED_QUEUES[0],
        architecture: 'X86_64',
        capacity: 'ON_DEMAND',
      },
      prices,
    );

    // --- Set up the three accounts before latency is injected.
    await setUpLabBatch(cloud, lab);
    const labBudget = guardianBudget(lab, 1000);
    await applied(cloud, labBudget);

    // The burst: its cost crosses 100% `cross-after` seconds after its first minute; AWS's figure
    // sits less than one job's cost over the schedule's interval below 80%, so that a start asks for a check.
    const gap = (jobRate * SCHEDULE_MS) / 3_600_000 / 2;
    const burstAmount =
      Math.round(((burstJobs * jobRate * (60 + options['cross-after'])) / 3600 - gap) * 5 * 100) / 100;
    const burstFigure = Math.round((burstAmount * 0.8 - gap) * 100) / 100;
    await setUpLabBatch(cloud, burst);
    const burstBudget = {
      ...guardianBudget(burst, burstAmount),
      budgetName: 'burst-grant',
      amount: burstAmount,
      guardian: { mode: 'enforce', disableQueuesAt: 80, terminateJobsAt: 100 },
    };
    await applied(cloud, burstBudget);
    // The same burst against a guardian that only terminates: AWS's figure just under 100%.
    const terminateFigure = Math.round((burstAmount - gap) * 100) / 100;
    await setUpLabBatch(cloud, burstTerminate);
    const terminateBudget = {
      ...guardianBudget(burstTerminate, burstAmount),
      budgetName: 'burst-grant',
      amount: burstAmount,
      guardian: { mode: 'enforce', disableQueuesAt: 100, terminateJobsAt: 100 },
    };
    await applied(cloud, terminateBudget);

    // The windows budget first, its ledger empty: its applied run reads the whole year at once.
    const windowsBudget: BudgetItemInput = {
      accountId: windows,
      budgetName: 'annual-grant',
      amount: 10_000,
      period: 'ANNUALLY',
      emails: ['lab@example.org'],
      guardian: { mode: 'enforce', disableQueuesAt: 80, terminateJobsAt: 100 },
    };
    await applied(cloud, windowsBudget);
    await cloud.settled(300_000);
    const seedStart = Date.now();
    const seeded = seededJobs({
      accountId: windows,
      region: cloud.region,
      queue: GUARDED_QUEUES[0],
      now: seedStart,
      days: seedDays,
      jobsPerDay: options['seed-jobs-per-day'],
      quietMs: 10 * 60_000,
      vcpus: 1,
      memoryMiB: 2048,
      runSeconds: 600,
      recordLagMs: 2_000,
    });
    await writeLedgerJobs(cloud, windows, seeded);
    log(
      `  windows account: ${seeded.length.toLocaleString('en-US')} finished jobs written into the ledger in ${seconds(Date.now() - seedStart)}`,
    );
    await cloud.settled(300_000);

    cloud.frontDoor.setLatency(latency);
    log(`latency injected: ${latency.map((rule) => `${rule.service} ${rule.delayMs} ms`).join(', ')}`);

    // --- 3a. The lab: a scheduled run below the thresholds (what 8,640 runs a month cost).
    cloud.frontDoor.setBudgetSpend({ accountId: lab, budgetName: labBudget.budgetName, actual: 100 });
    await runGuardianNow(cloud, lab); // warm: the first run saves the guardian state
    const idle = await measure(cloud, lab, runs, () => runGuardianNow(cloud, lab));
    log(`scheduled run (below the thresholds): ${seconds(idle.ms)} each; calls per run: ${formatCounts(idle.calls)}`);

    // A check between scheduled runs, as enforce-spend receives it (below the thresholds).
    const enforceSpend = enforceSpendArn(cloud, lab);
    const check = await measure(cloud, lab, runs, async () => {
      const result = await cloud.runtime.invoke(enforceSpend, checkEvent(labBudget.budgetName, new Date()), {
        account: lab,
      });
      if (!result.ok) throw new Error(`check failed: ${result.error.errorType}: ${result.error.errorMessage}`);
    });
    log(
      `check (an invocation of enforce-spend for one budget, due now): ${seconds(check.ms)} each; calls: ${formatCounts(check.calls)}`,
    );

    // The tracker: calls per Batch Job State Change event.
    cloud.frontDoor.clearCalls();
    const eventsBefore = cloud.frontDoor.events().length;
    const trackStart = Date.now();
    const jobIds = [
      ...(await submitJobs(cloud, lab, GUARDED_QUEUES[0], Math.ceil(jobs / 2))),
      ...(await submitJobs(cloud, lab, GUARDED_QUEUES[1], Math.floor(jobs / 2))),
    ];
    await waitForJobs(cloud, lab, jobIds, ['RUNNING']);
    const trackMs = Date.now() - trackStart;
    const jobEvents = cloud.frontDoor
      .events()
      .slice(eventsBefore)
      .filter((event) => event.source === 'aws.batch').length;
    // The tracker's calls: the ledger and the watches, its capacity lookups, its checks (not the bench's SubmitJob and DescribeJobs).
    const trackerOperations = /^(dynamodb:|lambda:Invoke$|batch:DescribeJobQueues$|batch:DescribeComputeEnvironments$)/;
    const trackerCalls = Object.fromEntries(
      Object.entries(countCalls(cloud.frontDoor.calls(), lab)).filter(([key]) => trackerOperations.test(key)),
    );
    const callsPerJobEvent = divide(trackerCalls, jobEvents);
    log(
      `tracker: ${jobEvents} events for ${jobIds.length} jobs in ${seconds(trackMs)}; calls per event: ${formatCounts(callsPerJobEvent)}`,
    );

    // --- 1a. Reaction by the schedule: the estimate crosses 100%, the schedule fires, every job is terminated.
    cloud.frontDoor.clearCalls();
    const crossedAt = Date.now();
    cloud.frontDoor.setBudgetSpend({ accountId: lab, budgetName: labBudget.budgetName, actual: 1000 });
    await runGuardianNow(cloud, lab, 300_000);
    const stopped = await waitForJobs(cloud, lab, jobIds, ['FAILED', 'SUCCEEDED'], 300_000);
    const lastStop = Math.max(...stopped.map((job) => job.stoppedAt ?? 0));
    const terminated = stopped.filter((job) => job.statusReason?.includes('cost guardian')).length;
    const scheduleReactionMs = lastStop - crossedAt;
    const scheduleCalls = countCalls(cloud.frontDoor.calls(), lab);
    if (terminated !== jobIds.length) throw new Error(`${jobIds.length - terminated} jobs were not terminated`);
    log('');
    log(
      `reaction (a) by the schedule: estimate crossed 100% → last of ${terminated} jobs terminated: ${seconds(scheduleReactionMs)} once the run starts ` +
        `(${scheduleCalls['batch:TerminateJob'] ?? 0} TerminateJob, ${scheduleCalls['batch:ListJobs'] ?? 0} ListJobs pages)`,
    );
    log(
      `          worst case with the default schedule (rate(${SCHEDULE_MINUTES} minutes)): ${seconds(SCHEDULE_MS + scheduleReactionMs)}; average ${seconds(SCHEDULE_MS / 2 + scheduleReactionMs)}`,
    );

    // --- 1b. Reaction by the job-start trigger: the watch is left, then no schedule fires.
    log('');
    const terminateOnly = await burstReaction(cloud, {
      title:
        'reaction (b1) by the job-start trigger, a guardian that only terminates (disableQueuesAt = terminateJobsAt = 100)',
      accountId: burstTerminate,
      budget: terminateBudget,
      figure: terminateFigure,
      jobs: burstJobs,
      jobRate,
      waitMs: (60 + options['cross-after'] + 60) * 1000,
    });
    log('');
    const defaults = await burstReaction(cloud, {
      title: 'reaction (b2) by the job-start trigger, the default thresholds (80, 100)',
      accountId: burst,
      budget: burstBudget,
      figure: burstFigure,
      jobs: burstJobs,
      jobRate,
      waitMs: (60 + options['cross-after'] + 60) * 1000,
    });

    // --- 2. Work per run against the age of the window.
    const budgetName = windowsBudget.budgetName;
    const rows: WindowRow[] = [];
    const windowCases: { label: string; actual: number; calculatedAt?: Date }[] = [
      {
        label: '1 day (AWS figure known from 16 h ago)',
        actual: 1000,
        calculatedAt: new Date(Date.now() - DAY_MS + LAG_MS),
      },
      {
        label: `${seedDays} days (the budget unchanged since ${seedDays} days less 8 h ago)`,
        actual: 1000,
        calculatedAt: new Date(Date.now() - seedDays * DAY_MS + LAG_MS),
      },
      { label: 'the period start (AWS figure 0: no refresh time)', actual: 0 },
    ];
    for (const windowCase of windowCases) {
      cloud.frontDoor.setBudgetSpend({
        accountId: windows,
        budgetName,
        actual: windowCase.actual,
        ...(windowCase.calculatedAt ? { calculatedAt: windowCase.calculatedAt } : {}),
      });
      await deleteGuardianState(cloud, windows, budgetName);
      const first = await measure(cloud, windows, 1, () => runGuardianNow(cloud, windows, 600_000));
      const state = await guardianStateItem(cloud, windows, budgetName);
      const totals = state?.['totals'] as { from?: string; jobs?: number } | undefined;
      const steady = await measure(cloud, windows, runs, () => runGuardianNow(cloud, windows));
      rows.push({
        label: windowCase.label,
        ...(totals?.from ? { windowStart: totals.from } : {}),
        ...(totals?.jobs === undefined ? {} : { jobsCounted: totals.jobs }),
        first,
        steady,
      });
    }
    log('');
    log(
      `work per run against the window's age (ANNUALLY budget, ${seeded.length.toLocaleString('en-US')} finished jobs over ${seedDays} days in the ledger; the guardian's first sight of the budget, then ${runs} runs):`,
    );
    for (const row of rows) {
      const age = row.windowStart ? ((Date.now() - Date.parse(row.windowStart)) / DAY_MS).toFixed(1) : '?';
      log(
        row.windowStart === undefined
          ? `  window ${row.label}: the first run FAILED (no totals saved; see enforce-spend's log)`
          : `  window ${row.label}: starts ${row.windowStart} (${age} days), ${row.jobsCounted?.toLocaleString('en-US') ?? '?'} finished jobs in the totals`,
      );
      log(`    first run  ${seconds(row.first.ms)}: ${formatCounts(row.first.calls)}`);
      log(`    runs after ${seconds(row.steady.ms)}: ${formatCounts(row.steady.calls)}`);
    }

    // --- 3. Cost per account per month.
    const burstInvocations = terminateOnly.invocations.count + defaults.invocations.count;
    const burstBilledMs = terminateOnly.invocations.billedMs + defaults.invocations.billedMs;
    const burstDelays = terminateOnly.delays.count + defaults.delays.count;
    const burstDelayMs = terminateOnly.delays.billedMs + defaults.delays.billedMs;
    log('');
    log(
      `checks in the bursts: ${burstInvocations} invocations of enforce-spend, billed ${seconds(burstBilledMs / Math.max(1, burstInvocations))} each on average; ` +
        `${burstDelays} of delay-guardian-check, ${seconds(burstDelayMs / Math.max(1, burstDelays))} each`,
    );
    const usage: GuardianUsage = {
      scheduledRunsPerMonth: scheduledRunsPerMonth(SCHEDULE_MINUTES),
      callsPerRun: idle.calls,
      lambdaMsPerRun: Math.ceil(idle.ms),
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
      checks: {
        perMonth: options['checks-per-month'],
        callsPerCheck: check.calls,
        // The bursts' invocations of enforce-spend, their terminations included (errs high), no
        // less than a check's own run; and every check waits as long as the bursts' waits did.
        lambdaMsPerCheck: Math.ceil(Math.max(check.ms, burstBilledMs / Math.max(1, burstInvocations))),
        delayMsPerCheck: Math.ceil(burstDelayMs / Math.max(1, burstDelays)),
        delayMemoryMb: DELAY_MEMORY_MB,
        logBytesPerCheck: 400,
      },
    };
    const guardian = guardianMonthlyCost(usage);
    const baseline = baselineMonthlyCost({ ...SAMPLE_BASELINE, ecsTaskStopsPerMonth: jobsPerMonth });
    log('');
    log(renderComparison(guardian, baseline));
    const perCheck = costPerCheck(usage);
    const everyStart = (usage.jobEventsPerMonth * 2) / (jobEvents / jobIds.length + 1); // two start events a job
    log(
      `each check adds $${perCheck.toFixed(7)}; were every job start to ask for one (${everyStart.toLocaleString('en-US')} a month) the guardian would cost ` +
        `${usd(guardianMonthlyCost({ ...usage, checks: { ...usage.checks!, perMonth: everyStart } }).total)}`,
    );
    log('');
    log('side by side: the estimate crosses 100% → the last job is terminated');
    log(
      `  (a)  by the schedule (rate(${SCHEDULE_MINUTES} minutes)): ${seconds(scheduleReactionMs)} once the run starts; ` +
        `worst case ${seconds(SCHEDULE_MS + scheduleReactionMs)}, average ${seconds(SCHEDULE_MS / 2 + scheduleReactionMs)}`,
    );
    const outcome = (o: BurstOutcome) =>
      o.bySchedule
        ? `not by the checks: left to the next scheduled run (worst case over ${SCHEDULE_MINUTES} minutes)`
        : o.reactionMs === undefined
          ? 'n/a'
          : `${seconds(o.reactionMs)}, no schedule fired`;
    log(`  (b1) by the job-start trigger, a guardian that only terminates: ${outcome(terminateOnly)}`);
    log(`  (b2) by the job-start trigger, the default thresholds: ${outcome(defaults)}`);
    log(`load average at the end ${load()}`);
  } finally {
    const keepWorkDir = options['keep-logs'] > 0;
    if (keepWorkDir) log(`functions' logs kept in ${cloud.workDir}/logs`);
    await cloud.stop({ keepWorkDir });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:guardian failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
