/**
 * The cost guardian's estimate per budget end to end on the local cloud (issue 12): one member
 * account, one lab's AWS Batch with a queue per budget, and the deployed spoke bundles.
 *
 * 1. Two budgets in one account: team-a guards its own queue, team-b counts the jobs tagged
 *    team=b; team-a's jobs push team-a past 80% and count nothing toward team-b.
 * 2. A period change by finance: an ANNUALLY budget whose AWS figure holds its queue becomes
 *    MONTHLY with a lower amount; the annual figure no longer counts (UpdateBudget zeroes it),
 *    the queue comes back, and the first monthly figure counts.
 * 3. An unreadable parameter (a newer schemaVersion) while the guardian holds a queue: the queue
 *    and the state are kept, the run fails into the spoke dead-letter queue; once the hub writes
 *    the parameter again the guardian takes the budget up again.
 * 4. A burst of jobs that crosses 100% between two scheduled runs, and no scheduled run: the job
 *    tracker's checks and enforce-spend's follow-up checks (asynchronous invocations of
 *    enforce-spend, or one-time schedules) disable the queue and terminate the jobs on their own.
 * 5. A rollover, last: the functions' clock moves to 00:10 on the first of next month (the local
 *    Lambda runtime's shiftable clock). AWS still shows last month's figure: 0 counts and the queue
 *    comes back; then AWS reports the new month's first figure, and it counts. The front door,
 *    moto and the Batch simulator keep the machine's clock, so no job runs after the move.
 */
import {
  GUARDED_QUEUES,
  JOB_MEMORY_MIB,
  JOB_VCPUS,
  UNGUARDED_QUEUE,
  addJobQueue,
  describeJobs,
  functionLogEntries,
  guardianBudgetView,
  putSpokeParameter,
  queueStates,
  readSpokeDeadLetters,
  runGuardianNow,
  setFunctionsClock,
  setUpLabBatch,
  submitJobBurst,
  waitForJobs,
  type BudgetItemInput,
  type LocalCloud,
} from '@org-budgets/sandbox';
import { jobHourlyRate, resolvePriceBook } from '@org-budgets/guardian';
import { report, startE2eCloud } from './support';

const [QUEUE_A, QUEUE_B] = GUARDED_QUEUES;
const ANNUAL_QUEUE = 'annual-grant';
const IMAGING_QUEUE = 'imaging';
const BURST_QUEUE = 'burst';
const MONTHLY_QUEUE = 'monthly';

/** What one 16 vCPU, 120 GiB Fargate job costs per hour, and for its billed first minute. */
const PRICES = resolvePriceBook('us-east-1');
const JOB_RATE = jobHourlyRate(
  {
    billable: true,
    resources: { vcpus: JOB_VCPUS, memoryMiB: JOB_MEMORY_MIB, gpus: 0 },
    platform: 'FARGATE',
    jobQueueName: QUEUE_A,
    architecture: 'X86_64',
    capacity: 'ON_DEMAND',
  },
  PRICES,
);
const FIRST_MINUTE = (JOB_RATE * PRICES.minimumBilledSeconds) / 3600;

let cloud: LocalCloud;
let account: string;

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: 1, runtime: { shiftableClock: true } });
  account = cloud.memberAccounts[0] as string;
  await setUpLabBatch(cloud, account);
  for (const queue of [ANNUAL_QUEUE, IMAGING_QUEUE, BURST_QUEUE, MONTHLY_QUEUE]) {
    await addJobQueue(cloud, account, queue);
  }
});

afterAll(async () => {
  await cloud?.stop();
});

function budget(
  budgetName: string,
  amount: number,
  email: string,
  extra: Record<string, unknown> = {},
  jobQueues?: string[],
): BudgetItemInput {
  return {
    accountId: account,
    budgetName,
    amount,
    emails: [email],
    alertAt: [80, 100],
    guardian: {
      mode: 'enforce',
      disableQueuesAt: 80,
      terminateJobsAt: 100,
      ...(jobQueues ? { jobQueues } : {}),
    },
    ...extra,
  };
}

