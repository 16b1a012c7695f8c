import {
  StateWriteConflictError,
  type GuardianRunRecord,
  type StateExtras,
  type StoredGuardianState,
} from '@org-budgets/aws';
import type { GuardianState, HeldQueue, JobQueueView } from '@org-budgets/guardian';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  answerCustomResource,
  releaseGuardianQueues,
  REMOVAL_LEASE_PREFIX,
  type ReleaseDeps,
  type ReleaseOutcome,
} from './release-guardian-queues';

const ACCOUNT = '111111111111';
const NOW = Date.parse('2026-11-23T12:00:00Z');
const queueArn = (name: string) => `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/${name}`;

const hold = (name: string, dryRun = false): HeldQueue => ({
  name,
  arn: queueArn(name),
  since: '2026-11-23T10:00:00Z',
  dryRun,
});

function guardianState(heldQueues: HeldQueue[]): GuardianState {
  return {
    periodStart: '2026-11-01T00:00:00.000Z',
    budgetAmount: 10,
    disableQueuesAt: 80,
    episode: 1,
    over: true,
    heldQueues,
    terminationRequests: [],
    notices: [],
  };
}

/** The ledger's guardian states and runs in memory, with optimistic versions as DynamoDB has them. */
class FakeLedger {
  readonly states = new Map<string, StoredGuardianState>();
  readonly runs: GuardianRunRecord[] = [];
  /** Called before each saveState, e.g. to let a guardian run save meanwhile. */
  beforeSave?: (budgetName: string) => void;

  put(budgetName: string, state: GuardianState, extras: Partial<StoredGuardianState> = {}): void {
    this.states.set(budgetName, { state, version: 1, recipients: ['lab@example.org'], ...extras });
  }

  budgetsWithState = async (): Promise<string[]> => [...this.states.keys()];
  getState = async (budgetName: string): Promise<StoredGuardianState | undefined> => {
    const stored = this.states.get(budgetName);
    return stored ? structuredClone(stored) : undefined;
  };
  saveState = async (
    budgetName: string,
    state: GuardianState,
    expectedVersion: number | undefined,
    extras: StateExtras = {},
  ): Promise<number> => {
    this.beforeSave?.(budgetName);
    const current = this.states.get(budgetName);
    if (current?.version !== expectedVersion) throw new StateWriteConflictError(budgetName);
    const { lease, ...rest } = extras;
    const version = (expectedVersion ?? 0) + 1;
    this.states.set(budgetName, {
      state: structuredClone(state),
      version,
      ...(rest as Partial<StoredGuardianState>),
      ...(lease ? { lease } : {}),
    });
    return version;
  };
  recordRun = async (run: GuardianRunRecord): Promise<void> => {
    this.runs.push(structuredClone(run));
  };
}

class FakeBatch {
  readonly queues = new Map<string, JobQueueView>();
  readonly enabled: string[] = [];
  refuse = new Map<string, Error>();

  add(name: string, state: 'ENABLED' | 'DISABLED', guardTagged = true): void {
    this.queues.set(name, { name, arn: queueArn(name), state, guardTagged });
  }

