import {
  StackSetOperationFailedError,
  StackSetOperationTimeoutError,
  waitForOperation,
  type WaitDeps,
} from './operation-wait';
import type { OperationResult, OperationState } from './stackset-api';

/** A fake clock and an API that answers the given states in turn (the last one repeats). */
function fakes(states: OperationState[], results: OperationResult[] = []) {
  let now = 0;
  const sleeps: number[] = [];
  const lines: string[] = [];
  let polls = 0;
  const describeOperation = jest.fn(
    async (): Promise<OperationState> => states[Math.min(polls++, states.length - 1)] as OperationState,
  );
  const listOperationResults = jest.fn(async () => results);
  const deps: WaitDeps = {
    api: { describeOperation, listOperationResults },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    now: () => now,
    report: (line) => lines.push(line),
  };
  return { deps, sleeps, lines, describeOperation, listOperationResults };
}

const options = { stackSetName: 'spoke', operationId: 'op-1', label: 'create instances', timeoutMs: 600_000 };

describe('waitForOperation', () => {
  it('polls with growing pauses until the operation succeeds', async () => {
    const { deps, sleeps } = fakes([
      { status: 'QUEUED' },
      { status: 'RUNNING' },
      { status: 'RUNNING' },
      { status: 'RUNNING' },
      { status: 'SUCCEEDED' },
    ]);

    const outcome = await waitForOperation(options, deps);

    expect(outcome).toEqual({ operationId: 'op-1', status: 'SUCCEEDED', results: [] });
    expect(sleeps).toEqual([2000, 3000, 4500, 6750]);
  });

  it('never pauses longer than the maximum', async () => {
    const { deps, sleeps } = fakes([
      ...Array.from({ length: 12 }, () => ({ status: 'RUNNING' })),
      { status: 'SUCCEEDED' },
    ]);

    await waitForOperation({ ...options, maxDelayMs: 10_000 }, deps);

    expect(Math.max(...sleeps)).toBe(10_000);
  });

  it('reports each change of status with the operation id', async () => {
    const { deps, lines } = fakes([{ status: 'RUNNING' }, { status: 'RUNNING' }, { status: 'SUCCEEDED' }]);

    await waitForOperation(options, deps);

    expect(lines).toEqual([
      'operation op-1 (create instances): RUNNING after 0 s',
      'operation op-1 (create instances): SUCCEEDED after 5 s',
    ]);
  });

  it('names every failed account and its reason when the operation fails', async () => {
    const { deps, lines } = fakes(
      [{ status: 'RUNNING' }, { status: 'FAILED', statusReason: 'failure tolerance exceeded' }],
      [
        { account: '111111111111', region: 'us-east-1', status: 'SUCCEEDED' },
        {
          account: '222222222222',
          region: 'us-east-1',
          status: 'FAILED',
          statusReason: 'Role org-budgets-spoke already exists',
        },
        {
          account: '333333333333',
          region: 'us-east-1',
          status: 'CANCELLED',
          statusReason: 'Cancelled since failure tolerance has exceeded',
        },
      ],
    );

    const error = await waitForOperation(options, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StackSetOperationFailedError);
    const failed = error as StackSetOperationFailedError;
    expect(failed.failedAccounts).toEqual(['222222222222', '333333333333']);
    expect(failed.message).toContain('operation op-1 (create instances) ended FAILED: failure tolerance exceeded');
    expect(failed.message).toContain('account 222222222222 us-east-1: FAILED (Role org-budgets-spoke already exists)');
    expect(lines).toContain('operation op-1: account 111111111111 us-east-1: SUCCEEDED');
  });

  it('fails on a stopped operation', async () => {
    const { deps } = fakes([{ status: 'STOPPED' }]);

    await expect(waitForOperation(options, deps)).rejects.toThrow(/ended STOPPED/);
  });

  it('reports instances that failed within the failure tolerance of a successful operation', async () => {
    const { deps, lines } = fakes(
      [{ status: 'SUCCEEDED' }],
      [
        { account: '111111111111', region: 'us-east-1', status: 'SUCCEEDED' },
        { account: '222222222222', region: 'us-east-1', status: 'FAILED', statusReason: 'boom' },
      ],
    );

    await waitForOperation(options, deps);

    expect(lines).toContain('operation op-1: account 222222222222 us-east-1: FAILED (boom)');
    expect(lines).toContain('operation op-1: 1 of 2 stack instance(s) succeeded');
  });

  it('gives up after the timeout, saying the operation goes on', async () => {
    const { deps } = fakes([{ status: 'RUNNING' }]);

    const error = await waitForOperation({ ...options, timeoutMs: 60_000 }, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StackSetOperationTimeoutError);
    expect((error as Error).message).toMatch(/still RUNNING after \d+ s; it goes on in CloudFormation/);
  });

  it('says every minute that a long operation is still running', async () => {
    const { deps, lines } = fakes([
      ...Array.from({ length: 10 }, () => ({ status: 'RUNNING' })),
      { status: 'SUCCEEDED' },
    ]);

    await waitForOperation({ ...options, maxDelayMs: 30_000 }, deps);

    expect(lines.filter((line) => line.includes('still RUNNING')).length).toBeGreaterThanOrEqual(2);
  });
});
