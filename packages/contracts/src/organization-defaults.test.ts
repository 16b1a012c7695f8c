import {
  budgetTargetKind,
  defaultTargetSchema,
  describeTarget,
  classifyBudgetItem,
  inheritedItem,
  isDefaultTarget,
  validateBudgetItem,
  validateDefaultItem,
  validateOptOutItem,
} from './index';

describe('budgetTargetKind', () => {
  it.each([
    ['111111111111', 'account'],
    ['ou-ab12-cdef3456', 'ou'],
    ['ou-0abc-12345678abcd', 'ou'],
    ['r-ab12', 'root'],
    ['11111111111', undefined],
    ['OU-AB12-CDEF3456', undefined],
    ['ou-ab12', undefined],
    ['r-', undefined],
    [42, undefined],
  ])('%p is %p', (id, kind) => {
    expect(budgetTargetKind(id)).toBe(kind);
    expect(isDefaultTarget(id)).toBe(kind === 'ou' || kind === 'root');
  });
});

describe('describeTarget', () => {
  it.each([
    ['111111111111', 'account 111111111111'],
    ['ou-ab12-cdef3456', 'OU ou-ab12-cdef3456'],
    ['r-ab12', 'the root r-ab12'],
    ['not-an-id', 'account not-an-id'],
  ])('names %p as %p', (id, text) => {
    expect(describeTarget(id)).toBe(text);
  });
});

describe('validateDefaultItem', () => {
  it('accepts an OU or root item typed with only accountId, budgetName and amount, with the defaults filled', () => {
    const result = validateDefaultItem({ accountId: 'ou-ab12-cdef3456', budgetName: 'baseline', amount: 100 });
    expect(result).toEqual({
      valid: true,
      item: expect.objectContaining({
        accountId: 'ou-ab12-cdef3456',
        budgetName: 'baseline',
        amount: 100,
        period: 'MONTHLY',
        alertAt: [50, 80, 100],
      }),
    });
    expect(validateDefaultItem({ accountId: 'r-ab12', budgetName: 'baseline', amount: 5 }).valid).toBe(true);
  });

  it('drops the system attributes and refuses inheritedFrom and optOut by name', () => {
    const ok = validateDefaultItem({
      accountId: 'r-ab12',
      budgetName: 'b',
      amount: 5,
      sync: { status: 'APPLIED' },
      rollup: { accounts: 3 },
    });
    expect(ok.valid && Object.keys(ok.item)).not.toContain('rollup');
    const bad = validateDefaultItem({ accountId: 'r-ab12', budgetName: 'b', amount: 5, optOut: true });
    expect(bad.valid).toBe(false);
    expect(!bad.valid && bad.message).toMatch(/unknown attribute "optOut"/);
  });

  it('names the attribute and the reason, as for an account item', () => {
    const result = validateDefaultItem({ accountId: 'ou-ab12-cdef3456', budgetName: 'b', amount: -1 });
    expect(result).toEqual({
      valid: false,
      problems: [expect.objectContaining({ attribute: 'amount' })],
      message: expect.stringMatching(/^amount /),
    });
    const target = validateDefaultItem({ accountId: 'ou-nope', budgetName: 'b', amount: 1 });
    expect(!target.valid && target.message).toMatch(
      /accountId must be an OU id such as ou-ab12-cdef3456 or the root id/,
    );
  });
});

describe('validateOptOutItem', () => {
  it('accepts accountId, budgetName, optOut: true and notes', () => {
    expect(
      validateOptOutItem({
        accountId: '111111111111',
        budgetName: 'baseline',
        optOut: true,
        notes: 'sandbox',
        sync: {},
      }),
    ).toEqual({
      valid: true,
      item: { accountId: '111111111111', budgetName: 'baseline', optOut: true, notes: 'sandbox' },
    });
  });

  it('refuses budget fields on an opt-out item, saying what to do', () => {
    const result = validateOptOutItem({ accountId: '111111111111', budgetName: 'b', optOut: true, amount: 10 });
    expect(!result.valid && result.message).toMatch(/"amount" not allowed on an opt-out item .* remove optOut/);
  });
});