/** Puts the items, waits until each is APPLIED in the account, then until the cloud is quiet. */
async function apply(...items: BudgetItemInput[]): Promise<void> {
  const edits = [];
  for (const item of items) edits.push(await cloud.putItem(item));
  const outcomes = await cloud.waitForSync(
    edits.map((e) => e.key),
    {
      since: Math.min(...edits.map((e) => e.at)),
      timeoutMs: 60_000,
      statuses: ['APPLIED', 'REJECTED', 'FAILED'],
    },
  );
  const statuses = [...outcomes.values()].map((o) =>
    o.status === 'APPLIED' ? `${o.key.budgetName} APPLIED` : `${o.key.budgetName} ${o.status}: ${o.message ?? ''}`,
  );
  expect(statuses.sort()).toEqual(items.map((item) => `${item.budgetName} APPLIED`).sort());
  await cloud.settled(60_000);
}

/** AWS Budgets' actual spend for the budget, calculated an hour ago. */
function awsReports(budgetName: string, actual: number, calculatedAt = new Date(Date.now() - 3_600_000)): void {
  cloud.frontDoor.setBudgetSpend({ accountId: account, budgetName, actual, calculatedAt });
}

async function queue(name: string): Promise<string | undefined> {
  return (await queueStates(cloud, account))[name];
}

const subjects = async (address: string) => (await cloud.outbox(address)).map((email) => email.subject);

/** enforce-spend's invocations by trigger (the request ids of its structured log; retries share theirs). */
async function guardianRunsByTrigger(): Promise<Record<string, number>> {
  const requests = new Map<string, string>();
  for (const entry of await functionLogEntries(cloud, account, 'enforceSpend')) {
    const requestId = entry['function_request_id'];
    if (typeof requestId === 'string' && typeof entry['trigger'] === 'string') {
      requests.set(requestId, entry['trigger']);
    }
  }
  const counts: Record<string, number> = {};
  for (const trigger of requests.values()) counts[trigger] = (counts[trigger] ?? 0) + 1;
  return counts;
}

/**
 * When the estimate (AWS's figure plus each job's billed cost from its start, one minute at least)
 * reached `target` USD, had every job kept running; epoch ms. For the report only.
 */
function crossingOf(awsFigure: number, starts: readonly number[], target: number): number | undefined {
  const sorted = [...starts].sort((a, b) => a - b);
  const first = sorted[0];
  if (first === undefined) return undefined;
  for (let t = first; t <= first + 3_600_000; t += 100) {
    const cost = sorted
      .filter((start) => start <= t)
      .reduce((sum, start) => sum + (JOB_RATE * Math.max(60, Math.ceil((t - start) / 1000))) / 3600, 0);
    if (awsFigure + cost >= target) return t;
  }
  return undefined;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}

