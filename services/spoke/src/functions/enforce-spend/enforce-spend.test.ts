import {
  StateWriteConflictError,
  type BatchQueues,
  type CurrentBudgetParameter,
  type GuardianLedger,
  type GuardianRunRecord,
  type Lease,
  type StateExtras,
} from '@org-budgets/aws';
import { toBudgetParameter, validateBudgetItem } from '@org-budgets/contracts';
import {
  isTerminalStatus,
  resolvePriceBook,
  type ActiveJobView,
  type BudgetWatch,
  type SpendMemory,
  type TrackedTotals,
  type GuardianState,
  type JobObservation,
  type JobQueueView,
  type JobRecord,
} from '@org-budgets/guardian';
import { fargateJobEvent } from '@org-budgets/guardian/testing';
import { enforceSpend, type EnforceSpendDeps, type NoticeMessage } from './enforce-spend';
import { EnforceSpendFailedError } from './errors';

const ACCOUNT = '111111111111';
const NOW = new Date('2026-11-23T12:00:00Z');
const REFRESHED = new Date('2026-11-23T06:00:00Z');

function parameter(overrides: Record<string, unknown> = {}): CurrentBudgetParameter {
  const result = validateBudgetItem({
    accountId: ACCOUNT,
    budgetName: 'research',
    amount: 100,
    emails: ['lab@example.org'],
    guardian: { mode: 'enforce' },
    ...overrides,
  });
  if (!result.valid) throw new Error(result.message);
  return {
    exists: true,
    value: '',
    valid: true,
    parameter: toBudgetParameter(result.item, '7', new Date('2026-11-01T00:00:00Z')),
  };
}

/** A Fargate x86 job of 16 vCPU and 120 GiB that has run since `start` (about $1.18 an hour). */
function runningJob(jobId: string, start: Date, queue = 'research-a'): JobRecord {
  return {
    jobId,
    jobName: jobId,
    jobQueueArn: `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/${queue}`,
    jobQueueName: queue,
    status: 'RUNNING',
    kind: 'SINGLE',
    billable: true,
    resources: { vcpus: 16, memoryMiB: 120 * 1024, gpus: 0 },
    platform: 'FARGATE',
    architecture: 'X86_64',
    capacity: 'ON_DEMAND',
    startedAt: start.getTime(),
    attempts: [],
    currentRun: { attempt: 0, since: start.getTime() },
    statusEventTime: start.getTime(),
    lastEventTime: start.getTime(),
    version: 1,
  };
}

class FakeLedger implements GuardianLedger {
  jobs: JobRecord[] = [];
  /** When each finished job's finish was recorded (its stop time by default). */
  recordedAt = new Map<string, number>();
  /** The `since` of every jobsFinishedSince call. */
  finishedReads: Date[] = [];
  states = new Map<
    string,
    {
      state: GuardianState;
      version: number;
      spend?: SpendMemory;
      totals?: TrackedTotals;
      lease?: Lease;
      recipients?: string[];
    }
  >();
  runs: GuardianRunRecord[] = [];
  /** Called before each saveState: lets a test slip in a competing write. */
  beforeSave: (() => void) | undefined;
  observed: JobObservation[] = [];
  async recordObservation(observation: JobObservation): Promise<boolean> {
    this.observed.push(observation);
    return true;
  }
  async activeJobs() {
    return this.jobs.filter((job) => !isTerminalStatus(job.status));
  }
  async jobsFinishedSince(since: Date) {
    this.finishedReads.push(since);
    return this.jobs
      .filter((job) => isTerminalStatus(job.status))
      .map((job) => ({ job, recordedAt: this.recordedAt.get(job.jobId) ?? (job.stoppedAt as number) }))
      .filter((finished) => finished.recordedAt >= since.getTime());
  }
  async getState(name: string) {
    const stored = this.states.get(name);
    return stored && structuredClone(stored);
  }
  async budgetsWithState() {
    return [...this.states.keys()];
  }
  async saveState(name: string, state: GuardianState, expected: number | undefined, extras: StateExtras = {}) {
    this.beforeSave?.();
    const current = this.states.get(name);
    if ((current?.version ?? undefined) !== expected) throw new StateWriteConflictError(name);
    const version = (expected ?? 0) + 1;
    this.states.set(name, {
      state: structuredClone(state),
      version,
      ...(extras.spend ? { spend: structuredClone(extras.spend) } : {}),
      ...(extras.totals ? { totals: structuredClone(extras.totals) } : {}),
      ...(extras.lease ? { lease: extras.lease } : {}),
      ...(extras.recipients ? { recipients: [...extras.recipients] } : {}),
    });
    return version;
  }
  async deleteState(name: string, expected: number) {
    if (this.states.get(name)?.version !== expected) throw new StateWriteConflictError(name);
    this.states.delete(name);
  }
  async recordRun(run: GuardianRunRecord) {
    this.runs.push(run);
  }
}