describe('classifyBudgetItem', () => {
  it('sorts defaults, opt-outs, own items and inherited copies', () => {
    expect(classifyBudgetItem({ accountId: 'ou-ab12-cdef3456', budgetName: 'b', amount: 1 }).kind).toBe('default');
    expect(classifyBudgetItem({ accountId: '111111111111', budgetName: 'b', optOut: true }).kind).toBe('opt-out');
    expect(classifyBudgetItem({ accountId: '111111111111', budgetName: 'b', amount: 1 })).toEqual({
      kind: 'budget',
      validation: expect.objectContaining({ valid: true }),
    });
    expect(
      classifyBudgetItem({ accountId: '111111111111', budgetName: 'b', amount: 1, inheritedFrom: 'r-ab12' }),
    ).toEqual({ kind: 'budget', validation: expect.objectContaining({ valid: true }), inheritedFrom: 'r-ab12' });
  });

  it('an account item says optOut: false or nothing; optOut: true with a budget is refused', () => {
    expect(validateBudgetItem({ accountId: '111111111111', budgetName: 'b', amount: 1, optOut: false }).valid).toBe(
      true,
    );
    const both = validateBudgetItem({ accountId: '111111111111', budgetName: 'b', amount: 1, optOut: true });
    expect(!both.valid && both.message).toMatch(/optOut is true: an opt-out item holds only/);
  });
});

describe('inheritedItem', () => {
  it('is the default with the account id and inheritedFrom, and validates as the account’s budget without them', () => {
    const result = validateDefaultItem({ accountId: 'ou-ab12-cdef3456', budgetName: 'baseline', amount: 100 });
    if (!result.valid) throw new Error(result.message);
    const copy = inheritedItem(result.item, '222222222222');
    expect(copy).toMatchObject({ accountId: '222222222222', inheritedFrom: 'ou-ab12-cdef3456', amount: 100 });
    const validation = validateBudgetItem(copy);
    expect(validation.valid && validation.item).toEqual({ ...result.item, accountId: '222222222222' });
  });
});

describe('editedBy', () => {
  const editedBy = { by: 'arn:aws:sts::123456789012:assumed-role/Finance/alice', via: 'org-budgets CLI', at: 't' };

  it('is accepted on every kind of item and never part of the budget', () => {
    const own = validateBudgetItem({ accountId: '111111111111', budgetName: 'b', amount: 5, editedBy });
    const byDefault = validateDefaultItem({ accountId: 'ou-ab12-cdef3456', budgetName: 'b', amount: 5, editedBy });
    const optOut = validateOptOutItem({ accountId: '111111111111', budgetName: 'b', optOut: true, editedBy });

    expect(own.valid && 'editedBy' in own.item).toBe(false);
    expect(byDefault.valid && 'editedBy' in byDefault.item).toBe(false);
    expect(optOut).toEqual({ valid: true, item: { accountId: '111111111111', budgetName: 'b', optOut: true } });
  });

  it('is not copied from an organization default into its accounts’ copies', () => {
    const validation = validateDefaultItem({ accountId: 'ou-ab12-cdef3456', budgetName: 'b', amount: 5, editedBy });
    if (!validation.valid) throw new Error(validation.message);

    expect(inheritedItem(validation.item, '111111111111')).not.toHaveProperty('editedBy');
  });
});

describe('defaultTargetSchema', () => {
  it('says what an OU or root id looks like when the id is missing or not text', () => {
    expect(validateDefaultItem({ budgetName: 'b', amount: 1 }).valid).toBe(false);
    const missing = defaultTargetSchema.safeParse(undefined);
    expect(missing.success ? '' : missing.error.issues[0]?.message).toBe('is required');
    const number = defaultTargetSchema.safeParse(42);
    expect(number.success ? '' : number.error.issues[0]?.message).toMatch(/must be an OU id \(ou-…\) or the root id/);
  });
});
