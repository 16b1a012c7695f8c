import { validateDefaultItem, type DefaultBudgetItem } from '@org-budgets/contracts';
import {
  nearestDefault,
  planAccountCopies,
  rollUpDefault,
  type AccountItemState,
  type DefaultEntry,
  type DefaultsByTarget,
} from './org-defaults';

const ROOT = 'r-ab12';
const RESEARCH = 'ou-ab12-research';
const LABS = 'ou-ab12-labs0001';
const FINANCE = 'ou-ab12-finance1';
const ACCOUNT = '111111111111';

function def(target: string, budgetName: string, amount: number): DefaultBudgetItem {
  const result = validateDefaultItem({ accountId: target, budgetName, amount });
  if (!result.valid) throw new Error(result.message);
  return result.item;
}

function defaults(...entries: [string, string, DefaultEntry][]): DefaultsByTarget {
  const map = new Map<string, Map<string, DefaultEntry>>();
  for (const [target, name, entry] of entries) {
    const byName = map.get(target) ?? new Map<string, DefaultEntry>();
    byName.set(name, entry);
    map.set(target, byName);
  }
  return map;
}

const valid = (target: string, name: string, amount: number): [string, string, DefaultEntry] => [
  target,
  name,
  { valid: true, item: def(target, name, amount) },
];

const copyOf = (target: string, name: string, amount: number, accountId = ACCOUNT): AccountItemState => {
  const { accountId: from, ...fields } = def(target, name, amount);
  return { kind: 'copy', inheritedFrom: from, content: { ...fields, accountId, inheritedFrom: from } };
};

describe('nearestDefault', () => {
  it('takes the deepest OU on the path, then its parents, the root last', () => {
    const d = defaults(valid(ROOT, 'baseline', 10), valid(RESEARCH, 'baseline', 20), valid(LABS, 'gpu', 30));
    expect(nearestDefault([ROOT, RESEARCH, LABS], 'baseline', d)?.target).toBe(RESEARCH);
    expect(nearestDefault([ROOT, RESEARCH, LABS], 'gpu', d)?.target).toBe(LABS);
    expect(nearestDefault([ROOT, FINANCE], 'baseline', d)?.target).toBe(ROOT);
    expect(nearestDefault([ROOT, FINANCE], 'gpu', d)).toBeUndefined();
  });
});

