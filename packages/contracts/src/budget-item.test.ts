import { applyChange, BAD_BUDGET_ITEMS, budgetItem } from '@org-budgets/test-fixtures';
import {
  budgetParameterDocumentBytes,
  MAX_COST_FILTER_SERVICES,
  MAX_COST_FILTER_TAG_KEYS,
  MAX_COST_FILTER_TAG_VALUES,
  MAX_NOTES_CHARACTERS,
  MAX_PARAMETER_DOCUMENT_BYTES,
  MAX_SERVICE_NAME_CHARACTERS,
  MAX_TAG_KEY_CHARACTERS,
  MAX_TAG_VALUE_CHARACTERS,
  validateBudgetItem,
  type BudgetItemValidation,
} from './budget-item';

function problemsOf(result: BudgetItemValidation) {
  if (result.valid) throw new Error('expected the item to be rejected');
  return result.problems;
}

describe('validateBudgetItem', () => {
  it('accepts an item with only accountId, budgetName and amount, filling the defaults', () => {
    const result = validateBudgetItem({ accountId: '111111111111', budgetName: 'team-a', amount: 250 });

    expect(result).toEqual({
      valid: true,
      item: {
        accountId: '111111111111',
        budgetName: 'team-a',
        amount: 250,
        currency: 'USD',
        period: 'MONTHLY',
        emails: [],
        alertAt: [50, 80, 100],
        forecastAlertAt: [100],
        guardian: { mode: 'off', disableQueuesAt: 80, terminateJobsAt: 100 },
      },
    });
  });

  it('normalizes lists: emails from a string set, de-duplicated and sorted; thresholds sorted', () => {
    const result = validateBudgetItem(
      budgetItem({ emails: new Set(['b@example.com', 'a@example.com']), alertAt: [100, 25, 75] }),
    );

    expect(result.valid && result.item.emails).toEqual(['a@example.com', 'b@example.com']);
    expect(result.valid && result.item.alertAt).toEqual([25, 75, 100]);
  });

  it('accepts a full item with cost filter, guardian and notes', () => {
    const result = validateBudgetItem(
      budgetItem({
        amount: 12500.5,
        period: 'QUARTERLY',
        emails: ['pi@example.org'],
        alertAt: [90],
        forecastAlertAt: [100, 120],
        costFilter: { tags: { project: ['genomics'] }, services: ['AWS Batch'] },
        guardian: { mode: 'enforce', disableQueuesAt: 85, terminateJobsAt: 100, jobQueues: ['gpu-queue'] },
        notes: 'grant 42',
      }),
    );

    expect(result.valid).toBe(true);
  });

  it('ignores the system-owned sync attribute', () => {
    const result = validateBudgetItem(budgetItem({ sync: { status: 'APPLIED' } }));

    expect(result.valid && 'sync' in result.item).toBe(false);
  });

  it.each(BAD_BUDGET_ITEMS)('rejects $name, naming $attribute', ({ change, attribute, reason }) => {
    const result = validateBudgetItem(applyChange(budgetItem(), change));

    expect(result.valid).toBe(false);
    if (result.valid) return;
    const problem = result.problems.find((p) => p.attribute === attribute);
    expect(problem?.reason).toMatch(reason);
    expect(result.message).toContain(attribute ? `${attribute} ` : 'unknown attribute');
  });

  it('reports every problem of an item at once', () => {
    const result = validateBudgetItem({ accountId: '1', budgetName: '', amount: -1 });

    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.problems.map((p) => p.attribute)).toEqual(['accountId', 'budgetName', 'amount']);
  });

  it('has at least 20 kinds of bad item in its fixtures', () => {
    expect(BAD_BUDGET_ITEMS.length).toBeGreaterThanOrEqual(20);
  });
});