class FakeBatch implements BatchQueues {
  queues: JobQueueView[] = [
    {
      name: 'research-a',
      arn: `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/research-a`,
      state: 'ENABLED',
      guardTagged: true,
    },
    {
      name: 'research-b',
      arn: `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/research-b`,
      state: 'ENABLED',
      guardTagged: true,
    },
    { name: 'ops', arn: `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/ops`, state: 'ENABLED', guardTagged: false },
  ];
  active: ActiveJobView[] = [];
  listActiveCalls = 0;
  queueChanges: string[] = [];
  terminated: string[] = [];
  failTerminationOf = new Set<string>();
  /** What DescribeJobs answers, by job id. */
  details = new Map<string, Record<string, unknown>>();
  describeCalls = 0;
  async describeJobs(ids: readonly string[]) {
    this.describeCalls += 1;
    return ids.flatMap((id) => (this.details.has(id) ? [this.details.get(id) as Record<string, unknown>] : []));
  }
  async listQueues() {
    return this.queues.map((q) => ({ ...q }));
  }
  async listActiveJobs(names: readonly string[]) {
    this.listActiveCalls += 1;
    return this.active.filter((j) => names.includes(j.jobQueueName));
  }
  async setQueueState(arn: string, state: 'ENABLED' | 'DISABLED') {
    const queue = this.queues.find((q) => q.arn === arn);
    if (!queue) throw new Error(`no queue ${arn}`);
    queue.state = state;
    this.queueChanges.push(`${queue.name}:${state}`);
  }
  async terminateJob(jobId: string) {
    if (this.failTerminationOf.has(jobId)) throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequests' });
    this.terminated.push(jobId);
    this.active = this.active.filter((j) => j.jobId !== jobId);
  }
}

