/**
 * The spoke's enforce-spend rule (services/spoke/src/functions/enforce-spend/applied-status-pattern.json)
 * against the status reports apply-budget sends: it runs after every APPLIED report, except one that
 * says `guardianIdle` (the guardian is off and holds nothing for the budget).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { matchesEventPattern, parseEventPattern } from '@org-budgets/aws-emulator';
import { SPOKE_STATUS_DETAIL_TYPE, SPOKE_STATUS_SOURCE, type SpokeStatusDetail } from '@org-budgets/contracts';

const pattern = parseEventPattern(
  readFileSync(
    resolve(__dirname, '../../../../services/spoke/src/functions/enforce-spend/applied-status-pattern.json'),
    'utf8',
  ),
);

const report = (detail: Partial<SpokeStatusDetail>) => ({
  source: SPOKE_STATUS_SOURCE,
  'detail-type': SPOKE_STATUS_DETAIL_TYPE,
  account: '111111111111',
  detail: {
    accountId: '111111111111',
    budgetName: 'research',
    revision: '7',
    status: 'APPLIED',
    message: 'applied',
    at: '2026-12-03T12:00:00.000Z',
    ...detail,
  },
});

describe("enforce-spend's rule on apply-budget's status reports", () => {
  it('matches an APPLIED report', () => {
    expect(matchesEventPattern(pattern, report({}))).toBe(true);
  });

  it('does not match an APPLIED report that says the guardian is idle', () => {
    expect(matchesEventPattern(pattern, report({ guardianIdle: true }))).toBe(false);
  });

  it('does not match FAILED or DELETED reports', () => {
    expect(matchesEventPattern(pattern, report({ status: 'FAILED' }))).toBe(false);
    expect(matchesEventPattern(pattern, report({ status: 'DELETED', deletion: true }))).toBe(false);
  });
});