describe('validateBudgetItem: the spoke parameter document fits an SSM Standard parameter', () => {
  const MONEY = '\u{1F4B8}'; // 4 bytes of UTF-8, one character, two UTF-16 units

  /** Notes that bring the item's document to exactly `bytes`, mostly of 4-byte characters. */
  function notesForDocumentOf(bytes: number): string {
    const base = validateBudgetItem(budgetItem({ notes: '' }));
    if (!base.valid) throw new Error(base.message);
    const room = bytes - budgetParameterDocumentBytes(base.item);
    return MONEY.repeat(Math.floor(room / 4)) + 'x'.repeat(room % 4);
  }

  it('accepts an item whose document is exactly 4096 bytes', () => {
    const notes = notesForDocumentOf(MAX_PARAMETER_DOCUMENT_BYTES);

    const result = validateBudgetItem(budgetItem({ notes }));

    expect(result.valid).toBe(true);
    expect(result.valid && budgetParameterDocumentBytes(result.item)).toBe(4096);
  });

  it('rejects an item whose document is 4097 bytes, naming the largest attribute', () => {
    const notes = notesForDocumentOf(MAX_PARAMETER_DOCUMENT_BYTES + 1);

    const result = validateBudgetItem(budgetItem({ notes }));

    expect(problemsOf(result)).toEqual([
      {
        attribute: 'notes',
        reason: `makes the budget document 4,097 bytes, over the 4,096 bytes of an SSM Standard parameter (UTF-8, with the longest revision); notes is the largest part (${Buffer.byteLength(JSON.stringify(notes)).toLocaleString('en-US')} bytes)`,
      },
    ]);
  });

  it('counts bytes, not characters: 1000 characters of notes may be too many bytes', () => {
    expect(validateBudgetItem(budgetItem({ notes: 'x'.repeat(1000) })).valid).toBe(true);
    expect(validateBudgetItem(budgetItem({ notes: '\u00e9'.repeat(1000) })).valid).toBe(true); // 2000 bytes

    const result = validateBudgetItem(budgetItem({ notes: MONEY.repeat(1000) })); // 4000 bytes

    expect(problemsOf(result)).toEqual([
      { attribute: 'notes', reason: expect.stringMatching(/notes is the largest part \(4,002 bytes\)$/) },
    ]);
  });

  it('names the attribute that takes the most room', () => {
    const costFilter = { tags: { project: Array.from({ length: 12 }, (_, i) => `p${i}${'q'.repeat(250)}`) } };

    const result = validateBudgetItem(budgetItem({ notes: 'n'.repeat(900), costFilter }));

    expect(problemsOf(result)).toEqual([
      { attribute: 'costFilter', reason: expect.stringMatching(/; costFilter is the largest part \([\d,]+ bytes\)$/) },
    ]);
  });

  it('checks the size only once everything else is valid', () => {
    const result = validateBudgetItem(budgetItem({ notes: MONEY.repeat(1000), amount: -1 }));

    expect(problemsOf(result).map((p) => p.attribute)).toEqual(['amount']);
  });
});