describe('two budgets in one account, each counting only its own jobs', () => {
  const teamA = () => budget('team-a', 5, 'a@example.org', {}, [QUEUE_A]);
  const teamB = () => budget('team-b', 5, 'b@example.org', { costFilter: { tags: { team: ['b'] } } });

  beforeAll(async () => {
    await apply(teamA(), teamB());
    awsReports('team-a', 2.5);
    awsReports('team-b', 2.5);
    // 100 jobs of team-a in its queue, 20 jobs tagged team=b in the other research queue: each
    // runs 2 s and is billed its first minute.
    const a = await submitJobBurst(cloud, account, QUEUE_A, 100, { runSeconds: 2 });
    const b = await submitJobBurst(cloud, account, QUEUE_B, 20, { runSeconds: 2, tags: { team: 'b' } });
    expect([a.refused, b.refused]).toEqual([0, 0]);
    await waitForJobs(cloud, account, [...a.jobIds, ...b.jobIds], ['SUCCEEDED']);
    await runGuardianNow(cloud, account);
  });

  it("team-a's jobs push team-a past 80%: its queue is disabled, no other", async () => {
    expect(await queueStates(cloud, account)).toEqual({
      [QUEUE_A]: 'DISABLED',
      [QUEUE_B]: 'ENABLED',
      [UNGUARDED_QUEUE]: 'ENABLED',
      [ANNUAL_QUEUE]: 'ENABLED',
      [IMAGING_QUEUE]: 'ENABLED',
      [BURST_QUEUE]: 'ENABLED',
      [MONTHLY_QUEUE]: 'ENABLED',
    });
    const a = await guardianBudgetView(cloud, account, 'team-a');
    expect(a.state?.summary.heldQueues).toEqual([QUEUE_A]);
    expect(a.state?.totals?.jobs).toBe(100);
    expect(a.watch?.estimate).toBeCloseTo(2.5 + 100 * FIRST_MINUTE, 6);
    const run = a.runs.at(-1);
    expect(run?.level).toBe('DISABLE');
    expect(run?.estimate.trackedBatchCost).toBeCloseTo(100 * FIRST_MINUTE, 6);
    expect(run?.estimate.percentOfBudget).toBeCloseTo(((2.5 + 100 * FIRST_MINUTE) / 5) * 100, 4);
    expect(run?.actionCounts).toEqual({ DISABLE_QUEUE: { DONE: 1 } });
    report(`two budgets: team-a at ${run?.estimate.percentOfBudget?.toFixed(1)}%`);
  });

  it("team-b counts only the jobs tagged team=b: below 80%, nothing held, no notice (with team-a's jobs it would be at 97%)", async () => {
    const b = await guardianBudgetView(cloud, account, 'team-b');
    expect(b.state?.totals?.jobs).toBe(20);
    expect(b.watch?.estimate).toBeCloseTo(2.5 + 20 * FIRST_MINUTE, 6);
    expect(b.watch?.level).toBe('BELOW');
    expect(b.watch?.coverage).toEqual({ tags: { team: ['b'] } });
    expect(b.state?.summary.heldQueues).toEqual([]);
    expect(b.runs).toEqual([]);
    expect(await subjects('b@example.org')).toEqual([]);
    report(`two budgets: team-b at ${(((b.watch?.estimate ?? 0) / 5) * 100).toFixed(1)}%`);
  });

  it("team-a's notice names its queue and its jobs, not team-b's", async () => {
    const [email, ...more] = await cloud.outbox('a@example.org');
    expect(more).toEqual([]);
    expect(email?.subject).toMatch(/team-a: AWS Batch job queues disabled at 8\d\.\d+% of the budget/);
    expect(email?.body).toContain(QUEUE_A);
    expect(email?.body).not.toContain(QUEUE_B);
    expect(email?.body).toMatch(/queue research-a/);
  });
});

