import { validateBudgetItem, type BudgetItemInput } from '@org-budgets/contracts';
import {
  decideGuardianActions,
  stateAfterActions,
  type ActiveJobView,
  type Decision,
  type DecisionInput,
  type GuardianState,
  type JobQueueView,
} from './decide';
import type { SpendBasis } from './spend-estimate';

const ACCOUNT_ID = '111111111111';
const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-23T12:00:00Z');
const REFRESHED = at('2026-11-23T06:00:00Z');

function budget(overrides: Partial<BudgetItemInput> = {}): DecisionInput['budget'] {
  const result = validateBudgetItem({
    accountId: ACCOUNT_ID,
    budgetName: 'genomics-lab',
    amount: 1000,
    guardian: { mode: 'enforce' },
    ...overrides,
  });
  if (!result.valid) throw new Error(result.message);
  return result.item;
}

function queue(name: string, state: JobQueueView['state'] = 'ENABLED', guardTagged = true): JobQueueView {
  return { name, arn: `arn:aws:batch:us-east-1:${ACCOUNT_ID}:job-queue/${name}`, state, guardTagged };
}

function job(jobId: string, jobQueueName: string, status: ActiveJobView['status'] = 'RUNNING'): ActiveJobView {
  return { jobId, jobName: `job-${jobId}`, jobQueueName, status };
}

interface Scenario {
  budget?: DecisionInput['budget'];
  /** AWS Budgets actual spend. */
  actual?: number;
  /** The figure that counts (see rememberSpend): `actual` by default. */
  counted?: number;
  basis?: SpendBasis;
  lastUpdated?: Date;
  /** Tracked Batch cost accrued since the refresh. */
  tracked?: number;
  state?: GuardianState;
  queues?: JobQueueView[];
  activeJobs?: ActiveJobView[];
  now?: Date;
}

function decide(s: Scenario = {}): Decision {
  return decideGuardianActions({
    budget: s.budget ?? budget(),
    actualSpend: {
      reported: s.actual ?? 0,
      counted: s.counted ?? s.actual ?? 0,
      basis: s.basis ?? 'REPORTED',
      refreshedAfter: s.lastUpdated ?? REFRESHED,
    },
    batchCostAccruedSince: () => s.tracked ?? 0,
    state: s.state,
    queues: s.queues ?? [queue('cpu'), queue('gpu')],
    activeJobs: s.activeJobs ?? [],
    now: s.now ?? NOW,
  });
}

const types = (d: Decision) => d.actions.map((a) => `${a.type} ${'queueName' in a ? a.queueName : a.jobId}`);
const noticeKinds = (d: Decision) => d.notices.map((n) => `${n.kind}${n.dryRun ? ' (would)' : ''}`);

