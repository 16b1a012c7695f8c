import type { EditHistoryEntry } from '@org-budgets/aws';
import { describeEdit, describeOutcome, historyCells, renderHistoryCsv } from './history-view';

const entry = (overrides: Partial<EditHistoryEntry> = {}): EditHistoryEntry => ({
  accountId: '111111111111',
  budgetName: 'research',
  revision: '1100000000017454423009',
  kind: 'changed',
  at: '2026-12-03T10:00:00.000Z',
  changes: [
    { attribute: 'amount', old: 1000, new: 1500 },
    { attribute: 'notes', old: 'grant' },
  ],
  expiresAt: 1,
  ...overrides,
});

describe('history view', () => {
  it('shows each change old → new, an absent value as —', () => {
    expect(describeEdit(entry())).toBe('amount 1000 → 1500\nnotes "grant" → —');
    expect(describeEdit(entry({ kind: 'created', changes: [{ attribute: 'amount', new: 5 }] }))).toBe(
      'created\namount — → 5',
    );
  });

  it('names the editor, or says it is not recorded and where to look', () => {
    expect(historyCells(entry({ editedBy: 'arn:x (org-budgets CLI)' }))[3]).toBe('arn:x (org-budgets CLI)');
    expect(historyCells(entry())[3]).toBe(
      'not recorded (console or another tool: see CloudTrail data events on the table)',
    );
  });

  it('shows the outcome with its message unless APPLIED', () => {
    const rejected = { status: 'REJECTED', stage: 'validate', message: 'amount must be > 0', at: 't', sequence: '1' };

    expect(describeOutcome(entry({ outcome: rejected }))).toBe('REJECTED: amount must be > 0');
    expect(describeOutcome(entry({ outcome: { ...rejected, status: 'APPLIED', message: 'ok' } }))).toBe('APPLIED');
    expect(describeOutcome(entry())).toBe('—');
  });

  it('shows a deletion’s outcome as reported, and says when there is none yet', () => {
    const deleted = {
      status: 'DELETED',
      stage: 'apply',
      message: 'budget research deleted in account 111111111111',
      at: 't',
      sequence: '',
    };

    expect(describeOutcome(entry({ kind: 'deleted', outcome: deleted }))).toBe(
      'DELETED: budget research deleted in account 111111111111',
    );
    expect(describeOutcome(entry({ kind: 'deleted' }))).toBe('— (no outcome of the deletion yet)');
  });

  it('writes a CSV row per entry', () => {
    expect(renderHistoryCsv([entry({ editedBy: 'arn:x' })])).toBe(
      'at,revision,kind,changes,editedBy,status,message\n' +
        '2026-12-03T10:00:00.000Z,1100000000017454423009,changed,"amount 1000 → 1500; notes ""grant"" → —",arn:x,,\n',
    );
  });
});
