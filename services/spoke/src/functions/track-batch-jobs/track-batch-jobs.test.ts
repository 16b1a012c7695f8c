import { parseBatchJobEvent, resolvePriceBook, type BudgetWatch, type JobObservation } from '@org-budgets/guardian';
import { fargateJobEvent } from '@org-budgets/guardian/testing';
import { trackBatchJob, type TrackBatchJobsDeps } from './track-batch-jobs';

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const NOW = new Date('2026-11-23T12:00:00Z');

function deps(overrides: Partial<TrackBatchJobsDeps> = {}, watches = new Map<string, BudgetWatch>()) {
  const requested: { budgetName: string; delaySeconds: number }[] = [];
  const leading = new Map<string, number>();
  const trailing = new Map<string, number>();
  const all: TrackBatchJobsDeps = {
    ledger: { recordObservation: async () => true },
    capacityOf: async () => 'ON_DEMAND',
    watches: {
      read: async () => watches,
      claimCheck: async (name, now, debounceMs) => {
        const t = now.getTime();
        const last = leading.get(name);
        if (last === undefined || last < t - debounceMs) {
          leading.set(name, t);
          return { delaySeconds: 0 };
        }
        const pending = trailing.get(name);
        if (pending === undefined || pending < t) {
          trailing.set(name, t + debounceMs);
          return { delaySeconds: debounceMs / 1000 };
        }
        return undefined;
      },
    },
    checks: {
      request: async (budgetName, delaySeconds) => {
        requested.push({ budgetName, delaySeconds });
      },
    },
    prices: resolvePriceBook('us-east-1'),
    horizonMs: 5 * 60_000,
    checkDebounceMs: 10_000,
    now: () => NOW,
    logger,
    ...overrides,
  };
  return { deps: all, requested };
}

const watch = (overrides: Partial<BudgetWatch> = {}): BudgetWatch => ({
  estimate: 79.9,
  at: '2026-11-23T11:59:00.000Z',
  level: 'BELOW',
  disableAt: 80,
  terminateAt: 100,
  coverage: {},
  runningRate: 1,
  ...overrides,
});

describe('trackBatchJob', () => {
  it('adds Spot or on-demand from the queue to a billable job before recording it', async () => {
    const recorded: JobObservation[] = [];
    const capacityOf = jest.fn(async () => 'SPOT' as const);
    const { deps: d } = deps({ ledger: { recordObservation: async (o) => (recorded.push(o), true) }, capacityOf });
    const outcome = await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), d);
    expect(outcome).toMatchObject({ result: 'recorded', status: 'RUNNING' });
    expect(capacityOf).toHaveBeenCalledWith(expect.stringMatching(/:job-queue\/research-fargate$/));
    expect(recorded[0]?.capacity).toBe('SPOT');
  });

  it('says so when the event added nothing (a repeat), and asks for no check', async () => {
    const { deps: d, requested } = deps(
      { ledger: { recordObservation: async () => false } },
      new Map([['lab', watch()]]),
    );
    const outcome = await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), d);
    expect(outcome.result).toBe('unchanged');
    expect(requested).toEqual([]);
  });

  it('lets a ledger failure fail the invocation (retries, then the dead-letter queue)', async () => {
    const { deps: d } = deps({
      ledger: {
        recordObservation: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
      },
    });
    await expect(trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), d)).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
  });

  it('asks at once for a check of each budget this start could carry across a threshold, and once more at the end of the debounce window', async () => {
    const watches = new Map([
      ['near', watch()],
      ['far', watch({ estimate: 10 })],
      ['other-queue', watch({ coverage: { queues: ['ops'] } })],
    ]);
    const { deps: d, requested } = deps({}, watches);
    const first = await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), d);
    expect(first.checksRequested).toEqual(['near']);
    expect(requested).toEqual([{ budgetName: 'near', delaySeconds: 0 }]);

    // A burst of starts: one trailing check at the end of the debounce window, then nothing more.
    await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING', jobId: 'second-job' })), d);
    await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING', jobId: 'third-job' })), d);
    expect(requested).toEqual([
      { budgetName: 'near', delaySeconds: 0 },
      { budgetName: 'near', delaySeconds: 10 },
    ]);
  });

  it('asks for nothing on events that are not starts', async () => {
    const { deps: d, requested } = deps({}, new Map([['near', watch()]]));
    await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNABLE' })), d);
    expect(requested).toEqual([]);
  });

  it('fails the invocation when the check cannot be asked for (EventBridge retries it)', async () => {
    const { deps: d } = deps(
      {
        checks: {
          request: async () => {
            throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
          },
        },
      },
      new Map([['near', watch()]]),
    );
    await expect(trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), d)).rejects.toThrow(
      'denied',
    );
  });
});