  listQueues = async (): Promise<JobQueueView[]> => [...this.queues.values()].map((q) => ({ ...q }));
  setQueueState = async (arn: string, state: 'ENABLED' | 'DISABLED'): Promise<void> => {
    const queue = [...this.queues.values()].find((q) => q.arn === arn);
    if (!queue) throw new Error(`no queue ${arn}`);
    const refusal = this.refuse.get(queue.name);
    if (refusal) throw refusal;
    queue.state = state;
    if (state === 'ENABLED') this.enabled.push(queue.name);
  };
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup() {
  const ledger = new FakeLedger();
  const batch = new FakeBatch();
  let clock = NOW;
  const slept: number[] = [];
  const deps: ReleaseDeps = {
    ledger,
    batch,
    runId: 'c2a5e3c1-0000-4000-8000-000000000001',
    reason: 'the spoke stack is deleted',
    now: () => new Date(clock),
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
    deadline: NOW + 600_000,
    leaseMs: 3_600_000,
    pollMs: 5_000,
    logger: silent,
  };
  return { ledger, batch, deps, slept, advance: (ms: number) => (clock += ms) };
}

describe('releaseGuardianQueues', () => {
  it('re-enables every queue the guardian disabled that is still DISABLED, and no other', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-a', 'DISABLED');
    batch.add('research-b', 'DISABLED');
    batch.add('maintenance', 'DISABLED'); // disabled by someone else: not the guardian's to give back
    ledger.put('batch-grant', guardianState([hold('research-a'), hold('research-b')]));

    const outcome = await releaseGuardianQueues(deps);

    expect(batch.enabled.sort()).toEqual(['research-a', 'research-b']);
    expect(batch.queues.get('maintenance')?.state).toBe('DISABLED');
    expect(outcome.queues.map((q) => [q.queueName, q.outcome])).toEqual([
      ['research-a', 'REENABLED'],
      ['research-b', 'REENABLED'],
    ]);
    expect(outcome.budgetErrors).toEqual([]);
  });

  it('leaves alone a queue someone re-enabled already, one that is gone, and one a dry run only "held"', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-a', 'ENABLED');
    batch.add('notify-only', 'ENABLED');
    ledger.put('batch-grant', guardianState([hold('research-a'), hold('deleted-queue'), hold('notify-only', true)]));

    const outcome = await releaseGuardianQueues(deps);

    expect(batch.enabled).toEqual([]);
    expect(outcome.queues.map((q) => [q.queueName, q.outcome])).toEqual([
      ['research-a', 'ENABLED'],
      ['deleted-queue', 'GONE'],
    ]);
    expect(ledger.runs[0]?.estimate).toMatchObject({
      alreadyEnabled: ['research-a'],
      gone: ['deleted-queue'],
      neverDisabled: ['notify-only'],
    });
  });