describe('planAccountCopies', () => {
  const placement = { accountId: ACCOUNT, path: [ROOT, RESEARCH, LABS] };

  it('gives an account of a nested OU a copy of each default above it, the nearest for each name', () => {
    const d = defaults(valid(ROOT, 'baseline', 10), valid(RESEARCH, 'baseline', 20), valid(ROOT, 'tools', 5));
    const actions = planAccountCopies(placement, d, new Map());
    expect(actions).toEqual([
      {
        action: 'put',
        accountId: ACCOUNT,
        budgetName: 'baseline',
        item: expect.objectContaining({ accountId: ACCOUNT, inheritedFrom: RESEARCH, amount: 20 }),
      },
      {
        action: 'put',
        accountId: ACCOUNT,
        budgetName: 'tools',
        item: expect.objectContaining({ accountId: ACCOUNT, inheritedFrom: ROOT, amount: 5 }),
      },
    ]);
  });

  it('keeps a copy that already holds the default, and rewrites one that does not (guarded by its inheritedFrom)', () => {
    const d = defaults(valid(RESEARCH, 'baseline', 20), valid(RESEARCH, 'tools', 7));
    const items = new Map<string, AccountItemState>([
      ['baseline', copyOf(RESEARCH, 'baseline', 20)],
      ['tools', copyOf(RESEARCH, 'tools', 6)],
    ]);
    expect(planAccountCopies(placement, d, items)).toEqual([
      { action: 'keep', accountId: ACCOUNT, budgetName: 'baseline', reason: 'unchanged', from: RESEARCH },
      expect.objectContaining({
        action: 'put',
        budgetName: 'tools',
        expectedFrom: RESEARCH,
        item: expect.objectContaining({ amount: 7 }),
      }),
    ]);
  });

  it('an own item overrides and an opt-out refuses; neither is touched', () => {
    const d = defaults(valid(ROOT, 'baseline', 10), valid(ROOT, 'tools', 5));
    const items = new Map<string, AccountItemState>([
      ['baseline', { kind: 'own' }],
      ['tools', { kind: 'opt-out' }],
    ]);
    expect(planAccountCopies(placement, d, items)).toEqual([
      { action: 'keep', accountId: ACCOUNT, budgetName: 'baseline', reason: 'overridden', from: ROOT },
      { action: 'keep', accountId: ACCOUNT, budgetName: 'tools', reason: 'opted-out', from: ROOT },
    ]);
  });

  it('an account moved to another OU loses the old OU’s copy and gets the new one’s', () => {
    const d = defaults(valid(RESEARCH, 'research', 20), valid(FINANCE, 'finance', 30));
    const items = new Map<string, AccountItemState>([['research', copyOf(RESEARCH, 'research', 20)]]);
    const moved = { accountId: ACCOUNT, path: [ROOT, FINANCE] };
    expect(planAccountCopies(moved, d, items)).toEqual([
      expect.objectContaining({
        action: 'put',
        budgetName: 'finance',
        item: expect.objectContaining({ inheritedFrom: FINANCE }),
      }),
      { action: 'delete', accountId: ACCOUNT, budgetName: 'research', inheritedFrom: RESEARCH },
    ]);
  });

  it('a copy whose nearest default changed to a parent is rewritten from the parent', () => {
    const d = defaults(valid(ROOT, 'baseline', 10));
    const items = new Map<string, AccountItemState>([['baseline', copyOf(RESEARCH, 'baseline', 20)]]);
    expect(planAccountCopies(placement, d, items)).toEqual([
      expect.objectContaining({
        action: 'put',
        expectedFrom: RESEARCH,
        item: expect.objectContaining({ inheritedFrom: ROOT, amount: 10 }),
      }),
    ]);
  });

  it('a rejected nearest default changes nothing: the last good copy stays', () => {
    const d = defaults([RESEARCH, 'baseline', { valid: false }], valid(ROOT, 'baseline', 10));
    const items = new Map<string, AccountItemState>([['baseline', copyOf(RESEARCH, 'baseline', 20)]]);
    expect(planAccountCopies(placement, d, items)).toEqual([
      { action: 'keep', accountId: ACCOUNT, budgetName: 'baseline', reason: 'default-rejected', from: RESEARCH },
    ]);
  });

  it('looks only at the names given (one default edited)', () => {
    const d = defaults(valid(ROOT, 'baseline', 10), valid(ROOT, 'tools', 5));
    const actions = planAccountCopies(placement, d, new Map(), new Set(['tools']));
    expect(actions.map((a) => a.budgetName)).toEqual(['tools']);
  });

  it('compares copies read from the table (emails as a set) by their normalized content', () => {
    const withEmails = validateDefaultItem({
      accountId: ROOT,
      budgetName: 'baseline',
      amount: 10,
      emails: ['b@example.com', 'a@example.com'],
    });
    if (!withEmails.valid) throw new Error(withEmails.message);
    const d = defaults([ROOT, 'baseline', withEmails]);
    const { accountId: _t, ...fields } = withEmails.item;
    const held: AccountItemState = {
      kind: 'copy',
      inheritedFrom: ROOT,
      content: {
        ...fields,
        emails: new Set(['a@example.com', 'b@example.com']),
        accountId: ACCOUNT,
        inheritedFrom: ROOT,
      },
    };
    expect(planAccountCopies(placement, d, new Map([['baseline', held]]))).toEqual([
      expect.objectContaining({ action: 'keep', reason: 'unchanged' }),
    ]);
  });
});