describe('validateBudgetItem: caps on notes and cost filters', () => {
  it('accepts every cap at its limit', () => {
    const result = validateBudgetItem(
      budgetItem({
        notes: 'n'.repeat(MAX_NOTES_CHARACTERS),
        costFilter: { services: ['s'.repeat(MAX_SERVICE_NAME_CHARACTERS)] },
      }),
    );
    const keys = validateBudgetItem(
      budgetItem({
        costFilter: {
          tags: Object.fromEntries(Array.from({ length: MAX_COST_FILTER_TAG_KEYS }, (_, i) => [`k${i}`, ['v']])),
        },
      }),
    );
    const values = validateBudgetItem(
      budgetItem({
        costFilter: {
          tags: {
            team: Array.from({ length: MAX_COST_FILTER_TAG_VALUES }, (_, i) => `t${i}`),
            ['k'.repeat(MAX_TAG_KEY_CHARACTERS)]: ['v'.repeat(MAX_TAG_VALUE_CHARACTERS)],
          },
          services: Array.from({ length: MAX_COST_FILTER_SERVICES }, (_, i) => `s${i}`),
        },
      }),
    );

    expect([result.valid, keys.valid, values.valid]).toEqual([true, true, true]);
  });

  it('counts characters as Unicode characters, not UTF-16 units', () => {
    const emojiNotes = validateBudgetItem(budgetItem({ notes: '\u{1F600}'.repeat(501) })); // 1002 UTF-16 units
    const cjkKey = validateBudgetItem(budgetItem({ costFilter: { tags: { ['\u8a9e'.repeat(128)]: ['v'] } } }));
    const longCjkKey = validateBudgetItem(budgetItem({ costFilter: { tags: { ['\u8a9e'.repeat(129)]: ['v'] } } }));

    expect(emojiNotes.valid).toBe(true);
    expect(cjkKey.valid).toBe(true);
    expect(problemsOf(longCjkKey)).toEqual([
      { attribute: 'costFilter.tags', reason: expect.stringContaining('has a tag key of 129 characters') },
    ]);
  });

  it('accepts tag keys and values of Unicode letters, digits, spaces and _ . : / = + - @', () => {
    const result = validateBudgetItem(
      budgetItem({
        costFilter: { tags: { 'Kostenstelle 1': ['Forschung/Ä-7'], 'org:team_name.v=2+x@y': ['a b', 'c:d'] } },
      }),
    );

    expect(result.valid).toBe(true);
  });

  it('refuses a "$" in a tag key, since AWS Budgets writes a tag filter as user:<key>$<value>', () => {
    const result = validateBudgetItem(budgetItem({ costFilter: { tags: { team$a: ['b'] } } }));

    expect(problemsOf(result)).toEqual([
      {
        attribute: 'costFilter.tags',
        reason:
          'has the tag key "team$a" containing "$"; a tag key may contain only Unicode letters, digits, spaces and _ . : / = + - @ ("$" would corrupt the budget\'s tag filter, written user:<key>$<value>)',
      },
    ]);
    expect(!result.valid && result.message).toMatch(/^costFilter\.tags has the tag key "team\$a"/);
  });

  it('names every character a tag key may not contain, once', () => {
    const result = validateBudgetItem(budgetItem({ costFilter: { tags: { 'a#b#c\td': ['v'] } } }));

    expect(problemsOf(result)[0]?.reason).toMatch(/^has the tag key "a#b#c\\td" containing "#", "\\t";/);
  });

  it.each(['aws:createdBy', 'AWS:x', 'Aws:y'])('refuses the reserved prefix in the tag key %s', (key) => {
    const result = validateBudgetItem(budgetItem({ costFilter: { tags: { [key]: ['v'] } } }));

    expect(problemsOf(result)).toEqual([
      {
        attribute: 'costFilter.tags',
        reason: `has the tag key "${key}"; a tag key must not start with "aws:" (reserved by AWS)`,
      },
    ]);
  });

  it('refuses an empty tag key and an empty tag value', () => {
    const result = validateBudgetItem(budgetItem({ costFilter: { tags: { '': ['v'], team: [''] } } }));

    expect(problemsOf(result)).toEqual(
      expect.arrayContaining([
        { attribute: 'costFilter.tags', reason: 'has an empty tag key' },
        { attribute: 'costFilter.tags.team[0]', reason: 'must not be empty' },
      ]),
    );
  });

  it('reports key, value and count problems of the tags at once', () => {
    const tags = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, ['v']]));
    const result = validateBudgetItem(budgetItem({ costFilter: { tags: { ...tags, k0: ['a$'], k$: ['v'] } } }));

    expect(problemsOf(result).map((p) => p.attribute)).toEqual(
      expect.arrayContaining(['costFilter.tags', 'costFilter.tags.k0[0]']),
    );
    expect(problemsOf(result).map((p) => p.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^has the tag key "k\$"/), 'may hold at most 10 tag keys, got 11']),
    );
  });

  it('accepts tag values and services as string sets', () => {
    const result = validateBudgetItem(
      budgetItem({ costFilter: { tags: { team: new Set(['hpc']) }, services: new Set(['AWS Batch']) } }),
    );

    expect(result.valid && result.item.costFilter).toEqual({ tags: { team: ['hpc'] }, services: ['AWS Batch'] });
  });
});
