import { budgetItem } from '@org-budgets/test-fixtures';
import { budgetParameterDocumentBytes, validateBudgetItem } from './budget-item';
import {
  budgetNameFromParameterName,
  budgetParameterName,
  isStaleOrDuplicate,
  parseBudgetParameter,
  serializeBudgetParameter,
  toBudgetParameter,
} from './budget-parameter';
import { compareRevisions, MAX_REVISION_DIGITS } from './revision';

function validItem() {
  const result = validateBudgetItem(budgetItem({ emails: ['a@example.com'] }));
  if (!result.valid) throw new Error(result.message);
  return result.item;
}

describe('budget parameter document', () => {
  it('round-trips through its serialized form', () => {
    const parameter = toBudgetParameter(validItem(), '1100000000017454423010', new Date('2026-11-23T10:00:00Z'));

    expect(parseBudgetParameter(serializeBudgetParameter(parameter))).toEqual({ valid: true, parameter });
    expect(parameter).toMatchObject({
      schemaVersion: 1,
      revision: '1100000000017454423010',
      updatedAt: '2026-11-23T10:00:00.000Z',
    });
  });

  it('reports an unreadable document with its revision when it can be read', () => {
    const result = parseBudgetParameter(JSON.stringify({ revision: '42', amount: -1 }));

    expect(result).toMatchObject({ valid: false, revision: '42' });
  });

  it('reports a value that is not JSON', () => {
    expect(parseBudgetParameter('{')).toMatchObject({ valid: false, message: expect.stringContaining('not JSON') });
  });

  it.each([
    ['the smallest item', {}],
    [
      'a full item',
      {
        emails: ['pi@example.org', 'finance@example.org'],
        costFilter: { tags: { project: ['genomics', 'Forschung/\u00c4'] }, services: ['AWS Batch'] },
        guardian: { mode: 'enforce', jobQueues: ['gpu-queue'] },
      },
    ],
    ['notes with multi-byte characters', { notes: 'caf\u00e9 \u8a9e \u{1F4B8}' }],
    ['notes that JSON escapes', { notes: 'line 1\nline "2"\t\\ \u0001' }],
  ])('validation measures exactly the document written, at the longest revision: %s', (_name, change) => {
    const result = validateBudgetItem(budgetItem(change));
    if (!result.valid) throw new Error(result.message);
    const longest = toBudgetParameter(result.item, '9'.repeat(MAX_REVISION_DIGITS), new Date('2026-12-03T10:00:00Z'));
    const short = toBudgetParameter(result.item, '1', new Date('2026-12-03T10:00:00Z'));

    expect(budgetParameterDocumentBytes(result.item)).toBe(
      Buffer.byteLength(serializeBudgetParameter(longest), 'utf8'),
    );
    expect(Buffer.byteLength(serializeBudgetParameter(short), 'utf8')).toBeLessThan(
      budgetParameterDocumentBytes(result.item),
    );
  });

  it('reports a bad tag key in a document on the tags, naming the key', () => {
    const parameter = toBudgetParameter(validItem(), '7', new Date('2026-11-23T10:00:00Z'));
    const value = JSON.stringify({ ...parameter, costFilter: { tags: { team$a: ['b'] } } });

    expect(parseBudgetParameter(value)).toEqual({
      valid: false,
      revision: '7',
      message: expect.stringMatching(/^costFilter\.tags: has the tag key "team\$a" containing "\$"/),
    });
  });

  it('names parameters under /org-budgets/budgets/', () => {
    expect(budgetParameterName('team-a')).toBe('/org-budgets/budgets/team-a');
    expect(budgetNameFromParameterName('/org-budgets/budgets/team-a')).toBe('team-a');
    expect(budgetNameFromParameterName('/other/team-a')).toBeUndefined();
  });
});

describe('revisions', () => {
  it('compares sequence numbers beyond the precision of a JS number', () => {
    expect(compareRevisions('1100000000017454423010', '1100000000017454423009')).toBe(1);
    expect(compareRevisions('99', '100')).toBe(-1);
    expect(compareRevisions('100', '100')).toBe(0);
  });

  it('treats an older or equal revision as stale or duplicate', () => {
    expect(isStaleOrDuplicate('5', '6')).toBe(true);
    expect(isStaleOrDuplicate('6', '6')).toBe(true);
    expect(isStaleOrDuplicate('7', '6')).toBe(false);
    expect(isStaleOrDuplicate('7', undefined)).toBe(false);
  });
});
