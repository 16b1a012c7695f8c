import { GUARDIAN_CHECK_SOURCE, GuardianCheckUnreadableError } from '@org-budgets/aws';
import { CHECK_RUN_RESERVE_MS, checkWaitMs, triggerOf } from './create-handler';

const ACCOUNT = '111111111111';
const check = (fields: Record<string, unknown>) => ({
  source: GUARDIAN_CHECK_SOURCE,
  budgetName: 'research',
  reason: 'job j1 started near a threshold',
  requestedAt: '2026-12-03T10:00:00.000Z',
  notBefore: '2026-12-03T10:00:10.000Z',
  ...fields,
});

describe('triggerOf', () => {
  it('reads a check: its budget and the time it is for', () => {
    expect(triggerOf(check({}), ACCOUNT)).toEqual({
      kind: 'check',
      budgetNames: ['research'],
      notBefore: new Date('2026-12-03T10:00:10.000Z'),
    });
  });

  it.each([
    ['no budget', { budgetName: undefined }],
    ['an empty budget name', { budgetName: '' }],
    ['no time', { notBefore: undefined }],
    ['a time that is not one', { notBefore: 'soon' }],
  ])('fails on a check with %s (retries, then the dead-letter queue and its alarm)', (_what, fields) => {
    expect(() => triggerOf(check(fields), ACCOUNT)).toThrow(GuardianCheckUnreadableError);
  });

  it('reads the schedule and an APPLIED status event of its own account', () => {
    expect(triggerOf({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, ACCOUNT)).toEqual({
      kind: 'schedule',
    });
    const applied = {
      source: 'org-budgets.spoke',
      'detail-type': 'Budget Apply Status',
      account: ACCOUNT,
      detail: { budgetName: 'research', status: 'APPLIED' },
    };
    expect(triggerOf(applied, ACCOUNT)).toEqual({ kind: 'applied', budgetName: 'research' });
    expect(triggerOf({ ...applied, account: '222222222222' }, ACCOUNT)).toEqual({
      ignored: 'status event from another account',
    });
  });

  it('ignores, saying so, what is none of these', () => {
    expect(triggerOf({ source: 'aws.batch' }, ACCOUNT)).toEqual({
      ignored: 'neither the schedule, a budget applied nor a check',
    });
  });
});

describe('checkWaitMs', () => {
  const now = new Date('2026-12-03T10:00:00.000Z');
  const remaining = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

  it('waits until the time the check is for', () => {
    expect(checkWaitMs(new Date('2026-12-03T10:00:10.000Z'), now, remaining(300_000))).toBe(10_000);
  });

  it('does not wait for a time already past', () => {
    expect(checkWaitMs(new Date('2026-12-03T09:59:00.000Z'), now, remaining(300_000))).toBe(0);
  });

  it('keeps enough of the invocation for the run: an early check rather than none', () => {
    expect(checkWaitMs(new Date('2026-12-03T10:04:00.000Z'), now, remaining(200_000))).toBe(
      200_000 - CHECK_RUN_RESERVE_MS,
    );
    expect(checkWaitMs(new Date('2026-12-03T10:04:00.000Z'), now, remaining(60_000))).toBe(0);
  });
});
