import { BASE_COLUMNS, CSV_COLUMNS, EMPTY_LIST_CELL, type CsvColumn, type CsvProblem, type CsvRow } from './budget-csv';

const BASE: readonly string[] = BASE_COLUMNS;

/**
 * Cells of the budget CSV to item attributes (what the row asks for, typed as the table holds
 * it) and back. Validation of the values is the contract's (`validateBudgetItem`); this reads
 * the text a spreadsheet wrote and refuses only what cannot be read without guessing.
 */

export type CellResult<T> = { value: T } | { problem: string };

const CURRENCY_SYMBOLS = /[$€£¥₹₩₽₺₪₫฿₴₦₱₲₵₡₸]|\b(USD|EUR|GBP|JPY|CHF|CAD|AUD)\b/i;

/**
 * An amount as a plain decimal number: digits, optionally "." and at most two decimals (the
 * contract checks the decimals and the range). Currency symbols, thousands separators, decimal
 * commas and three decimals after 1-3 digits ("1.500") are refused, each with its own message:
 * "1,500" and "1.500" are 1500 in one locale and 1.5 in another, and a budget off by a factor of
 * 1,000 is worse than a row refused.
 */
export function parseAmountCell(text: string): CellResult<number> {
  const cell = text.trim();
  const plain = 'type a plain number such as 1500 or 1500.50 (format the column as a plain Number in the spreadsheet)';
  if (/^-?\d{1,3}\.\d{3}$/.test(cell)) {
    // 1.500 is 1.5 in one locale and 1500 in another.
    return {
      problem: `"${cell}" is ambiguous: 1.5 or 1500 ("." as a thousands separator)? ${plain}, at most 2 decimals`,
    };
  }
  if (/^-?\d+(\.\d+)?$/.test(cell)) return { value: Number(cell) };
  if (CURRENCY_SYMBOLS.test(cell)) {
    return { problem: `"${cell}" has a currency sign or code: ${plain}; the currency goes in the currency column` };
  }
  if (/^-?\d{1,3}([,.' \u00a0\u202f]\d{3})+([.,]\d+)?$/.test(cell)) {
    return { problem: `"${cell}" has a thousands separator: ${plain}` };
  }
  if (/^-?\d+,\d+$/.test(cell)) {
    return { problem: `"${cell}" has a decimal comma: ${plain} (a "." before the decimals)` };
  }
  if (/^-?\d+(\.\d+)?e[+-]?\d+$/i.test(cell)) {
    return { problem: `"${cell}" is in scientific notation: ${plain}` };
  }
  return { problem: `"${cell}" is not a number: ${plain}` };
}

/**
 * An account id (12 digits) or, for an OU-wide item, an OU or root id, as written. A spreadsheet
 * that took the column for numbers may have dropped leading zeros or written 1.23457E+11: both
 * are named, never repaired (a guessed account id would be someone else's budget).
 */
export function parseAccountIdCell(text: string): CellResult<string> {
  const cell = text.trim();
  if (/^\d+$/.test(cell) && cell.length < 12) {
    return {
      problem:
        `"${cell}" has ${cell.length} digits, an account id has 12: a spreadsheet may have dropped leading zeros ` +
        `(format the column as Text and type the id again)`,
    };
  }
  if (/^\d+(\.\d+)?e\+?\d+$/i.test(cell)) {
    return {
      problem: `"${cell}" is an account id turned into a number by a spreadsheet (format the column as Text and type the id again)`,
    };
  }
  return { value: cell };
}

/** A list of email addresses separated by ";", "," or spaces. */
export function parseEmailsCell(text: string): string[] {
  const cell = text.trim();
  if (cell.toLowerCase() === EMPTY_LIST_CELL) return [];
  return cell.split(/[;,\s]+/).filter((part) => part !== '');
}

/** Thresholds (percent) separated by ";", "," or spaces, decimals with "."; `none` for no alerts. */
export function parseThresholdsCell(text: string): CellResult<number[]> {
  const cell = text.trim();
  if (cell.toLowerCase() === EMPTY_LIST_CELL) return { value: [] };
  const parts = cell.split(/[;,\s]+/).filter((part) => part !== '');
  const values: number[] = [];
  for (const part of parts.map((p) => p.replace(/%$/, ''))) {
    if (!/^-?\d+(\.\d+)?$/.test(part)) {
      return {
        problem:
          `"${cell}" is not a list of numbers: write percents of the amount separated by ";" such as 50;80;100 ` +
          `(decimals with "."), or "${EMPTY_LIST_CELL}" for no alerts`,
      };
    }
    values.push(Number(part));
  }
  return { value: values };
}

/** A JSON map (costFilter, guardian), as the item holds it. */
export function parseJsonCell(text: string): CellResult<unknown> {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      problem: `is not JSON (${(error as Error).message}): write it as in the item, such as {"mode":"notify"}`,
    };
  }
}