  it('records a REMOVAL run per budget with each re-enabled queue', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-a', 'DISABLED');
    ledger.put('batch-grant', guardianState([hold('research-a')]));
    ledger.put('idle', guardianState([]));

    await releaseGuardianQueues(deps);

    expect(ledger.runs).toEqual([
      expect.objectContaining({
        budgetName: 'batch-grant',
        runId: deps.runId,
        at: new Date(NOW),
        mode: 'off',
        level: 'REMOVAL',
        estimate: expect.objectContaining({ reason: 'the spoke stack is deleted' }),
        actions: [{ type: 'ENABLE_QUEUE', target: 'research-a', outcome: 'DONE' }],
        notices: [],
      }),
      expect.objectContaining({ budgetName: 'idle', level: 'REMOVAL', actions: [] }),
    ]);
  });

  it('saves each state released, keeping what else it held, and leased to the removal so that enforce-spend keeps off', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-a', 'DISABLED');
    ledger.put('batch-grant', guardianState([hold('research-a'), hold('notify-only', true)]));

    await releaseGuardianQueues(deps);

    const saved = ledger.states.get('batch-grant');
    expect(saved?.state.heldQueues).toEqual([]);
    expect(saved?.state.episode).toBe(1);
    expect(saved?.recipients).toEqual(['lab@example.org']);
    expect(saved?.lease).toEqual({ owner: `${REMOVAL_LEASE_PREFIX}${deps.runId}`, until: NOW + 3_600_000 });
  });

  it('keeps holding a queue it could not re-enable, records the failure, and goes on with the others', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-a', 'DISABLED');
    batch.add('research-b', 'DISABLED');
    batch.refuse.set('research-a', Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    ledger.put('batch-grant', guardianState([hold('research-a'), hold('research-b')]));

    const outcome = await releaseGuardianQueues(deps);

    expect(outcome.queues).toEqual([
      {
        budgetName: 'batch-grant',
        queueName: 'research-a',
        outcome: 'FAILED',
        error: 'AccessDeniedException: not authorized',
      },
      { budgetName: 'batch-grant', queueName: 'research-b', outcome: 'REENABLED' },
    ]);
    expect(ledger.states.get('batch-grant')?.state.heldQueues.map((h) => h.name)).toEqual(['research-a']);
    expect(ledger.runs[0]?.actions).toEqual([
      { type: 'ENABLE_QUEUE', target: 'research-a', outcome: 'FAILED', error: 'AccessDeniedException: not authorized' },
      { type: 'ENABLE_QUEUE', target: 'research-b', outcome: 'DONE' },
    ]);
  });

  it('waits for a guardian run that holds the budget to finish before it acts', async () => {
    const { ledger, batch, deps, slept } = setup();
    batch.add('research-a', 'DISABLED');
    ledger.put('batch-grant', guardianState([]), { lease: { owner: 'enforce-run-1', until: NOW + 60_000 } });
    // The run disables research-a and saves its state (lease released) while the removal waits.
    let looks = 0;
    const getState = ledger.getState;
    ledger.getState = async (budgetName) => {
      if (++looks === 3) {
        ledger.states.set(budgetName, { state: guardianState([hold('research-a')]), version: 2 });
      }
      return getState(budgetName);
    };

    const outcome = await releaseGuardianQueues(deps);

    expect(slept).toEqual([5_000, 5_000]);
    expect(outcome.queues).toEqual([{ budgetName: 'batch-grant', queueName: 'research-a', outcome: 'REENABLED' }]);
    expect(ledger.states.get('batch-grant')?.version).toBe(4);
  });

  it('takes over an expired lease and the lease of an earlier removal attempt at once', async () => {
    const { ledger, batch, deps, slept } = setup();
    batch.add('research-a', 'DISABLED');
    batch.add('research-b', 'DISABLED');
    ledger.put('a', guardianState([hold('research-a')]), { lease: { owner: 'enforce-run-1', until: NOW - 1 } });
    ledger.put('b', guardianState([hold('research-b')]), {
      lease: { owner: `${REMOVAL_LEASE_PREFIX}earlier-request`, until: NOW + 3_000_000 },
    });

    await releaseGuardianQueues(deps);

    expect(slept).toEqual([]);
    expect(batch.enabled.sort()).toEqual(['research-a', 'research-b']);
  });

  it('gives up on a budget a guardian run still holds at the deadline, and releases the others', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-b', 'DISABLED');
    ledger.put('a', guardianState([hold('research-a')]), { lease: { owner: 'enforce-run-1', until: NOW + 3_600_000 } });
    ledger.put('b', guardianState([hold('research-b')]));

    const outcome = await releaseGuardianQueues({ ...deps, deadline: NOW + 12_000 });

    expect(outcome.budgetErrors).toEqual([
      { budgetName: 'a', error: expect.stringMatching(/GuardianRunStillActingError: .*enforce-run-1.* budget a/) },
    ]);
    expect(outcome.queues).toEqual([{ budgetName: 'b', queueName: 'research-b', outcome: 'REENABLED' }]);
  });

  it('reads the state again when a run saved it between the read and the claim', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-a', 'DISABLED');
    batch.add('research-b', 'DISABLED');
    ledger.put('batch-grant', guardianState([hold('research-a')]));
    let raced = false;
    ledger.beforeSave = (budgetName) => {
      if (raced) return;
      raced = true;
      ledger.states.set(budgetName, { state: guardianState([hold('research-a'), hold('research-b')]), version: 2 });
    };

    await releaseGuardianQueues(deps);

    expect(batch.enabled.sort()).toEqual(['research-a', 'research-b']);
  });

  it('names a budget whose ledger write failed, and still releases the others', async () => {
    const { ledger, batch, deps } = setup();
    batch.add('research-b', 'DISABLED');
    ledger.put('a', guardianState([]));
    ledger.put('b', guardianState([hold('research-b')]));
    ledger.beforeSave = (budgetName) => {
      if (budgetName === 'a') throw Object.assign(new Error('throughput exceeded'), { name: 'ThrottlingException' });
    };

    const outcome = await releaseGuardianQueues(deps);

    expect(outcome.budgetErrors).toEqual([{ budgetName: 'a', error: 'ThrottlingException: throughput exceeded' }]);
    expect(batch.enabled).toEqual(['research-b']);
  });
});

