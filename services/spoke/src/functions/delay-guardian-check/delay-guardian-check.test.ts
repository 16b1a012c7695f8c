import { GUARDIAN_CHECK_SOURCE, type GuardianCheckEvent } from '@org-budgets/aws';
import { delayGuardianCheck, FORWARD_RESERVE_MS, type DelayGuardianCheckDeps } from './delay-guardian-check';

const check: GuardianCheckEvent = {
  source: GUARDIAN_CHECK_SOURCE,
  budgetName: 'research',
  reason: 'running jobs expected to cross the next threshold',
  requestedAt: '2026-12-03T10:00:00.000Z',
  notBefore: '2026-12-03T10:00:40.000Z',
};

function setup(nowIso: string, remainingMs = 180_000) {
  const steps: string[] = [];
  const deps: DelayGuardianCheckDeps = {
    forward: async (c) => {
      steps.push(`forward ${c.budgetName}`);
    },
    now: () => new Date(nowIso),
    sleep: async (ms) => {
      steps.push(`sleep ${ms}`);
    },
    remainingMs: () => remainingMs,
    logger: { info: jest.fn() },
  };
  return { deps, steps };
}

describe('delayGuardianCheck', () => {
  it('waits until the time the check is for, then hands the same check to enforce-spend', async () => {
    const { deps, steps } = setup('2026-12-03T10:00:10.000Z');

    await expect(delayGuardianCheck(check, deps)).resolves.toEqual({ waitedMs: 30_000 });
    expect(steps).toEqual(['sleep 30000', 'forward research']);
  });

  it('hands on at once a check whose time has come', async () => {
    const { deps, steps } = setup('2026-12-03T10:00:41.000Z');

    await delayGuardianCheck(check, deps);
    expect(steps).toEqual(['forward research']);
  });

  it('hands on early rather than never when the invocation would run out first', async () => {
    const { deps, steps } = setup('2026-12-03T09:58:00.000Z', 60_000);

    await delayGuardianCheck(check, deps);
    expect(steps).toEqual([`sleep ${60_000 - FORWARD_RESERVE_MS}`, 'forward research']);
  });

  it('fails when enforce-spend cannot be invoked (retries, then the dead-letter queue)', async () => {
    const { deps } = setup('2026-12-03T10:00:41.000Z');
    deps.forward = () => Promise.reject(new Error('lambda:Invoke … answered 500'));

    await expect(delayGuardianCheck(check, deps)).rejects.toThrow('answered 500');
  });
});
