import { budgetItem, budgetItemRecord, removeRecord } from '@org-budgets/test-fixtures';
import { contentChanges, editorOf, historyWorkFromRecord } from './edit-history';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from 'aws-lambda';

const options = { retentionDays: 400, now: () => new Date('2026-12-03T10:00:00Z') };
const image = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }) as Record<string, AttributeValue>;
const cli = (by: string, at: string, action?: 'delete') => ({
  by,
  via: 'org-budgets CLI',
  at,
  ...(action ? { action } : {}),
});
const ALICE = 'arn:aws:sts::123456789012:assumed-role/Finance/alice';

describe('contentChanges', () => {
  it('lists each changed attribute old → new, leaving out the key, system attributes and editedBy', () => {
    const changes = contentChanges(
      image(budgetItem({ amount: 1000, notes: 'a', sync: { status: 'APPLIED' }, editedBy: 'x' })),
      image(budgetItem({ amount: 1500, period: 'QUARTERLY', sync: { status: 'PENDING' }, editedBy: 'y' })),
    );

    expect(changes).toEqual([
      { attribute: 'amount', old: 1000, new: 1500 },
      { attribute: 'notes', old: 'a' },
      { attribute: 'period', new: 'QUARTERLY' },
    ]);
  });

  it('sees no change in a set whose members are listed in another order', () => {
    const before = image(budgetItem({ emails: new Set(['a@example.org', 'b@example.org']) }));
    const after = image(budgetItem({ emails: new Set(['b@example.org', 'a@example.org']) }));

    expect(contentChanges(before, after)).toEqual([]);
  });
});

describe('editorOf', () => {
  it('names editedBy when the edit wrote it', () => {
    const editor = editorOf(
      'MODIFY',
      image(budgetItem({ editedBy: cli(ALICE, '2026-12-03T09:00:00Z') })),
      image(budgetItem({ amount: 2, editedBy: cli(ALICE, '2026-12-03T10:00:00Z') })),
    );

    expect(editor).toBe(`${ALICE} (org-budgets CLI)`);
  });

  it('does not attribute an edit that kept an earlier editedBy (a console edit) to that editor', () => {
    const editedBy = cli(ALICE, '2026-12-03T09:00:00Z');

    expect(editorOf('MODIFY', image(budgetItem({ editedBy })), image(budgetItem({ amount: 2, editedBy })))).toBe(
      undefined,
    );
  });

  it('does not name anyone for an edit that removed editedBy', () => {
    expect(editorOf('MODIFY', image(budgetItem({ editedBy: 'bob' })), image(budgetItem({ amount: 2 })))).toBe(
      undefined,
    );
  });

  it('names the deleter only when the command line marked the item for deletion', () => {
    const marked = image(budgetItem({ editedBy: cli(ALICE, '2026-12-03T10:00:00Z', 'delete') }));
    const edited = image(budgetItem({ editedBy: cli(ALICE, '2026-12-03T10:00:00Z') }));

    expect(editorOf('REMOVE', marked, undefined)).toBe(`${ALICE} (org-budgets CLI)`);
    expect(editorOf('REMOVE', edited, undefined)).toBe(undefined);
  });

  it('names org-budgets for the copies of an organization default', () => {
    const copy = image(budgetItem({ inheritedFrom: 'ou-ab12-cdef3456' }));

    expect(editorOf('INSERT', undefined, copy)).toBe('org-budgets (organization default ou-ab12-cdef3456)');
    expect(editorOf('REMOVE', copy, undefined)).toBe('org-budgets (organization default ou-ab12-cdef3456)');
  });
});

describe('historyWorkFromRecord', () => {
  it('makes a created entry for an insert, kept for the retention from the time of the edit', () => {
    const record = budgetItemRecord(budgetItem({ editedBy: cli(ALICE, '2026-12-03T10:00:00Z') }));

    const work = historyWorkFromRecord(record, options);

    expect(work.edit).toEqual({
      accountId: '111111111111',
      budgetName: 'research-compute',
      revision: record.dynamodb?.SequenceNumber,
      kind: 'created',
      at: new Date(1795428000 * 1000).toISOString(),
      expiresAt: 1795428000 + 400 * 86400,
      changes: [{ attribute: 'amount', new: 1000 }],
      editedBy: `${ALICE} (org-budgets CLI)`,
    });
    expect(work.outcome).toBeUndefined();
  });

  it('makes a deleted entry for a removal', () => {
    const work = historyWorkFromRecord(removeRecord(budgetItem({ notes: 'n' })), options);

    expect(work.edit).toMatchObject({
      kind: 'deleted',
      changes: [
        { attribute: 'amount', old: 1000 },
        { attribute: 'notes', old: 'n' },
      ],
    });
    expect(work.edit?.editedBy).toBeUndefined();
  });

  it('turns a sync write into the outcome of its revision, with no entry', () => {
    const sync = { status: 'APPLIED', stage: 'apply', message: 'ok', revision: 42, updatedAt: '2026-12-03T10:00:05Z' };
    const record = budgetItemRecord(budgetItem({ sync }), {
      oldImage: budgetItem({ sync: { ...sync, status: 'DELIVERED', stage: 'deliver' } }),
    });

    const work = historyWorkFromRecord(record, options);

    expect(work.edit).toBeUndefined();
    expect(work.outcome).toEqual({
      revision: '42',
      record: {
        status: 'APPLIED',
        stage: 'apply',
        message: 'ok',
        at: '2026-12-03T10:00:05Z',
        sequence: record.dynamodb?.SequenceNumber,
      },
    });
  });

  it('records a redelivery request as an entry of its own (its revision gets the outcome)', () => {
    const pending = { status: 'PENDING', stage: 'deliver', message: 'stuck', revision: 42, updatedAt: 't' };
    const record = budgetItemRecord(budgetItem({ sync: pending }), {
      oldImage: budgetItem({ sync: { ...pending, status: 'FAILED' } }),
    });

    const work = historyWorkFromRecord(record, options);

    expect(work.edit).toMatchObject({
      kind: 'redelivery',
      changes: [],
      note: 'redelivery of revision 42 requested: stuck',
    });
    expect(work.outcome).toBeUndefined();
  });

  it('adds nothing for a change of only editedBy or of the system attributes besides sync', () => {
    const record = budgetItemRecord(budgetItem({ editedBy: 'b', state: 'Over' }), {
      oldImage: budgetItem({ editedBy: 'a', state: 'Under' }),
    });

    expect(historyWorkFromRecord(record, options)).toEqual({
      key: { accountId: '111111111111', budgetName: 'research-compute' },
    });
  });
});