describe('decideGuardianActions', () => {
  describe('below disableQueuesAt', () => {
    it('does nothing and tells no one', () => {
      const decision = decide({ actual: 700, tracked: 99 });

      expect(decision).toMatchObject({ level: 'BELOW', actions: [], notices: [] });
      expect(decision.estimate).toMatchObject({ total: 799, percentOfBudget: 79.9 });
    });
  });

  describe('crossing disableQueuesAt', () => {
    it('disables the enabled guarded queues and remembers them', () => {
      const decision = decide({ actual: 700, tracked: 105 });

      expect(decision.level).toBe('DISABLE');
      expect(types(decision)).toEqual(['DISABLE_QUEUE cpu', 'DISABLE_QUEUE gpu']);
      expect(decision.nextState.heldQueues.map((h) => [h.name, h.dryRun])).toEqual([
        ['cpu', false],
        ['gpu', false],
      ]);
    });

    it('disables at exactly the threshold', () => {
      expect(decide({ actual: 800 }).level).toBe('DISABLE');
    });

    it('leaves alone a guarded queue someone else disabled, and does not claim it', () => {
      const decision = decide({ actual: 850, queues: [queue('cpu'), queue('gpu', 'DISABLED')] });

      expect(types(decision)).toEqual(['DISABLE_QUEUE cpu']);
      expect(decision.nextState.heldQueues.map((h) => h.name)).toEqual(['cpu']);
    });

    it('notifies once, with the numbers that led to it', () => {
      const first = decide({ actual: 700, tracked: 105 });
      const second = decide({
        actual: 700,
        tracked: 110,
        state: first.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });

      expect(noticeKinds(first)).toEqual(['QUEUES_DISABLED']);
      expect(first.notices[0]).toMatchObject({
        queues: ['cpu', 'gpu'],
        disableQueuesAt: 80,
        terminateJobsAt: 100,
        estimate: { actualSpendCounted: 700, trackedBatchCost: 105, total: 805, percentOfBudget: 80.5 },
      });
      expect(second).toMatchObject({ level: 'DISABLE', actions: [], notices: [] });
    });

    it('disables again, without a second notice, a queue someone re-enabled while spend is still over', () => {
      const first = decide({ actual: 850 });
      const second = decide({ actual: 850, state: first.nextState, queues: [queue('cpu'), queue('gpu', 'DISABLED')] });

      expect(types(second)).toEqual(['DISABLE_QUEUE cpu']);
      expect(second.notices).toEqual([]);
    });

    it('does not terminate jobs below terminateJobsAt', () => {
      const decision = decide({ actual: 990, activeJobs: [job('j1', 'cpu')] });

      expect(decision.actions.some((a) => a.type === 'TERMINATE_JOB')).toBe(false);
    });
  });

  describe('crossing terminateJobsAt', () => {
    const activeJobs = [
      job('j1', 'cpu', 'RUNNING'),
      job('j2', 'cpu', 'RUNNABLE'),
      job('j3', 'gpu', 'STARTING'),
      job('j4', 'gpu', 'SUBMITTED'),
      job('j5', 'gpu', 'PENDING'),
      job('j6', 'unguarded', 'RUNNING'),
    ];
    const queues = [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED'), queue('unguarded', 'ENABLED', false)];

    it('terminates every active job in the guarded queues, and only those', () => {
      const decision = decide({ actual: 950, tracked: 60, queues, activeJobs });

      expect(decision.level).toBe('TERMINATE');
      expect(types(decision)).toEqual([
        'TERMINATE_JOB j1',
        'TERMINATE_JOB j2',
        'TERMINATE_JOB j3',
        'TERMINATE_JOB j4',
        'TERMINATE_JOB j5',
      ]);
      expect(decision.actions[0]).toMatchObject({
        reason: 'org-budgets cost guardian: budget genomics-lab at 101.0% (estimated 1,010.00 USD of 1,000.00 USD)',
      });
    });

    it('disables the queues and terminates the jobs when spend jumps straight past both thresholds', () => {
      const decision = decide({ actual: 1005, queues: [queue('cpu')], activeJobs: [job('j1', 'cpu')] });

      expect(types(decision)).toEqual(['DISABLE_QUEUE cpu', 'TERMINATE_JOB j1']);
      expect(noticeKinds(decision)).toEqual(['QUEUES_DISABLED', 'JOBS_TERMINATED']);
    });

    it('notifies once, and does not ask again for a termination that is under way', () => {
      const first = decide({ actual: 1010, queues, activeJobs });
      const again = decide({
        actual: 1010,
        queues,
        activeJobs,
        state: first.nextState,
        now: at('2026-11-23T12:05:00Z'),
      });

      expect(noticeKinds(first)).toEqual(['JOBS_TERMINATED']);
      expect(first.notices[0]).toMatchObject({ jobs: activeJobs.slice(0, 5) });
      expect(again).toMatchObject({ actions: [], notices: [] });
    });

    it('asks again, silently, for a job still active 15 minutes after it was asked to stop', () => {
      const first = decide({ actual: 1010, queues, activeJobs });
      const later = decide({
        actual: 1010,
        queues,
        activeJobs: [job('j1', 'cpu', 'RUNNING')],
        state: first.nextState,
        now: at('2026-11-23T12:15:00Z'),
      });

      expect(types(later)).toEqual(['TERMINATE_JOB j1']);
      expect(later.notices).toEqual([]);
    });

    it('terminates jobs in a guarded queue someone else disabled', () => {
      const decision = decide({ actual: 1010, queues: [queue('gpu', 'DISABLED')], activeJobs: [job('j3', 'gpu')] });

      expect(types(decision)).toEqual(['TERMINATE_JOB j3']);
      expect(decision.nextState.heldQueues).toEqual([]);
    });
  });

  describe('dropping below disableQueuesAt again', () => {
    function overThenRaised(queuesAfter: JobQueueView[]) {
      const over = decide({ actual: 900, queues: [queue('cpu'), queue('gpu', 'DISABLED')] });
      const raised = decide({
        budget: budget({ amount: 2000 }),
        actual: 900,
        state: over.nextState,
        queues: queuesAfter,
      });
      return { over, raised };
    }

    it('re-enables exactly the queues the guardian disabled; a queue someone else disabled stays disabled', () => {
      const { raised } = overThenRaised([queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')]);

      expect(raised.level).toBe('BELOW');
      expect(types(raised)).toEqual(['ENABLE_QUEUE cpu']);
      expect(raised.nextState.heldQueues).toEqual([]);
    });

    it('notifies the re-enabling once, saying the budget was raised', () => {
      const { raised } = overThenRaised([queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')]);
      const next = decide({
        budget: budget({ amount: 2000 }),
        actual: 900,
        state: raised.nextState,
        queues: [queue('cpu'), queue('gpu', 'DISABLED')],
      });

      expect(noticeKinds(raised)).toEqual(['QUEUES_REENABLED']);
      expect(raised.notices[0]).toMatchObject({ reason: 'BUDGET_RAISED', queues: ['cpu'] });
      expect(next).toMatchObject({ actions: [], notices: [] });
    });

    it('forgets a queue that someone re-enabled already, without touching it', () => {
      const { raised } = overThenRaised([queue('cpu', 'ENABLED'), queue('gpu', 'DISABLED')]);

      expect(raised).toMatchObject({ actions: [], notices: [] });
      expect(raised.nextState.heldQueues).toEqual([]);
    });

    it('says the estimate fell when AWS Budgets refreshed lower', () => {
      const over = decide({ actual: 700, tracked: 150 });
      const refreshed = decide({
        actual: 760,
        tracked: 5,
        lastUpdated: at('2026-11-23T13:00:00Z'),
        now: at('2026-11-23T13:05:00Z'),
        state: over.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });

      expect(types(refreshed)).toEqual(['ENABLE_QUEUE cpu', 'ENABLE_QUEUE gpu']);
      expect(refreshed.notices[0]).toMatchObject({ kind: 'QUEUES_REENABLED', reason: 'ESTIMATE_BELOW_THRESHOLD' });
    });

    it('disables and notifies again if spend crosses the threshold once more in the same period', () => {
      const over = decide({ actual: 900 });
      const raised = decide({
        budget: budget({ amount: 2000 }),
        actual: 900,
        state: over.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });
      const overAgain = decide({ budget: budget({ amount: 2000 }), actual: 1700, state: raised.nextState });

      expect(types(overAgain)).toEqual(['DISABLE_QUEUE cpu', 'DISABLE_QUEUE gpu']);
      expect(noticeKinds(overAgain)).toEqual(['QUEUES_DISABLED']);
      expect(overAgain.nextState.episode).toBe(2);
    });
  });

  it('says so when finance changed the period (ANNUALLY → MONTHLY), not that a new period began', () => {
    const annual = decide({
      budget: budget({ period: 'ANNUALLY', amount: 1000 }),
      actual: 9000,
      now: at('2026-11-20T12:00:00Z'),
      lastUpdated: at('2026-11-20T06:00:00Z'),
    });
    expect(annual.nextState).toMatchObject({ period: 'ANNUALLY', heldQueues: [{ name: 'cpu' }, { name: 'gpu' }] });
    const monthly = decide({
      budget: budget({ period: 'MONTHLY', amount: 1000 }),
      actual: 0,
      now: at('2026-11-20T12:05:00Z'),
      state: annual.nextState,
      queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
    });

    expect(types(monthly)).toEqual(['ENABLE_QUEUE cpu', 'ENABLE_QUEUE gpu']);
    expect(monthly.notices[0]).toMatchObject({ kind: 'QUEUES_REENABLED', reason: 'PERIOD_CHANGED' });
    expect(monthly.nextState.period).toBe('MONTHLY');
    // A state saved before the period was kept: a new period, as before.
    const { period: _dropped, ...older } = annual.nextState;
    expect(
      decide({
        budget: budget({ period: 'MONTHLY', amount: 1000 }),
        actual: 0,
        now: at('2026-11-20T12:05:00Z'),
        state: older,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      }).notices[0],
    ).toMatchObject({ reason: 'NEW_PERIOD' });
  });

  describe('a new budget period', () => {
    it('re-enables the queues disabled last period, not counting the old actual spend', () => {
      const october = decide({
        actual: 1100,
        now: at('2026-10-30T12:00:00Z'),
        lastUpdated: at('2026-10-30T06:00:00Z'),
      });
      const november = decide({
        actual: 1150, // still last period's figure: AWS Budgets refreshed on 31 October
        counted: 0,
        basis: 'PREVIOUS_PERIOD',
        lastUpdated: at('2026-10-31T18:00:00Z'),
        tracked: 2,
        now: at('2026-11-01T00:10:00Z'),
        state: october.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });

      expect(november.estimate).toMatchObject({
        actualSpendCounted: 0,
        total: 2,
        periodStart: '2026-11-01T00:00:00.000Z',
      });
      expect(types(november)).toEqual(['ENABLE_QUEUE cpu', 'ENABLE_QUEUE gpu']);
      expect(november.notices[0]).toMatchObject({ kind: 'QUEUES_REENABLED', reason: 'NEW_PERIOD' });
      expect(november.nextState).toMatchObject({ periodStart: '2026-11-01T00:00:00.000Z', episode: 0, heldQueues: [] });
      expect(november.nextState.notices.map((n) => n.kind)).toEqual(['QUEUES_REENABLED']);
    });

    it('starts afresh: a new crossing in the new period is notified again', () => {
      const october = decide({ actual: 900, now: at('2026-10-30T12:00:00Z'), lastUpdated: at('2026-10-30T06:00:00Z') });
      const november = decide({
        actual: 850,
        lastUpdated: at('2026-11-20T06:00:00Z'),
        now: at('2026-11-20T07:00:00Z'),
        state: october.nextState,
      });

      expect(noticeKinds(november)).toEqual(['QUEUES_DISABLED']);
    });

    it('keeps a quarterly budget in one period across months', () => {
      const q = budget({ period: 'QUARTERLY', amount: 3000 });
      const october = decide({
        budget: q,
        actual: 2500,
        now: at('2026-10-30T12:00:00Z'),
        lastUpdated: at('2026-10-30T06:00:00Z'),
      });
      const november = decide({
        budget: q,
        actual: 2500,
        lastUpdated: at('2026-11-01T06:00:00Z'),
        now: at('2026-11-01T07:00:00Z'),
        state: october.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });

      expect(november).toMatchObject({ level: 'DISABLE', actions: [], notices: [] });
    });

    it('re-enables at the turn of the year for an annual budget', () => {
      const annual = budget({ period: 'ANNUALLY', amount: 12000 });
      const december = decide({
        budget: annual,
        actual: 11000,
        now: at('2026-12-31T12:00:00Z'),
        lastUpdated: at('2026-12-31T06:00:00Z'),
      });
      const january = decide({
        budget: annual,
        actual: 11000,
        counted: 0,
        basis: 'PREVIOUS_PERIOD',
        lastUpdated: at('2026-12-31T18:00:00Z'),
        now: at('2027-01-01T01:00:00Z'),
        state: december.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });

      expect(types(january)).toEqual(['ENABLE_QUEUE cpu', 'ENABLE_QUEUE gpu']);
      expect(january.notices[0]).toMatchObject({ reason: 'NEW_PERIOD' });
    });
  });

  describe('notify mode', () => {
    const notifyBudget = budget({ guardian: { mode: 'notify' } });

    it('changes nothing and says what it would do', () => {
      const decision = decide({ budget: notifyBudget, actual: 1010, activeJobs: [job('j1', 'cpu')] });

      expect(decision).toMatchObject({ dryRun: true, level: 'TERMINATE', actions: [] });
      expect(decision.wouldActions.map((a) => a.type)).toEqual(['DISABLE_QUEUE', 'DISABLE_QUEUE', 'TERMINATE_JOB']);
      expect(noticeKinds(decision)).toEqual(['QUEUES_DISABLED (would)', 'JOBS_TERMINATED (would)']);
      expect(decision.notices.every((n) => n.subject.includes('would'))).toBe(true);
    });

    it('says it once', () => {
      const first = decide({ budget: notifyBudget, actual: 1010, activeJobs: [job('j1', 'cpu')] });
      const again = decide({
        budget: notifyBudget,
        actual: 1020,
        activeJobs: [job('j1', 'cpu')],
        state: first.nextState,
      });

      expect(again).toMatchObject({ actions: [], notices: [], wouldActions: [] });
    });

    it('says it would re-enable when spend drops, and forgets what it never did', () => {
      const over = decide({ budget: notifyBudget, actual: 900 });
      const raised = decide({
        budget: budget({ amount: 2000, guardian: { mode: 'notify' } }),
        actual: 900,
        state: over.nextState,
      });

      expect(raised.actions).toEqual([]);
      expect(raised.wouldActions.map((a) => a.type)).toEqual(['ENABLE_QUEUE', 'ENABLE_QUEUE']);
      expect(noticeKinds(raised)).toEqual(['QUEUES_REENABLED (would)']);
      expect(raised.nextState.heldQueues).toEqual([]);
    });

    it('acts, and tells, when switched to enforce while spend is over', () => {
      const notified = decide({ budget: notifyBudget, actual: 900 });
      const enforced = decide({ actual: 900, state: notified.nextState });

      expect(types(enforced)).toEqual(['DISABLE_QUEUE cpu', 'DISABLE_QUEUE gpu']);
      expect(noticeKinds(enforced)).toEqual(['QUEUES_DISABLED']);
      expect(enforced.nextState.heldQueues.every((h) => !h.dryRun)).toBe(true);
    });

    it('does not give back queues enforce mode disabled; it says it would', () => {
      const enforced = decide({ actual: 900 });
      const notifyLater = decide({
        budget: budget({ amount: 2000, guardian: { mode: 'notify' } }),
        actual: 900,
        state: enforced.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });

      expect(notifyLater.actions).toEqual([]);
      expect(notifyLater.wouldActions.map((a) => a.type)).toEqual(['ENABLE_QUEUE', 'ENABLE_QUEUE']);
      expect(notifyLater.nextState.heldQueues.map((h) => h.name)).toEqual(['cpu', 'gpu']);
    });
  });

  describe('off mode', () => {
    it('does nothing, tells no one and remembers nothing, whatever the spend', () => {
      const state = decide({ actual: 900 }).nextState;

      const decision = decide({
        budget: budget({ guardian: { mode: 'off' } }),
        actual: 5000,
        state,
        activeJobs: [job('j1', 'cpu')],
      });

      expect(decision).toMatchObject({
        level: 'TERMINATE',
        actions: [],
        wouldActions: [],
        notices: [],
        stateChanged: false,
      });
      expect(decision.nextState).toBe(state);
    });
  });

  describe('guarded queues', () => {
    it('guards the queues tagged org-budgets:guard=true by default', () => {
      const decision = decide({ actual: 900, queues: [queue('cpu'), queue('scratch', 'ENABLED', false)] });

      expect(decision.guardedQueues).toEqual(['cpu']);
      expect(types(decision)).toEqual(['DISABLE_QUEUE cpu']);
    });

    it('guards the named queues when jobQueues is set, tagged or not, and reports names that match nothing', () => {
      const named = budget({ guardian: { mode: 'enforce', jobQueues: ['scratch', 'missing'] } });

      const decision = decide({
        budget: named,
        actual: 900,
        queues: [queue('cpu'), queue('scratch', 'ENABLED', false)],
      });

      expect(decision).toMatchObject({ guardedQueues: ['scratch'], unknownQueues: ['missing'] });
      expect(types(decision)).toEqual(['DISABLE_QUEUE scratch']);
    });

    it('uses the thresholds of the item', () => {
      const early = budget({ guardian: { mode: 'enforce', disableQueuesAt: 50, terminateJobsAt: 90 } });

      expect(decide({ budget: early, actual: 500 }).level).toBe('DISABLE');
      expect(decide({ budget: early, actual: 900 }).level).toBe('TERMINATE');
    });
  });

  describe('state', () => {
    it('reports whether there is anything to save', () => {
      const first = decide({ actual: 900 });
      const second = decide({
        actual: 900,
        state: first.nextState,
        queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
      });

      expect(first.stateChanged).toBe(true);
      expect(second.stateChanged).toBe(false);
    });

    it('is JSON: it survives a round trip through DynamoDB or SSM', () => {
      const first = decide({ actual: 1010, activeJobs: [job('j1', 'cpu')] });

      expect(JSON.parse(JSON.stringify(first.nextState))).toEqual(first.nextState);
    });
  });
});

describe('stateAfterActions', () => {
  it('does not hold a queue it failed to disable, nor remember a job it failed to terminate', () => {
    const decision = decide({ actual: 1010, activeJobs: [job('j1', 'cpu'), job('j2', 'gpu')] });
    const failed = decision.actions.filter(
      (a) => (a.type === 'DISABLE_QUEUE' && a.queueName === 'gpu') || (a.type === 'TERMINATE_JOB' && a.jobId === 'j2'),
    );

    const state = stateAfterActions(decision, failed);

    expect(state.heldQueues.map((h) => h.name)).toEqual(['cpu']);
    expect(state.terminationRequests.map((r) => r.jobId)).toEqual(['j1']);
  });

  it('keeps holding a queue it failed to re-enable, so that it tries again', () => {
    const over = decide({ actual: 900 });
    const raised = decide({
      budget: budget({ amount: 2000 }),
      actual: 900,
      state: over.nextState,
      queues: [queue('cpu', 'DISABLED'), queue('gpu', 'DISABLED')],
    });

    const state = stateAfterActions(
      raised,
      raised.actions.filter((a) => a.type === 'ENABLE_QUEUE' && a.queueName === 'gpu'),
    );
    const retry = decide({
      budget: budget({ amount: 2000 }),
      actual: 900,
      state,
      queues: [queue('cpu'), queue('gpu', 'DISABLED')],
    });

    expect(state.heldQueues.map((h) => h.name)).toEqual(['gpu']);
    expect(types(retry)).toEqual(['ENABLE_QUEUE gpu']);
  });
});
