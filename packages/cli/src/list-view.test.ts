import type { BudgetItemImage, OrganizationTree } from '@org-budgets/aws';
import { tableEntry } from './budget-table';
import { describeSpend, describeState, listingCells, matchesFilters, toListing, UNKNOWN } from './list-view';
import { OrganizationDirectory } from './organization-directory';

const tree: OrganizationTree = {
  units: new Map([
    ['r-ab12', { id: 'r-ab12', name: 'Root' }],
    ['ou-ab12-research', { id: 'ou-ab12-research', name: 'Research', parentId: 'r-ab12' }],
    ['ou-ab12-genomics', { id: 'ou-ab12-genomics', name: 'Genomics', parentId: 'ou-ab12-research' }],
  ]),
  accounts: new Map([
    ['111111111111', { id: '111111111111', name: 'lab', state: 'ACTIVE', parentId: 'ou-ab12-genomics' }],
  ]),
};
const directory = new OrganizationDirectory(tree);
const entry = (accountId: string, extra: BudgetItemImage = {}) =>
  tableEntry({
    accountId: { S: accountId },
    budgetName: { S: 'gpu' },
    amount: { N: '1000' },
    sync: { M: { status: { S: 'APPLIED' }, revision: { N: '5' }, updatedAt: { S: '2026-12-03T10:04:05.000Z' } } },
    ...extra,
  });

describe('toListing and listingCells', () => {
  it('names the account and its OU path, and shows — for spend and state the item does not have', () => {
    const listing = toListing(entry('111111111111'), directory);

    expect(listingCells(listing)).toEqual([
      '111111111111 lab',
      'Root/Research/Genomics',
      'gpu',
      '1000 USD',
      'MONTHLY',
      'APPLIED',
      UNKNOWN,
      UNKNOWN,
      '2026-12-03 10:04 UTC',
    ]);
  });

  it('shows spend and state when the hub writes them', () => {
    const listing = toListing(
      entry('111111111111', {
        spend: { M: { actual: { N: '812.5' }, currency: { S: 'USD' } } },
        state: { S: 'On target' },
      }),
      directory,
    );

    expect(listingCells(listing).slice(6, 8)).toEqual(['812.5 (81%)', 'On target']);
  });

  it('lists an item of an OU or the root by the unit, and an unknown id as such', () => {
    expect(listingCells(toListing(entry('ou-ab12-research'), directory)).slice(0, 2)).toEqual([
      'ou-ab12-research (OU Research)',
      'Root/Research',
    ]);
    expect(listingCells(toListing(entry('r-ab12'), directory))[0]).toBe('r-ab12 (root)');
    expect(listingCells(toListing(entry('999999999999'), directory)).slice(0, 2)).toEqual([
      '999999999999 (not in the organization)',
      UNKNOWN,
    ]);
  });
});

describe('matchesFilters', () => {
  const lab = toListing(entry('111111111111', { state: { S: 'Over' } }), directory);

  it('matches an OU by name, path or id, at any depth above the account', () => {
    expect(matchesFilters(lab, { ou: ['research'] }, directory)).toBe(true);
    expect(matchesFilters(lab, { ou: ['Root/Research/Genomics'] }, directory)).toBe(true);
    expect(matchesFilters(lab, { ou: ['ou-ab12-genomics'] }, directory)).toBe(true);
    expect(matchesFilters(lab, { ou: ['Marketing'] }, directory)).toBe(false);
  });

  it('matches accounts by id or name, statuses and states without regard to case', () => {
    expect(matchesFilters(lab, { account: ['LAB'], status: ['applied'], state: ['over'] }, directory)).toBe(true);
    expect(matchesFilters(lab, { status: ['FAILED', 'none'] }, directory)).toBe(false);
  });
});

describe('describeSpend and describeState', () => {
  it('read a number or the first known figure of a map, and a text or a map’s state', () => {
    expect(describeSpend(250, 1000)).toBe('250 (25%)');
    expect(describeSpend({ estimated: 1234.567 }, undefined)).toBe('1,234.57');
    expect(describeSpend({ note: 'x' }, 1000)).toBe(UNKNOWN);
    expect(describeState({ level: 'Critical' })).toBe('Critical');
    expect(describeState(undefined)).toBe(UNKNOWN);
  });
});
