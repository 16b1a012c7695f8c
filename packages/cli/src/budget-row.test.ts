import {
  columnOfAttribute,
  itemToCells,
  parseAccountIdCell,
  parseAmountCell,
  parseThresholdsCell,
  rowToItemInput,
} from './budget-row';

describe('parseAmountCell', () => {
  it.each([
    ['1500', 1500],
    [' 1500.5 ', 1500.5],
    ['-5', -5],
    ['5000.000', 5000],
  ])('reads the plain number %j', (cell, value) => {
    expect(parseAmountCell(cell)).toEqual({ value });
  });

  it.each([
    ['$1500', 'has a currency sign or code'],
    ['1500 EUR', 'has a currency sign or code'],
    ['1,500.00', 'has a thousands separator'],
    ['1.500,00', 'has a thousands separator'],
    ['1 500', 'has a thousands separator'],
    ['1500,50', 'has a decimal comma'],
    ['1.500', 'is ambiguous: 1.5 or 1500'],
    ['1.5E+3', 'is in scientific notation'],
    ['lots', 'is not a number'],
  ])('refuses %j: it %s', (cell, reason) => {
    const result = parseAmountCell(cell);

    expect(result).toEqual({ problem: expect.stringContaining(reason) });
    expect(result).toEqual({ problem: expect.stringContaining('type a plain number such as 1500 or 1500.50') });
  });
});

describe('parseAccountIdCell', () => {
  it('names a spreadsheet that dropped leading zeros or wrote scientific notation', () => {
    expect(parseAccountIdCell('12345678901')).toEqual({ problem: expect.stringContaining('dropped leading zeros') });
    expect(parseAccountIdCell('1.23457E+11')).toEqual({ problem: expect.stringContaining('turned into a number') });
    expect(parseAccountIdCell(' 012345678901 ')).toEqual({ value: '012345678901' });
    expect(parseAccountIdCell('ou-ab12-cdef3456')).toEqual({ value: 'ou-ab12-cdef3456' });
  });
});

describe('parseThresholdsCell', () => {
  it('reads percents separated by ";", "," or spaces, and "none"', () => {
    expect(parseThresholdsCell('50;80;100')).toEqual({ value: [50, 80, 100] });
    expect(parseThresholdsCell('50, 80 100%')).toEqual({ value: [50, 80, 100] });
    expect(parseThresholdsCell('None')).toEqual({ value: [] });
    expect(parseThresholdsCell('50;eighty')).toEqual({ problem: expect.stringContaining('is not a list of numbers') });
  });
});

describe('rowToItemInput', () => {
  it('types the cells as the table holds them and reports unreadable cells by column', () => {
    const { input, problems } = rowToItemInput({
      row: 7,
      cells: {
        accountId: '111111111111',
        budgetName: ' gpu ',
        amount: '$5',
        emails: 'a@example.org; b@example.org',
        alertAt: '50;100',
        guardian: '{"mode":"notify"}',
        costFilter: '{tags:}',
      },
    });

    expect(input).toEqual({
      accountId: '111111111111',
      budgetName: 'gpu',
      emails: ['a@example.org', 'b@example.org'],
      alertAt: [50, 100],
      guardian: { mode: 'notify' },
    });
    expect(problems).toEqual([
      { row: 7, column: 'amount', message: expect.stringContaining('"$5" has a currency sign') },
      { row: 7, column: 'costFilter', message: expect.stringContaining('is not JSON') },
    ]);
  });
});

describe('itemToCells', () => {
  it('writes cells that read back as the same item', () => {
    const item = {
      accountId: '111111111111',
      budgetName: 'gpu',
      amount: 1500.5,
      emails: new Set(['a@example.org', 'b@example.org']),
      alertAt: [50, 80],
      forecastAlertAt: [],
      costFilter: { tags: { project: ['genomics'] } },
      notes: 'a, b',
    };

    const { cells, unexported } = itemToCells(item);
    const { input, problems } = rowToItemInput({ row: 2, cells });

    expect(unexported).toEqual([]);
    expect(cells).toMatchObject({ amount: '1500.5', emails: 'a@example.org; b@example.org', forecastAlertAt: 'none' });
    expect(problems).toEqual([]);
    expect(input).toEqual({ ...item, emails: ['a@example.org', 'b@example.org'] });
  });

  it('names the attributes the format has no column for', () => {
    expect(itemToCells({ accountId: '1', amout: 5 }).unexported).toEqual(['amout']);
  });
});

describe('columnOfAttribute', () => {
  it('maps the contract’s attribute paths to columns', () => {
    expect(columnOfAttribute('alertAt[2]')).toBe('alertAt');
    expect(columnOfAttribute('guardian.mode')).toBe('guardian');
    expect(columnOfAttribute('amount')).toBe('amount');
  });
});