/**
 * The item a row asks for (only the attributes it has cells for), and the problems of cells
 * that could not be read. The result goes through validateBudgetItem, as the hub does.
 */
export function rowToItemInput(row: CsvRow): { input: Record<string, unknown>; problems: CsvProblem[] } {
  const input: Record<string, unknown> = {};
  const problems: CsvProblem[] = [];
  const take = <T>(column: CsvColumn, result: CellResult<T>) => {
    if ('problem' in result) problems.push({ row: row.row, column, message: result.problem });
    else input[column] = result.value;
  };
  const { cells } = row;
  if (cells.accountId !== undefined) take('accountId', parseAccountIdCell(cells.accountId));
  if (cells.budgetName !== undefined) input['budgetName'] = cells.budgetName.trim();
  if (cells.amount !== undefined) take('amount', parseAmountCell(cells.amount));
  if (cells.currency !== undefined) input['currency'] = cells.currency.trim();
  if (cells.period !== undefined) input['period'] = cells.period.trim();
  if (cells.emails !== undefined) input['emails'] = parseEmailsCell(cells.emails);
  if (cells.alertAt !== undefined) take('alertAt', parseThresholdsCell(cells.alertAt));
  if (cells.forecastAlertAt !== undefined) take('forecastAlertAt', parseThresholdsCell(cells.forecastAlertAt));
  if (cells.costFilter !== undefined) take('costFilter', parseJsonCell(cells.costFilter));
  if (cells.guardian !== undefined) take('guardian', parseJsonCell(cells.guardian));
  if (cells.notes !== undefined) input['notes'] = cells.notes;
  for (const column of CSV_COLUMNS) {
    const cell = cells[column];
    if (!BASE.includes(column) && cell !== undefined) take(column, parseJsonCell(cell));
  }
  return { input, problems };
}

/** The column of an attribute path the contract names (`alertAt[2]` → alertAt, `guardian.mode` → guardian). */
export function columnOfAttribute(attribute: string): string {
  return attribute.split(/[.[]/)[0] ?? attribute;
}

const jsonValue = (value: unknown): unknown =>
  value instanceof Set
    ? [...(value as Set<unknown>)].map(jsonValue)
    : Array.isArray(value)
      ? value.map(jsonValue)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((key) => [key, jsonValue((value as Record<string, unknown>)[key])]),
          )
        : value;

function listCell(value: unknown, separator: string): string {
  const list = value instanceof Set ? [...(value as Set<unknown>)] : Array.isArray(value) ? value : undefined;
  if (!list)
    return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(jsonValue(value));
  if (list.length === 0) return EMPTY_LIST_CELL;
  return list
    .map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)))
    .join(separator);
}

function textCell(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(jsonValue(value));
}

/**
 * The cells of an item (its attributes as plain values: numbers, strings, Sets, lists, maps), for
 * export; reading them back with rowToItemInput gives the same item. Attributes the format has no
 * column for are returned by name, for the caller to report.
 */
export function itemToCells(content: Record<string, unknown>): {
  cells: Record<string, string>;
  unexported: string[];
} {
  const cells: Record<string, string> = {};
  const unexported: string[] = [];
  for (const [name, value] of Object.entries(content)) {
    if (value === undefined || value === null) continue;
    switch (name) {
      case 'emails':
        // A set has no order: sorted, so that exports are the same from run to run.
        cells.emails = listCell(
          Array.isArray(value) || value instanceof Set ? [...(value as Iterable<unknown>)].map(String).sort() : value,
          '; ',
        );
        break;
      case 'alertAt':
      case 'forecastAlertAt':
        cells[name] = listCell(value, ';');
        break;
      case 'costFilter':
      case 'guardian':
        cells[name] = JSON.stringify(jsonValue(value));
        break;
      case 'accountId':
      case 'budgetName':
      case 'amount':
      case 'currency':
      case 'period':
      case 'notes':
        cells[name] = textCell(value);
        break;
      default:
        if (CSV_COLUMNS.includes(name)) cells[name] = JSON.stringify(jsonValue(value));
        else unexported.push(name);
    }
  }
  return { cells, unexported };
}