function setup(options: { actual: number; budget?: CurrentBudgetParameter } = { actual: 50 }) {
  const ledger = new FakeLedger();
  const batch = new FakeBatch();
  const notices: (NoticeMessage & { to: readonly string[] })[] = [];
  const subscribed: string[] = [];
  const watches = new Map<string, BudgetWatch>();
  const checks: { budgetName: string; delaySeconds: number }[] = [];
  const world = {
    budget: options.budget ?? parameter(),
    actual: options.actual,
    refreshed: REFRESHED as Date | undefined,
    now: NOW,
    /** The AWS Budget's TimeUnit and cost filters, as DescribeBudget gives them. */
    timeUnit: 'MONTHLY',
    costFilters: undefined as Record<string, string[]> | undefined,
    unit: 'USD',
  };
  const deps: EnforceSpendDeps = {
    accountId: ACCOUNT,
    region: 'us-east-1',
    readBudget: async () => world.budget,
    listBudgets: async () => new Map(world.budget.exists ? [['research', world.budget]] : []),
    readSpend: async () => ({
      actual: world.actual,
      lastUpdated: world.refreshed,
      timeUnit: world.timeUnit,
      timePeriod: {},
      definition: {
        timeUnit: world.timeUnit,
        unit: world.unit,
        ...(world.costFilters ? { costFilters: world.costFilters } : {}),
      },
    }),
    ledger,
    watches: {
      save: async (name, watch) => {
        watches.set(name, watch);
      },
      remove: async (name) => {
        watches.delete(name);
      },
    },
    checks: {
      request: async (budgetName, delaySeconds) => {
        checks.push({ budgetName, delaySeconds });
      },
    },
    scheduleMs: 5 * 60_000,
    batch,
    publishNotice: async (notice, to) => {
      notices.push({ ...notice, to: to.emails });
    },
    subscribeEmails: async (emails) => {
      subscribed.push(...emails);
    },
    prices: resolvePriceBook('us-east-1'),
    now: () => world.now,
    runId: 'run-1',
    terminateConcurrency: 4,
    billingDataLagMs: 0,
    leaseMs: 360_000,
    leaseWaitMs: 60_000,
    sleep: async (ms) => {
      world.now = new Date(world.now.getTime() + ms);
    },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { ledger, batch, notices, subscribed, world, deps, watches, checks };
}

const HOUR = 3_600_000;

describe('enforceSpend', () => {
  it('below the thresholds: checks, changes nothing, lists no jobs', async () => {
    const { deps, batch, ledger, notices } = setup({ actual: 50 });
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(summary).toMatchObject({ budgetName: 'research', result: 'checked', level: 'BELOW', actions: 0 });
    expect(batch.listActiveCalls).toBe(0);
    expect(batch.queueChanges).toEqual([]);
    expect(ledger.runs).toEqual([]);
    expect(notices).toEqual([]);
  });

  it('logs the decision level under a key the logger keeps (Powertools drops `level`, its own)', async () => {
    const { deps } = setup({ actual: 50 });
    const info = jest.fn();
    await enforceSpend({ kind: 'schedule' }, { ...deps, logger: { ...deps.logger, info } });
    expect(info).toHaveBeenCalledWith(
      'guardian checked the budget',
      expect.objectContaining({ budgetName: 'research', guardianLevel: 'BELOW' }),
    );
    for (const [, fields] of info.mock.calls) expect(fields).not.toHaveProperty('level');
  });

  it('at disableQueuesAt: disables the tagged queues only, records the run, notifies once', async () => {
    const { deps, batch, ledger, notices } = setup({ actual: 75 });
    // 4 jobs × $1.18/h × 1 h since the refresh ≈ $4.72 → 79.7 % + the actual → over 80 %.
    ledger.jobs = ['a', 'b', 'c', 'd', 'e'].map((id) => runningJob(id, new Date(NOW.getTime() - HOUR)));
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(summary?.level).toBe('DISABLE');
    expect(summary?.percentOfBudget).toBeGreaterThan(80);
    expect(batch.queueChanges).toEqual(['research-a:DISABLED', 'research-b:DISABLED']);
    expect(batch.listActiveCalls).toBe(0);
    expect(ledger.runs).toHaveLength(1);
    expect(ledger.runs[0]?.actions.map((a) => `${a.type} ${a.target} ${a.outcome}`)).toEqual([
      'DISABLE_QUEUE research-a DONE',
      'DISABLE_QUEUE research-b DONE',
    ]);
    expect(notices.map((n) => n.kind)).toEqual(['QUEUES_DISABLED']);
    expect(notices[0]?.body).toContain('research-a');

    // The next run: nothing more to do, nothing sent again.
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(batch.queueChanges).toHaveLength(2);
    expect(notices).toHaveLength(1);
  });

  it('at terminateJobsAt: terminates every active job of the guarded queues, not of the others', async () => {
    const { deps, batch, notices } = setup({ actual: 101 });
    batch.active = [
      ...Array.from({ length: 150 }, (_, i) => ({
        jobId: `a-${i}`,
        jobName: `a-${i}`,
        jobQueueName: 'research-a',
        status: 'RUNNING' as const,
      })),
      ...Array.from({ length: 150 }, (_, i) => ({
        jobId: `b-${i}`,
        jobName: `b-${i}`,
        jobQueueName: 'research-b',
        status: 'RUNNABLE' as const,
      })),
      { jobId: 'ops-1', jobName: 'ops-1', jobQueueName: 'ops', status: 'RUNNING' as const },
    ];
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(summary).toMatchObject({ level: 'TERMINATE', actions: 302, failedActions: 0 });
    expect(batch.terminated).toHaveLength(300);
    expect(batch.terminated).not.toContain('ops-1');
    expect(notices.map((n) => n.kind)).toEqual(['QUEUES_DISABLED', 'JOBS_TERMINATED']);
  });

  it('a termination that fails fails the run, is left out of the notice, and is asked for again by the next run', async () => {
    const { deps, batch, ledger, notices } = setup({ actual: 120 });
    batch.active = ['j1', 'j2'].map((id) => ({
      jobId: id,
      jobName: id,
      jobQueueName: 'research-a',
      status: 'RUNNING' as const,
    }));
    batch.failTerminationOf.add('j2');
    await expect(enforceSpend({ kind: 'schedule' }, deps)).rejects.toThrow(EnforceSpendFailedError);
    expect(ledger.states.get('research')?.state.terminationRequests.map((r) => r.jobId)).toEqual(['j1']);
    expect(ledger.runs[0]?.actions.find((a) => a.target === 'j2')).toMatchObject({ outcome: 'FAILED' });
    const terminatedNotice = notices.find((n) => n.kind === 'JOBS_TERMINATED');
    expect(terminatedNotice?.subject).toMatch(/\b1 AWS Batch job terminated/);
    expect(terminatedNotice?.body).toContain('j1');
    expect(terminatedNotice?.body).not.toContain('j2');

    batch.failTerminationOf.clear();
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(batch.terminated).toEqual(['j1', 'j2']);
  });

  it('budget raised: re-enables exactly the queues it disabled, and says so', async () => {
    const { deps, batch, world, notices } = setup({ actual: 85 });
    batch.queues[1]!.state = 'DISABLED'; // research-b: disabled by someone else
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(batch.queueChanges).toEqual(['research-a:DISABLED']);

    world.budget = parameter({ amount: 200 });
    const [summary] = await enforceSpend({ kind: 'applied', budgetName: 'research' }, deps);
    expect(summary?.level).toBe('BELOW');
    expect(batch.queueChanges).toEqual(['research-a:DISABLED', 'research-a:ENABLED']);
    expect(batch.queues.find((q) => q.name === 'research-b')?.state).toBe('DISABLED');
    expect(notices.map((n) => n.kind)).toEqual(['QUEUES_DISABLED', 'QUEUES_REENABLED']);
    expect(notices[1]?.body).toMatch(/raised/i);
  });

  it('mode notify: changes nothing, records what it would do, and says "would"', async () => {
    const { deps, batch, ledger, notices } = setup({
      actual: 100,
      budget: parameter({ guardian: { mode: 'notify' } }),
    });
    batch.active = [{ jobId: 'j1', jobName: 'j1', jobQueueName: 'research-a', status: 'RUNNING' }];
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(batch.queueChanges).toEqual([]);
    expect(batch.terminated).toEqual([]);
    expect(ledger.runs[0]?.actions.every((a) => a.outcome === 'WOULD')).toBe(true);
    expect(ledger.runs[0]?.actions.map((a) => a.type)).toEqual(['DISABLE_QUEUE', 'DISABLE_QUEUE', 'TERMINATE_JOB']);
    expect(notices.map((n) => n.subject).join('\n')).toMatch(/would/);
  });

  it('two overlapping runs never both act: the loser decides again from the winner’s state', async () => {
    const { deps, batch, ledger } = setup({ actual: 90 });
    let raced = false;
    ledger.beforeSave = () => {
      if (raced) return;
      raced = true;
      // The other run claims the same decision first (as if it had run between our read and our write).
      ledger.states.set('research', {
        version: 1,
        state: {
          periodStart: '2026-11-01T00:00:00.000Z',
          budgetAmount: 100,
          disableQueuesAt: 80,
          episode: 1,
          over: true,
          heldQueues: batch.queues
            .filter((q) => q.guardTagged)
            .map((q) => ({ name: q.name, arn: q.arn, since: NOW.toISOString(), dryRun: false })),
          terminationRequests: [],
          notices: [
            {
              key: '2026-11-01T00:00:00.000Z#1#QUEUES_DISABLED#done',
              kind: 'QUEUES_DISABLED',
              sentAt: NOW.toISOString(),
            },
          ],
        },
      });
      for (const q of batch.queues.filter((q) => q.guardTagged)) q.state = 'DISABLED';
    };
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(summary?.result).toBe('checked');
    expect(batch.queueChanges).toEqual([]);
    expect(ledger.runs).toEqual([]);
  });

  it('budget deleted: gives back the queues it held, says so, and forgets the budget', async () => {
    const { deps, batch, world, ledger, notices } = setup({ actual: 90 });
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(batch.queueChanges).toEqual(['research-a:DISABLED', 'research-b:DISABLED']);
    world.budget = { exists: false };
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(summary).toMatchObject({ result: 'released', actions: 2, failedActions: 0 });
    expect(batch.queues.filter((q) => q.guardTagged).every((q) => q.state === 'ENABLED')).toBe(true);
    expect(ledger.states.size).toBe(0);
    // And says so, to the emails the deleted budget had.
    const last = notices.at(-1);
    expect(last?.subject).toMatch(/job queues re-enabled \(budget deleted\)/);
    expect(last?.body).toContain('research-a');
    expect(last?.to).toEqual(['lab@example.org']);
  });

  it('after a budget is applied, subscribes its emails to the notices', async () => {
    const { deps, subscribed } = setup({ actual: 10 });
    await enforceSpend({ kind: 'applied', budgetName: 'research' }, deps);
    expect(subscribed).toEqual(['lab@example.org']);
  });

  it('a budget that cannot be read fails the run with its name and reason', async () => {
    const { deps } = setup({ actual: 10 });
    deps.readSpend = async () => {
      throw new Error('budget research not found in account 111111111111');
    };
    await expect(enforceSpend({ kind: 'schedule' }, deps)).rejects.toThrow(/research: budget research not found/);
  });
});

describe('enforceSpend after finance changed the budget', () => {
  it('does not take the zero AWS Budgets reports after an update for a refund', async () => {
    const { deps, ledger, world } = setup({ actual: 70 });
    ledger.jobs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((id) => runningJob(id, REFRESHED));
    const [first] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(first?.level).toBe('TERMINATE'); // 70 + 10 jobs × 6 h × $1.18 ≈ 140.9
    // Finance raises the budget a little; UpdateBudget zeroes the spend AWS reports.
    world.budget = parameter({ amount: 120 });
    world.actual = 0;
    world.refreshed = NOW;
    const [second] = await enforceSpend({ kind: 'applied', budgetName: 'research' }, deps);
    expect(second?.percentOfBudget).toBeGreaterThan(100);
  });
});

describe('enforceSpend while another run acts', () => {
  it('waits for the other run’s lease, then decides from what it did', async () => {
    const { deps, ledger, world, batch } = setup({ actual: 90 });
    await enforceSpend({ kind: 'schedule' }, deps); // disables both queues
    const stored = ledger.states.get('research');
    stored!.lease = { owner: 'other-run', until: NOW.getTime() + 10_000 };
    batch.queueChanges = [];
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(world.now.getTime()).toBeGreaterThanOrEqual(NOW.getTime() + 10_000);
    expect(summary?.result).toBe('checked');
    expect(batch.queueChanges).toEqual([]);
  });

  it('fails (to be retried) when the other run holds the budget too long', async () => {
    const { deps, ledger } = setup({ actual: 90 });
    await enforceSpend({ kind: 'schedule' }, deps);
    ledger.states.get('research')!.lease = { owner: 'other-run', until: NOW.getTime() + 3_600_000 };
    await expect(enforceSpend({ kind: 'schedule' }, deps)).rejects.toThrow(/still acting on budget research/);
  });
});

describe('enforceSpend when a notice cannot be sent', () => {
  it('acts, keeps the notice in the ledger, releases the budget and fails the run (retries, dead-letter queue)', async () => {
    const { deps, ledger, batch } = setup({ actual: 85 });
    deps.publishNotice = async () => {
      throw Object.assign(new Error('Topic does not exist'), { name: 'NotFound' });
    };
    await expect(enforceSpend({ kind: 'schedule' }, deps)).rejects.toThrow(/notices not sent.*Topic does not exist/);
    expect(batch.queueChanges).toEqual(['research-a:DISABLED', 'research-b:DISABLED']);
    expect(ledger.runs[0]?.notices).toEqual([
      expect.objectContaining({ kind: 'QUEUES_DISABLED', sent: false, body: expect.stringContaining('research-a') }),
    ]);
    expect(ledger.states.get('research')?.lease).toBeUndefined();
  });
});

describe('enforceSpend and jobs without news', () => {
  it('asks Batch about an unfinished job silent for 30 minutes, and counts it only until it stopped', async () => {
    const { deps, ledger, batch } = setup({ actual: 70 });
    const started = new Date(NOW.getTime() - 5 * HOUR);
    const job = { ...runningJob('4c7599ae-0a82-49aa-ba5a-4727fcce14a8', started), jobQueueName: 'research-fargate' };
    // 20 such jobs would be $118 over 5 h; the one lost its SUCCEEDED event after 10 minutes.
    ledger.jobs = [job];
    const stoppedAt = started.getTime() + 10 * 60_000;
    batch.details.set(job.jobId, {
      ...fargateJobEvent({
        jobId: job.jobId,
        status: 'SUCCEEDED',
        vcpu: '16',
        memory: '122880',
        startedAt: started.getTime(),
        stoppedAt,
        attempts: [{ startedAt: started.getTime(), stoppedAt }],
      }).detail,
    });
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(batch.describeCalls).toBe(1);
    expect(ledger.observed.map((o) => o.status)).toEqual(['SUCCEEDED']);
    // 70 + 10 minutes of one job (about $0.20), not 5 hours of it.
    expect(summary?.percentOfBudget).toBeCloseTo(70.2, 1);
  });
});

describe('enforceSpend: the estimate belongs to its budget', () => {
  it('starts afresh when finance turns an annual budget monthly: the annual figure never counts', async () => {
    const { deps, world, batch } = setup({ actual: 9000, budget: parameter({ amount: 10000, period: 'ANNUALLY' }) });
    world.timeUnit = 'ANNUALLY';
    const [annual] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(annual?.level).toBe('DISABLE'); // 90 % of 10,000

    // Finance makes it 1,000 a month; apply-budget updates the AWS Budget, which zeroes its figure.
    world.budget = parameter({ amount: 1000, period: 'MONTHLY' });
    world.timeUnit = 'MONTHLY';
    world.actual = 0;
    world.refreshed = NOW;
    const [monthly] = await enforceSpend({ kind: 'applied', budgetName: 'research' }, deps);
    expect(monthly).toMatchObject({ level: 'BELOW', percentOfBudget: 0 });
    expect(batch.queueChanges).toEqual([
      'research-a:DISABLED',
      'research-b:DISABLED',
      'research-a:ENABLED',
      'research-b:ENABLED',
    ]);
  });

  it('starts afresh when the cost filter changes', async () => {
    const { deps, world, ledger } = setup({ actual: 90 });
    await enforceSpend({ kind: 'schedule' }, deps);
    world.costFilters = { Service: ['Amazon Simple Storage Service'] };
    world.actual = 0;
    const [narrowed] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(narrowed?.level).toBe('BELOW');
    expect(ledger.states.get('research')?.spend).toMatchObject({ counted: 0, basis: 'REPORTED' });
  });

  it('does not lock last period’s figure into the new one', async () => {
    const { deps, world, batch } = setup({ actual: 95 });
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(batch.queueChanges).toEqual(['research-a:DISABLED', 'research-b:DISABLED']);

    // 1 December: AWS still shows November's 95 for a few hours.
    world.now = new Date('2026-12-01T00:10:00Z');
    const [rollover] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(rollover).toMatchObject({ level: 'BELOW', percentOfBudget: 0 });
    // AWS resets and reports December's first figure: that one counts, nothing of November's.
    world.now = new Date('2026-12-01T09:00:00Z');
    world.actual = 4;
    const [december] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(december?.percentOfBudget).toBeCloseTo(4, 5);
  });

  it('counts only the jobs of the budget’s own queues: team A’s jobs never push team B over', async () => {
    const { deps, ledger } = setup({
      actual: 75,
      budget: parameter({ guardian: { mode: 'enforce', jobQueues: ['research-b'] } }),
    });
    // Ten jobs of research-a for an hour would be ~$11.8, well over 80 % with the 75 of actual spend.
    ledger.jobs = Array.from({ length: 10 }, (_, i) =>
      runningJob(`a${i}`, new Date(NOW.getTime() - HOUR), 'research-a'),
    );
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(summary).toMatchObject({ level: 'BELOW', percentOfBudget: 75 });

    ledger.jobs.push(
      ...Array.from({ length: 10 }, (_, i) => runningJob(`b${i}`, new Date(NOW.getTime() - HOUR), 'research-b')),
    );
    const [covered] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(covered?.level).toBe('DISABLE');
  });

  it('counts only jobs carrying the budget’s tag', async () => {
    const { deps, ledger } = setup({
      actual: 75,
      budget: parameter({ costFilter: { tags: { project: ['genomics'] } } }),
    });
    ledger.jobs = [
      ...Array.from({ length: 10 }, (_, i) => ({
        ...runningJob(`x${i}`, new Date(NOW.getTime() - HOUR)),
        tags: { project: 'astro' },
      })),
      ...Array.from({ length: 2 }, (_, i) => ({
        ...runningJob(`g${i}`, new Date(NOW.getTime() - HOUR)),
        tags: { project: 'genomics' },
      })),
    ];
    const [summary] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(summary?.level).toBe('BELOW');
    expect(summary?.percentOfBudget).toBeCloseTo(75 + 2 * 1.18, 0);
  });
});

describe('enforceSpend holds the guard when in doubt', () => {
  it('an unreadable parameter keeps the queues it holds and the state, and fails the run', async () => {
    const { deps, world, batch, ledger } = setup({ actual: 90 });
    await enforceSpend({ kind: 'schedule' }, deps);
    world.budget = {
      exists: true,
      value: '{"schemaVersion":9}',
      valid: false,
      message: 'schemaVersion 9 is not known',
    };
    await expect(enforceSpend({ kind: 'schedule' }, deps)).rejects.toThrow(
      /research: the parameter of budget research cannot be read \(schemaVersion 9 is not known\); the guardian keeps the queues it holds/,
    );
    expect(batch.queueChanges).toEqual(['research-a:DISABLED', 'research-b:DISABLED']);
    expect(ledger.states.get('research')?.state.heldQueues.map((h) => h.name)).toEqual(['research-a', 'research-b']);
  });

  it('refuses a budget that is not in USD, keeping what it holds', async () => {
    const { deps, world, batch } = setup({ actual: 90 });
    await enforceSpend({ kind: 'schedule' }, deps);
    world.unit = 'EUR';
    await expect(enforceSpend({ kind: 'schedule' }, deps)).rejects.toThrow(/budget research is in EUR/);
    expect(batch.queueChanges).toEqual(['research-a:DISABLED', 'research-b:DISABLED']);
  });
});

describe('enforceSpend reads a bounded number of jobs', () => {
  const finished = (id: string, start: number, stop: number): JobRecord => ({
    ...runningJob(id, new Date(start)),
    status: 'SUCCEEDED',
    stoppedAt: stop,
    attempts: [{ startedAt: start, stoppedAt: stop }],
    statusEventTime: stop,
    lastEventTime: stop,
  });

  it('reads finished jobs from the window start once, then only from the last run (less the margin)', async () => {
    const { deps, ledger, world } = setup({ actual: 10 });
    world.refreshed = undefined; // no refresh time: the window is the whole period
    ledger.jobs = [finished('old', Date.parse('2026-11-02T00:00:00Z'), Date.parse('2026-11-02T01:00:00Z'))];
    const [first] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(ledger.finishedReads.map((d) => d.toISOString())).toEqual(['2026-11-01T00:00:00.000Z']);

    world.now = new Date(NOW.getTime() + 5 * 60_000);
    ledger.jobs.push(finished('new', NOW.getTime() - HOUR, NOW.getTime() + 60_000));
    const [second] = await enforceSpend({ kind: 'schedule' }, deps);
    expect(ledger.finishedReads.map((d) => d.toISOString())).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-11-23T11:58:00.000Z',
    ]);
    // Both jobs count: the old one from the running total, the new one read now (~1 h 1 min of $1.18/h).
    expect((second?.percentOfBudget ?? 0) - (first?.percentOfBudget ?? 0)).toBeCloseTo(1.18 * (61 / 60), 1);
  });
});