const STACK_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/org-budgets-spoke-prod/3b8a0f10-0000-4000-8000-00000000abcd`;

function customResourceEvent(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:org-budgets-spoke-prod-releaseGuardianQueues`,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
    StackId: STACK_ID,
    RequestId: 'c2a5e3c1-0000-4000-8000-000000000001',
    LogicalResourceId: 'GuardianQueuesRelease',
    ResourceType: 'AWS::CloudFormation::CustomResource',
    ResourceProperties: { ServiceToken: 'x', LedgerTableName: 'ledger' },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  const PhysicalResourceId = 'GuardianQueuesRelease-3b8a0f10-0000-4000-8000-00000000abcd';
  if (requestType === 'Update') {
    return { ...common, RequestType: 'Update', PhysicalResourceId, OldResourceProperties: common.ResourceProperties };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId };
}

const released = (queues: ReleaseOutcome['queues'] = [], budgetErrors: ReleaseOutcome['budgetErrors'] = []) =>
  jest.fn(async (): Promise<ReleaseOutcome> => ({ budgets: ['batch-grant'], queues, budgetErrors }));

describe('answerCustomResource', () => {
  it('does nothing on Create but answer SUCCESS with an id unique to the stack', async () => {
    const release = released();
    const answer = await answerCustomResource(customResourceEvent('Create'), {
      stackStatus: async () => 'CREATE_IN_PROGRESS',
      release,
      logger: silent,
    });
    expect(answer).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10-0000-4000-8000-00000000abcd',
    });
    expect(release).not.toHaveBeenCalled();
  });

  it('keeps its id on Update, so that CloudFormation sends no Delete for a replaced one', async () => {
    const release = released();
    const answer = await answerCustomResource(customResourceEvent('Update'), {
      stackStatus: async () => 'UPDATE_IN_PROGRESS',
      release,
      logger: silent,
    });
    expect(answer).toEqual({
      Status: 'SUCCESS',
      Reason: expect.any(String),
      PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10-0000-4000-8000-00000000abcd',
    });
    expect(release).not.toHaveBeenCalled();
  });

  it.each(['DELETE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', undefined])(
    'gives back the queues when the stack goes (%s) and answers SUCCESS naming them',
    async (status) => {
      const release = released([{ budgetName: 'batch-grant', queueName: 'research-a', outcome: 'REENABLED' }]);
      const answer = await answerCustomResource(customResourceEvent('Delete'), {
        stackStatus: async () => status,
        release,
        logger: silent,
      });
      expect(release).toHaveBeenCalledTimes(1);
      expect(answer).toEqual({
        Status: 'SUCCESS',
        Reason: 'the cost guardian re-enabled 1 job queue(s): research-a (batch-grant)',
        PhysicalResourceId: 'GuardianQueuesRelease-3b8a0f10-0000-4000-8000-00000000abcd',
      });
    },
  );

  it.each(['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS'])(
    'leaves the queues to the guardian when only the resource goes and the stack stays (%s)',
    async (status) => {
      const release = released();
      const answer = await answerCustomResource(customResourceEvent('Delete'), {
        stackStatus: async () => status,
        release,
        logger: silent,
      });
      expect(release).not.toHaveBeenCalled();
      expect(answer.Status).toBe('SUCCESS');
      expect(answer.Reason).toContain(status);
    },
  );

  it('answers FAILED naming each queue it could not re-enable and how to go on, so that the deletion stops visibly', async () => {
    const queues: ReleaseOutcome['queues'] = [
      { budgetName: 'batch-grant', queueName: 'research-a', outcome: 'FAILED', error: 'AccessDenied' },
      { budgetName: 'batch-grant', queueName: 'research-b', outcome: 'REENABLED' },
    ];
    const answer = await answerCustomResource(customResourceEvent('Delete'), {
      stackStatus: async () => 'DELETE_IN_PROGRESS',
      release: released(queues, [{ budgetName: 'gpu', error: 'GuardianRunStillActingError: …' }]),
      logger: silent,
    });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toContain('queue research-a (budget batch-grant) is still DISABLED: AccessDenied');
    expect(answer.Reason).toContain('budget gpu: GuardianRunStillActingError');
    expect(answer.Reason).toContain('aws batch update-job-queue');
    expect(answer.Reason).toContain('Re-enabled meanwhile: research-b (batch-grant)');
  });
});
