/**
 * The cost guardian end to end on the local cloud: the deployed spoke bundles (track-batch-jobs,
 * enforce-spend) in a member account, jobs that run in the front door's Batch simulator, the
 * guardian's notices in the outbox. Plays the guardian act of `pnpm demo`: 300 research jobs in
 * two guarded queues push a $10 budget past 80% (queues disabled), production jobs in an
 * unguarded queue push it past 100% (all 300 research jobs terminated, every ListJobs page),
 * finance raises the budget (queues enabled again).
 */
import {
  GUARDED_QUEUES,
  UNGUARDED_QUEUE,
  describeJobs,
  guardianBudget,
  guardianLedger,
  itemKeyString,
  playGuardianAct,
  type GuardianActResult,
  type ItemEdit,
  type LocalCloud,
} from '@org-budgets/sandbox';
import { report, startE2eCloud } from './support';

jest.setTimeout(300_000);

let cloud: LocalCloud;
let act: GuardianActResult;

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: 1 });
  act = await playGuardianAct(cloud, { progress: report });
}, 290_000);

afterAll(async () => {
  await cloud?.stop();
});

const [disabledStep, terminatedStep, raisedStep] = [0, 1, 2];

/** enforce-spend's invocations so far in the act's account, whatever started them. */
const enforceSpendRuns = () =>
  cloud.runtime
    .invocations()
    .filter((run) => run.account === act.accountId && run.functionName.endsWith('-enforceSpend')).length;

/** Waits for the edit's item to be APPLIED. */
async function applied(edit: ItemEdit): Promise<void> {
  const outcomes = await cloud.waitForSync([edit.key], { since: edit.at, timeoutMs: 60_000 });
  expect(outcomes.get(itemKeyString(edit.key))?.status).toBe('APPLIED');
}

describe('the cost guardian on the local cloud', () => {
  it('past 80%: disables both guarded queues, leaves the unguarded one, and tells the lab once', () => {
    const step = act.steps[disabledStep];
    expect(step?.percentOfBudget).toBeGreaterThanOrEqual(80);
    expect(step?.percentOfBudget).toBeLessThan(100);
    expect(step?.queues).toEqual({
      [GUARDED_QUEUES[0]]: 'DISABLED',
      [GUARDED_QUEUES[1]]: 'DISABLED',
      [UNGUARDED_QUEUE]: 'ENABLED',
    });
    expect(step?.jobs).toEqual({ RUNNING: 300 });
    expect(step?.emails.map((e) => e.subject)).toEqual([
      expect.stringMatching(/job queues disabled at 8\d\.\d+% of the budget/),
    ]);
    expect(step?.emails[0]?.body).toMatch(/research-a/);
  });

  it('past 100%: terminates every one of the 300 research jobs (every page), not the production jobs', async () => {
    const step = act.steps[terminatedStep];
    expect(step?.percentOfBudget).toBeGreaterThanOrEqual(100);
    expect(step?.jobs).toEqual({ FAILED: 300 });
    const research = await describeJobs(cloud, act.accountId, act.guardedJobIds);
    expect(research.every((job) => /org-budgets cost guardian: budget batch-grant/.test(job.statusReason ?? ''))).toBe(
      true,
    );
    const ops = await describeJobs(cloud, act.accountId, act.opsJobIds);
    expect(ops.map((job) => job.status)).toEqual(act.opsJobIds.map(() => 'RUNNING'));
    expect(step?.emails.map((e) => e.subject).at(-1)).toMatch(/terminated/i);
    // 150 jobs per queue: ListJobs answered 100 a page, so the guardian read two pages of each.
    const listJobs = cloud.frontDoor.calls().filter((c) => c.service === 'batch' && c.operation === 'ListJobs');
    expect(listJobs.length).toBeGreaterThanOrEqual(2 * 5 + 2);
  });

  it('budget raised: enables exactly the queues it disabled again, and says so', () => {
    const step = act.steps[raisedStep];
    expect(step?.percentOfBudget).toBeLessThan(80);
    expect(step?.queues).toEqual({
      [GUARDED_QUEUES[0]]: 'ENABLED',
      [GUARDED_QUEUES[1]]: 'ENABLED',
      [UNGUARDED_QUEUE]: 'ENABLED',
    });
    const subjects = step?.emails.map((e) => e.subject) ?? [];
    expect(subjects).toHaveLength(3);
    expect(subjects[2]).toMatch(/enabled/i);
    expect(step?.emails[2]?.body).toMatch(/raised/i);
  });

  it('keeps the ledger: every job with its resources and times, the state, and each run with its actions', async () => {
    const ledger = await guardianLedger(cloud, act.accountId);
    const jobs = ledger.filter((item) => String(item['pk']).startsWith('JOB#'));
    expect(jobs).toHaveLength(act.guardedJobIds.length + act.opsJobIds.length);
    const research = jobs.filter((item) => act.guardedJobIds.includes(String(item['pk']).slice(4)));
    expect(
      research.every((item) => item['status'] === 'FAILED' && String(item['activity']).startsWith('STOPPED#')),
    ).toBe(true);
    expect((research[0]?.['record'] as Record<string, unknown>)['resources']).toEqual({
      vcpus: 16,
      memoryMiB: 122880,
      gpus: 0,
    });
    expect((research[0]?.['record'] as Record<string, unknown>)['capacity']).toBe('ON_DEMAND');

    const runs = ledger.filter((item) => String(item['sk']).startsWith('RUN#'));
    const count = (type: string) =>
      runs.reduce(
        (n, run) => n + ((run['actionCounts'] as Record<string, Record<string, number>>)[type]?.['DONE'] ?? 0),
        0,
      );
    expect(count('DISABLE_QUEUE')).toBe(2);
    expect(count('TERMINATE_JOB')).toBe(300);
    expect(count('ENABLE_QUEUE')).toBe(2);
    const notices = runs.flatMap((run) => run['notices'] as { kind: string; sent: boolean }[]);
    expect(notices.map((n) => `${n.kind} ${n.sent}`).sort()).toEqual([
      'JOBS_TERMINATED true',
      'QUEUES_DISABLED true',
      'QUEUES_REENABLED true',
    ]);
    const state = ledger.find((item) => item['sk'] === 'GUARDIAN');
    expect(state?.['summary']).toMatchObject({ heldQueues: [], over: false, terminationRequests: 0 });
    expect(state?.['lease']).toBeUndefined();
  });

  it('guardian turned off: enforce-spend runs once more and lets go of the budget (no guardianIdle on that report)', async () => {
    const before = enforceSpendRuns();
    await applied(await cloud.putItem({ ...guardianBudget(act.accountId, 20), guardian: { mode: 'off' } }));
    await cloud.settled(120_000);

    expect(enforceSpendRuns()).toBeGreaterThan(before);
    const ledger = await guardianLedger(cloud, act.accountId);
    expect(ledger.find((item) => item['sk'] === 'GUARDIAN')).toBeUndefined();
  });

  it('guardian off and holding nothing: an edit sets off no enforce-spend run (its report says guardianIdle)', async () => {
    const before = enforceSpendRuns();
    await applied(await cloud.putItem({ ...guardianBudget(act.accountId, 25), guardian: { mode: 'off' } }));
    await cloud.settled(120_000);

    expect(enforceSpendRuns()).toBe(before);
  });

  it('dead-letters nothing', async () => {
    expect(await cloud.spokeDeadLetterCount(act.accountId)).toBe(0);
    expect(cloud.runtime.deadLetters).toEqual([]);
  });
});