describe('enforceSpend reacts in seconds', () => {
  it('leaves a watch of each budget: estimate, thresholds in dollars, jobs counted and their running rate', async () => {
    const { deps, ledger, watches } = setup({ actual: 50 });
    ledger.jobs = [runningJob('a', new Date(NOW.getTime() - HOUR))];
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(watches.get('research')).toMatchObject({
      at: NOW.toISOString(),
      level: 'BELOW',
      disableAt: 80,
      terminateAt: 100,
      coverage: {},
    });
    expect(watches.get('research')?.runningRate).toBeCloseTo(1.18, 1);
  });

  it('asks for a follow-up check a second after the running jobs would cross the next threshold, when that is before the next scheduled run', async () => {
    const { deps, ledger, checks } = setup({ actual: 79 });
    // 60 jobs at ~$1.18/h: ~$71/h; 79 + 1 h of one = 80.2? No: they started just now.
    ledger.jobs = Array.from({ length: 60 }, (_, i) => runningJob(`j${i}`, NOW));
    await enforceSpend({ kind: 'schedule' }, deps);
    // $1 to go at ~$71/h: about 51 s.
    expect(checks).toHaveLength(1);
    expect(checks[0]?.delaySeconds).toBeGreaterThanOrEqual(45);
    expect(checks[0]?.delaySeconds).toBeLessThanOrEqual(60);
  });

  it('asks for nothing when the crossing is after the next scheduled run, or nothing runs', async () => {
    const { deps, ledger, checks } = setup({ actual: 50 });
    ledger.jobs = [runningJob('a', NOW)];
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(checks).toEqual([]);
  });

  it('checks the budgets it is asked to check', async () => {
    const { deps } = setup({ actual: 85 });
    const summaries = await enforceSpend({ kind: 'check', budgetNames: ['research', 'research'] }, deps);
    expect(summaries.map((s) => `${s.budgetName} ${s.result} ${s.level}`)).toEqual(['research acted DISABLE']);
  });

  it('forgets the watch of a budget it lets go of', async () => {
    const { deps, world, watches } = setup({ actual: 50 });
    await enforceSpend({ kind: 'schedule' }, deps);
    world.budget = parameter({ guardian: { mode: 'off' } });
    await enforceSpend({ kind: 'schedule' }, deps);
    expect(watches.has('research')).toBe(false);
  });

  it('fails the run when the watch cannot be left (the guardian would only react on schedule)', async () => {
    const { deps } = setup({ actual: 50 });
    deps.watches.save = async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    };
    await expect(enforceSpend({ kind: 'schedule' }, deps)).rejects.toThrow(
      /watch\/follow-up: AccessDeniedException: denied/,
    );
  });
});