describe('rollUpDefault', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  const item = def(RESEARCH, 'baseline', 20);
  const copy = (accountId: string, status?: string, amount = 20, message?: string) => {
    const state = copyOf(RESEARCH, 'baseline', amount, accountId) as { content: Record<string, unknown> };
    return {
      accountId,
      content: state.content,
      ...(status ? { sync: { status, ...(message ? { message } : {}) } as never } : {}),
    };
  };

  it('is APPLIED when every copy holds the current default and is APPLIED', () => {
    const result = rollUpDefault(
      item,
      [copy('100000000001', 'APPLIED'), copy('100000000002', 'APPLIED')],
      { overridden: 1, optedOut: 0 },
      now,
    );
    expect(result).toMatchObject({
      status: 'APPLIED',
      message: `APPLIED in all 2 accounts below ${RESEARCH} (1 with their own item)`,
      rollup: { accounts: 2, applied: 2, pending: 0, failed: 0, overridden: 1 },
    });
  });

  it('counts a copy not yet rewritten after the default’s edit as on its way, whatever its status', () => {
    const result = rollUpDefault(
      item,
      [copy('100000000001', 'APPLIED'), copy('100000000002', 'APPLIED', 19)],
      { overridden: 0, optedOut: 2 },
      now,
    );
    expect(result).toMatchObject({
      status: 'DELIVERED',
      message: 'APPLIED in 1 of 2 accounts; 1 on their way (2 opted out)',
    });
  });

  it('is FAILED naming the accounts that failed, with their messages', () => {
    const result = rollUpDefault(
      item,
      [copy('100000000001', 'APPLIED'), copy('100000000002', 'FAILED', 20, 'spoke role missing'), copy('100000000003')],
      { overridden: 0, optedOut: 0 },
      now,
    );
    expect(result.status).toBe('FAILED');
    expect(result.message).toBe('FAILED in 1 of 3 accounts: 100000000002 (spoke role missing). APPLIED in 1');
    expect(result.rollup.failedAccounts).toEqual([{ accountId: '100000000002', message: 'spoke role missing' }]);
  });

  it('says when no account inherits it', () => {
    expect(rollUpDefault(item, [], { overridden: 0, optedOut: 0 }, now)).toMatchObject({
      status: 'APPLIED',
      message: `no account below ${RESEARCH} inherits it`,
    });
  });
});

describe('rollUpDefault: spend and states', () => {
  it('adds up the accounts’ spend in the default’s currency and counts their states, naming those over', () => {
    const item = def(RESEARCH, 'baseline', 20);
    const copy = (
      accountId: string,
      spend: { actual: number; forecasted?: number; currency: string } | undefined,
      state?: string,
    ) => {
      const { accountId: from, ...fields } = item;
      return {
        accountId,
        content: { ...fields, accountId, inheritedFrom: from },
        sync: { status: 'APPLIED' as const },
        ...(spend ? { spend } : {}),
        ...(state ? { state } : {}),
      };
    };
    const result = rollUpDefault(
      item,
      [
        copy('100000000001', { actual: 10.5, forecasted: 18, currency: 'USD' }, 'On target'),
        copy('100000000002', { actual: 25, currency: 'USD' }, 'Shutdown'),
        copy('100000000003', { actual: 99, currency: 'EUR' }, 'Under'),
        copy('100000000004', undefined),
      ],
      { overridden: 0, optedOut: 0 },
      new Date('2026-12-03T12:00:00Z'),
    );
    expect(result.rollup.spend).toEqual({ actual: 35.5, forecasted: 43, currency: 'USD', accounts: 2 });
    expect(result.rollup.states).toEqual({ 'On target': 1, Shutdown: 1, Under: 1, Unknown: 1 });
    expect(result.rollup.accountsOver).toEqual([{ accountId: '100000000002', state: 'Shutdown' }]);
  });
});
