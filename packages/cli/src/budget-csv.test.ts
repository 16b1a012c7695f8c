import { CSV_COLUMNS, detectDelimiter, parseBudgetCsv, writeBudgetCsv, BudgetCsvUnreadableError } from './budget-csv';

const HEADER = 'accountId,budgetName,amount,emails,notes';

describe('parseBudgetCsv', () => {
  it('reads a header and rows into cells by column, leaving empty cells out', () => {
    const csv = parseBudgetCsv(`${HEADER}\n111111111111,gpu,500,,\n`);

    expect(csv.problems).toEqual([]);
    expect(csv.delimiter).toBe(',');
    expect(csv.columns).toEqual(['accountId', 'budgetName', 'amount', 'emails', 'notes']);
    expect(csv.rows).toEqual([{ row: 2, cells: { accountId: '111111111111', budgetName: 'gpu', amount: '500' } }]);
  });

  it('keeps delimiters, doubled quotes and line breaks inside quoted cells', () => {
    const csv = parseBudgetCsv(
      `${HEADER}\r\n111111111111,gpu,500,"a@example.org, b@example.org","grant ""R01"",\r\nends 2027"\r\n`,
    );

    expect(csv.rows[0]?.cells).toMatchObject({
      emails: 'a@example.org, b@example.org',
      notes: 'grant "R01",\r\nends 2027',
    });
  });

  it('drops the UTF-8 byte order mark a spreadsheet writes', () => {
    const csv = parseBudgetCsv(`\uFEFF${HEADER}\n111111111111,gpu,500,,\n`);

    expect(csv.columns[0]).toBe('accountId');
    expect(csv.rows).toHaveLength(1);
  });

  it.each([
    [';', 'semicolon'],
    ['\t', 'tab'],
  ])('detects a file saved with %j as the delimiter', (delimiter) => {
    const text = `accountId${delimiter}budgetName${delimiter}amount\n111111111111${delimiter}gpu${delimiter}500\n`;

    const csv = parseBudgetCsv(text);

    expect(csv.delimiter).toBe(delimiter);
    expect(csv.rows[0]?.cells).toEqual({ accountId: '111111111111', budgetName: 'gpu', amount: '500' });
  });

  it('detects the delimiter from the header even when cells hold commas', () => {
    expect(detectDelimiter('accountId;budgetName;amount;notes\n111111111111;gpu;500;"a, b, c"\n')).toBe(';');
  });

  it('skips blank rows (also rows of empty cells) but counts them in row numbers', () => {
    const csv = parseBudgetCsv(`${HEADER}\n\n111111111111,gpu,500,,\n,,,,\n111111111111,cpu,50,,\n\n`);

    expect(csv.rows.map((r) => r.row)).toEqual([3, 5]);
  });

  it('matches header names without regard to case and surrounding spaces', () => {
    const csv = parseBudgetCsv(' AccountID , BUDGETNAME,Amount\n111111111111,gpu,500\n');

    expect(csv.problems).toEqual([]);
    expect(csv.columns).toEqual(['accountId', 'budgetName', 'amount']);
  });

  it('names an unknown column and a missing required one', () => {
    const csv = parseBudgetCsv('accountId,budgetName,amout\n111111111111,gpu,500\n');

    expect(csv.problems).toEqual([
      { row: 1, column: 'amout', message: expect.stringContaining('unknown column "amout" (known: accountId') },
      { row: 1, column: 'amount', message: 'the column amount is missing' },
    ]);
  });

  it('reports a row with more cells than columns (an unquoted delimiter) and one with fewer', () => {
    const csv = parseBudgetCsv(
      'accountId,budgetName,amount\n111111111111,gpu,1,500\n111111111111,cpu\n111111111111,ok,5\n',
    );

    expect(csv.problems).toEqual([
      { row: 2, message: 'has 4 cells, more than the 3 named columns (a comma inside a cell that is not in quotes?)' },
      { row: 3, message: 'has 2 cells, the header 3 (a missing comma?)' },
    ]);
    expect(csv.rows.map((r) => r.row)).toEqual([4]);
  });

  it('accepts trailing empty cells a spreadsheet adds', () => {
    const csv = parseBudgetCsv('accountId,budgetName,amount,\n111111111111,gpu,500,,\n');

    expect(csv.problems).toEqual([]);
    expect(csv.rows).toHaveLength(1);
  });

  it('refuses an empty file, a file without a header and an unterminated quote', () => {
    expect(() => parseBudgetCsv('\uFEFF\n')).toThrow(BudgetCsvUnreadableError);
    expect(() => parseBudgetCsv('111111111111,gpu,500\n')).toThrow('no header row found');
    expect(() => parseBudgetCsv(`${HEADER}\n111111111111,gpu,500,,"unterminated\n`)).toThrow(/not valid CSV/);
  });
});

describe('writeBudgetCsv', () => {
  it('writes every column with a BOM, quoting what needs it, and reads back the same cells', () => {
    const cells = { accountId: '111111111111', budgetName: 'gpu', amount: '500', notes: 'a, "b"\nc' };

    const text = writeBudgetCsv([cells]);

    expect(text.startsWith('\uFEFFaccountId,budgetName,amount,currency,period,emails,alertAt,')).toBe(true);
    expect(parseBudgetCsv(text).rows[0]?.cells).toEqual(cells);
  });

  it('writes without a BOM and with another delimiter when asked', () => {
    const text = writeBudgetCsv([{ accountId: '111111111111', budgetName: 'gpu', amount: '500' }], {
      bom: false,
      delimiter: ';',
    });

    expect(text.split('\n')[1]).toBe(['111111111111', 'gpu', '500', ...CSV_COLUMNS.slice(3).map(() => '')].join(';'));
  });
});
