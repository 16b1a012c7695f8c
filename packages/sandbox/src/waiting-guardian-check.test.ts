import { GUARDIAN_CHECK_SOURCE, type GuardianCheckEvent } from '@org-budgets/aws';
import { isWaitingGuardianCheck } from './local-cloud';

const check = (notBefore: string): GuardianCheckEvent => ({
  source: GUARDIAN_CHECK_SOURCE,
  budgetName: 'research',
  reason: 'crossing',
  requestedAt: '2026-12-03T10:00:00.000Z',
  notBefore,
});
const now = new Date('2026-12-03T10:00:05.000Z');

describe('isWaitingGuardianCheck', () => {
  it('takes a guardian check for a later time as waiting, as a delayed message would be', () => {
    expect(isWaitingGuardianCheck({ event: check('2026-12-03T10:00:15.000Z') }, now)).toBe(true);
  });

  it('takes it as work once its time came, and any other event as work', () => {
    expect(isWaitingGuardianCheck({ event: check('2026-12-03T10:00:05.000Z') }, now)).toBe(false);
    expect(isWaitingGuardianCheck({ event: check('soon') }, now)).toBe(false);
    expect(isWaitingGuardianCheck({ event: { source: 'aws.events', notBefore: '2027-01-01T00:00:00Z' } }, now)).toBe(
      false,
    );
    expect(isWaitingGuardianCheck({ event: null }, now)).toBe(false);
  });
});