describe('a period change by finance: ANNUALLY to MONTHLY', () => {
  const annual = (extra: Record<string, unknown> = {}) =>
    budget('annual-grant', 1000, 'grants@example.org', { period: 'ANNUALLY', ...extra }, [ANNUAL_QUEUE]);
  const monthStart = () => {
    const now = new Date();
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  };

  beforeAll(async () => {
    // Its first run counts every covered job since 1 January: a year of the ledger's index.
    await apply(annual());
    const jobs = await submitJobBurst(cloud, account, ANNUAL_QUEUE, 30, { runSeconds: 2 });
    await waitForJobs(cloud, account, jobs.jobIds, ['SUCCEEDED']);
    awsReports('annual-grant', 900);
    await runGuardianNow(cloud, account);
  });

  it('at $900 of $1,000 a year, the guardian holds the queue', async () => {
    expect(await queue(ANNUAL_QUEUE)).toBe('DISABLED');
    const view = await guardianBudgetView(cloud, account, 'annual-grant');
    expect(view.state?.spend).toMatchObject({ counted: 900, basis: 'REPORTED' });
    expect(view.state?.spend?.definition).toContain('ANNUALLY');
    expect(view.watch?.estimate).toBeCloseTo(900 + 30 * FIRST_MINUTE, 6);
  });

  it('MONTHLY at $200: AWS zeroes the figure, the annual $900 no longer counts, the queue comes back', async () => {
    await apply(annual({ period: 'MONTHLY', amount: 200 }));

    const aws = cloud.budgets(account).find((b) => b.budget.BudgetName === 'annual-grant')?.budget;
    expect(aws?.TimeUnit).toBe('MONTHLY');
    expect(aws?.CalculatedSpend?.ActualSpend?.Amount).toBe('0');
    expect(await queue(ANNUAL_QUEUE)).toBe('ENABLED');
    const view = await guardianBudgetView(cloud, account, 'annual-grant');
    expect(view.state?.spend).toMatchObject({
      counted: 0,
      lastReading: 0,
      basis: 'REPORTED',
      periodStart: monthStart(),
    });
    expect(view.state?.spend?.definition).toContain('MONTHLY');
    // Nothing known of the new definition's figure: every covered job of the month counts.
    expect(view.watch?.estimate).toBeCloseTo(30 * FIRST_MINUTE, 6);
    const run = view.runs.at(-1);
    expect(run?.actionCounts).toEqual({ ENABLE_QUEUE: { DONE: 1 } });
    expect(run?.estimate).toMatchObject({ actualSpendCounted: 0, basis: 'REPORTED', periodStart: monthStart() });
    const reenabled = (await cloud.outbox('grants@example.org')).at(-1);
    expect(reenabled?.subject).toMatch(/re-enabled at 0\.\d+% of the budget/);
    expect(reenabled?.body).toMatch(/the budget's period was changed/);
  });

  it('AWS reports the first monthly figure, $170 of $200: it counts, and the queue is held again', async () => {
    awsReports('annual-grant', 170);
    await runGuardianNow(cloud, account);

    expect(await queue(ANNUAL_QUEUE)).toBe('DISABLED');
    const view = await guardianBudgetView(cloud, account, 'annual-grant');
    expect(view.state?.spend).toMatchObject({ counted: 170, basis: 'REPORTED' });
    expect(view.runs.at(-1)?.estimate.percentOfBudget).toBeCloseTo(((170 + 30 * FIRST_MINUTE) / 200) * 100, 4);
  });
});

describe('an unreadable parameter while the guardian holds a queue', () => {
  const imaging = (extra: Record<string, unknown> = {}) =>
    budget('imaging', 10, 'imaging@example.org', extra, [IMAGING_QUEUE]);
  let deadLettersBefore: number;

  beforeAll(async () => {
    await apply(imaging());
    awsReports('imaging', 9);
    await runGuardianNow(cloud, account);
    expect(await queue(IMAGING_QUEUE)).toBe('DISABLED');
    deadLettersBefore = await cloud.spokeDeadLetterCount(account);
  });

  it('keeps the queue and the state, and the run fails into the spoke dead-letter queue', async () => {
    const document = await cloud.spokeParameter({ accountId: account, budgetName: 'imaging' });
    expect(document).toMatchObject({ schemaVersion: 1 });
    // A hub upgraded before the StackSet: a document this spoke cannot read.
    await putSpokeParameter(cloud, account, 'imaging', JSON.stringify({ ...document, schemaVersion: 99 }));
    await cloud.settled(60_000);
    await runGuardianNow(cloud, account);

    expect(await queue(IMAGING_QUEUE)).toBe('DISABLED');
    const view = await guardianBudgetView(cloud, account, 'imaging');
    expect(view.state?.summary).toMatchObject({ heldQueues: [IMAGING_QUEUE], over: true });
    expect(view.runs.map((run) => run.level)).toEqual(['DISABLE']);
    expect(await cloud.spokeDeadLetterCount(account)).toBe(deadLettersBefore + 1);
    const records = (await readSpokeDeadLetters(cloud, account)).map(
      (body) => JSON.parse(body) as Record<string, Record<string, unknown>>,
    );
    expect(records).toHaveLength(deadLettersBefore + 1);
    const failure = records.find((r) => /imaging/.test(JSON.stringify(r['responsePayload'])));
    expect(String(failure?.['requestContext']?.['functionArn'])).toMatch(/:function:[^:]*-enforceSpend(:\$LATEST)?$/);
    expect(failure?.['requestContext']?.['condition']).toBe('RetriesExhausted');
    expect(failure?.['responsePayload']).toMatchObject({
      errorType: 'EnforceSpendFailedError',
      errorMessage: expect.stringMatching(
        /failed for 1 budget\(s\): imaging: the parameter of budget imaging cannot be read/,
      ),
    });
    // The other budgets were checked all the same.
    expect(await queue(QUEUE_A)).toBe('DISABLED');
  });

  it('takes the budget up again once the hub writes the parameter again: the queue stays held', async () => {
    await apply(imaging({ notes: 'written again by the hub' }));

    expect(await cloud.spokeParameter({ accountId: account, budgetName: 'imaging' })).toMatchObject({
      schemaVersion: 1,
      notes: 'written again by the hub',
    });
    expect(await queue(IMAGING_QUEUE)).toBe('DISABLED');
    const view = await guardianBudgetView(cloud, account, 'imaging');
    expect(view.state?.summary.heldQueues).toEqual([IMAGING_QUEUE]);
    expect(view.watch?.level).toBe('DISABLE');
    expect(await cloud.spokeDeadLetterCount(account)).toBe(deadLettersBefore + 1);
  });
});

describe('a burst of jobs crossing 100% between two scheduled runs, no scheduled run fired', () => {
  const burst = () => budget('burst', 10, 'burst@example.org', {}, [BURST_QUEUE]);

  beforeAll(async () => {
    await apply(burst());
    awsReports('burst', 7.95);
    await runGuardianNow(cloud, account);
  });

  it('starts at 79.5%, below the first threshold, with a watch and no follow-up', async () => {
    const view = await guardianBudgetView(cloud, account, 'burst');
    expect(view.watch).toMatchObject({ level: 'BELOW', disableAt: 8, terminateAt: 10, runningRate: 0 });
    expect(view.watch?.estimate).toBeCloseTo(7.95, 6);
    expect(await queue(BURST_QUEUE)).toBe('ENABLED');
  });

  it('disables the queue and terminates every job on its own, by checks between scheduled runs', async () => {
    const runsBefore = await guardianRunsByTrigger();
    const started = Date.now();
    // 60 big Fargate jobs of an hour each: $71 an hour, past $10 within a minute.
    const jobs = await submitJobBurst(cloud, account, BURST_QUEUE, 60);
    const submittedAt = Date.now();
    expect(jobs.jobIds.length).toBeGreaterThan(0);

    const disabledAt = await waitFor(
      'the burst queue to be disabled',
      async () => ((await queue(BURST_QUEUE)) === 'DISABLED' ? Date.now() : undefined),
      240_000,
    );
    const terminated = await waitFor(
      'every job of the burst to be terminated',
      async () => {
        const details = await describeJobs(cloud, account, jobs.jobIds);
        return details.every((job) => job.status === 'FAILED') ? { details, at: Date.now() } : undefined;
      },
      240_000,
    );
    await cloud.settled(60_000);
    // For information (the machine is shared): when the estimate crossed each threshold, from the
    // jobs' start times, and how long the guardian took to see it (within the 250 ms of the polls here).
    const starts = terminated.details.flatMap((job) => (job.startedAt === undefined ? [] : [job.startedAt]));
    const crossed80 = crossingOf(7.95, starts, 8);
    const crossed100 = crossingOf(7.95, starts, 10);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    report(
      `burst: ${jobs.jobIds.length} jobs accepted (${jobs.refused} refused by the disabled queue) in ${seconds(submittedAt - started)}; ` +
        `queue disabled ${seconds(disabledAt - started)} and every job terminated ${seconds(terminated.at - started)} after the first submit; ` +
        `the estimate crossed 80% ${crossed80 === undefined ? '?' : seconds(crossed80 - started)} and 100% ${crossed100 === undefined ? '?' : seconds(crossed100 - started)} after it ` +
        `(reaction: ${crossed80 === undefined ? '?' : seconds(disabledAt - crossed80)} to disable, ${crossed100 === undefined ? '?' : seconds(terminated.at - crossed100)} to terminate)`,
    );

    expect(
      terminated.details.every((job) => /org-budgets cost guardian: budget burst/.test(job.statusReason ?? '')),
    ).toBe(true);
    const view = await guardianBudgetView(cloud, account, 'burst');
    // Disabled and terminated in two runs, or in one when it came after the crossing of 100%.
    expect(view.runs.at(-1)?.level).toBe('TERMINATE');
    const count = (type: string) => view.runs.reduce((n, run) => n + (run.actionCounts[type]?.['DONE'] ?? 0), 0);
    expect(count('DISABLE_QUEUE')).toBe(1);
    expect(count('TERMINATE_JOB')).toBe(jobs.jobIds.length);
    expect(await subjects('burst@example.org')).toEqual([
      expect.stringMatching(/queues disabled/),
      expect.stringMatching(/terminated/),
    ]);
    // Every run since the burst was a check (no schedule fired): asked for by the tracker or by a run.
    const runsAfter = await guardianRunsByTrigger();
    expect(runsAfter['schedule']).toBe(runsBefore['schedule']);
    expect(runsAfter['check'] ?? 0).toBeGreaterThan(runsBefore['check'] ?? 0);
    const asked = cloud.frontDoor
      .calls()
      .filter((call) => call.accountId === account && call.startedAt >= started)
      .reduce<Record<string, number>>((counts, call) => {
        if (call.service === 'lambda' || call.service === 'scheduler') {
          const key = `${call.service}:${call.operation}`;
          counts[key] = (counts[key] ?? 0) + 1;
        }
        return counts;
      }, {});
    expect(asked['lambda:Invoke'] ?? 0).toBeGreaterThan(0);
    report(
      `burst: checks asked for ${JSON.stringify(asked)}; enforce-spend runs by trigger ${JSON.stringify(runsAfter)}`,
    );
  });
});

describe('a rollover: the first of next month, 00:10, on the functions’ clock', () => {
  const monthly = () => budget('monthly', 10, 'monthly@example.org', {}, [MONTHLY_QUEUE]);
  const now = new Date();
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));

  beforeAll(async () => {
    await apply(monthly());
    awsReports('monthly', 9);
    await runGuardianNow(cloud, account);
  });

  it('this month: $9 of $10, the queue is held', async () => {
    expect(await queue(MONTHLY_QUEUE)).toBe('DISABLED');
    const view = await guardianBudgetView(cloud, account, 'monthly');
    expect(view.state?.spend).toMatchObject({ counted: 9, basis: 'REPORTED' });
  });

  it('next month, AWS still shows $9: 0 counts (PREVIOUS_PERIOD) and the queue comes back', async () => {
    setFunctionsClock(cloud, new Date(nextMonth.getTime() + 10 * 60_000));
    await runGuardianNow(cloud, account);

    expect(await queue(MONTHLY_QUEUE)).toBe('ENABLED');
    const view = await guardianBudgetView(cloud, account, 'monthly');
    expect(view.state?.spend).toMatchObject({
      lastReading: 9,
      counted: 0,
      basis: 'PREVIOUS_PERIOD',
      periodStart: nextMonth.toISOString(),
    });
    expect(view.watch).toMatchObject({ estimate: 0, level: 'BELOW' });
    const run = view.runs.at(-1);
    expect(run?.actionCounts).toEqual({ ENABLE_QUEUE: { DONE: 1 } });
    expect(run?.estimate).toMatchObject({ actualSpend: 9, actualSpendCounted: 0, basis: 'PREVIOUS_PERIOD' });
    const [, reenabled] = await cloud.outbox('monthly@example.org');
    expect(reenabled?.subject).toMatch(/re-enabled/);
    expect(reenabled?.body).toMatch(/new budget period/);
  });

  it('every budget starts afresh: each queue the guardian held is given back', async () => {
    expect(await queueStates(cloud, account)).toEqual({
      [QUEUE_A]: 'ENABLED',
      [QUEUE_B]: 'ENABLED',
      [UNGUARDED_QUEUE]: 'ENABLED',
      [ANNUAL_QUEUE]: 'ENABLED',
      [IMAGING_QUEUE]: 'ENABLED',
      [BURST_QUEUE]: 'ENABLED',
      [MONTHLY_QUEUE]: 'ENABLED',
    });
  });

  it("AWS reports the new month's first figure, $1.50: it counts", async () => {
    awsReports('monthly', 1.5, new Date());
    await runGuardianNow(cloud, account);

    const view = await guardianBudgetView(cloud, account, 'monthly');
    expect(view.state?.spend).toMatchObject({ lastReading: 1.5, counted: 1.5, basis: 'REPORTED' });
    expect(view.watch).toMatchObject({ estimate: 1.5, level: 'BELOW' });
    expect(await queue(MONTHLY_QUEUE)).toBe('ENABLED');
  });

  it('dead-letters nothing but the unreadable run', async () => {
    expect(await cloud.spokeDeadLetterCount(account)).toBe(1);
    expect(cloud.runtime.deadLetters).toEqual([]);
  });
});
