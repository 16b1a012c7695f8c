import { KNOWN_ATTRIBUTES, SYSTEM_ATTRIBUTES } from '@org-budgets/contracts';
import { parse, CsvError } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * The CSV format of `org-budgets import` and `export` (docs/cli.md): one row per budget item,
 * a header row of attribute names, every column but accountId, budgetName and amount optional.
 * An empty cell leaves the attribute out (the hub's default applies).
 */
/** The columns every version of the format has, in this order. */
export const BASE_COLUMNS = [
  'accountId',
  'budgetName',
  'amount',
  'currency',
  'period',
  'emails',
  'alertAt',
  'forecastAlertAt',
  'costFilter',
  'guardian',
  'notes',
] as const;
const SYSTEM: readonly string[] = SYSTEM_ATTRIBUTES;
const BASE: readonly string[] = BASE_COLUMNS;
/**
 * Every attribute finance may edit (the contract's known attributes but the system's) is a
 * column: the base columns first, then any further attribute of the contract, whose cells hold
 * JSON, so that an attribute added to the contract is exported and imported as it is.
 */
export const CSV_COLUMNS: readonly string[] = [
  ...BASE_COLUMNS,
  ...KNOWN_ATTRIBUTES.filter((name) => !BASE.includes(name) && !SYSTEM.includes(name)),
];
/** A column name: one of CSV_COLUMNS. */
export type CsvColumn = string;
export const REQUIRED_COLUMNS: readonly string[] = ['accountId', 'budgetName', 'amount'];
/** Delimiters a spreadsheet saves with: comma, semicolon (locales with a decimal comma), tab. */
export const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
/** A cell meaning "an empty list" (no alerts), where an empty cell means "the default". */
export const EMPTY_LIST_CELL = 'none';

export const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

/** A problem of the file, a row or a cell. `row` is the spreadsheet's row number (the header is row 1). */
export interface CsvProblem {
  row?: number;
  column?: string;
  message: string;
}

/** A row of the file: its cells by column (absent columns and empty cells left out). */
export interface CsvRow {
  row: number;
  cells: Record<string, string>;
}

export interface ParsedBudgetCsv {
  delimiter: Delimiter;
  columns: CsvColumn[];
  rows: CsvRow[];
  /** Problems of the file as a whole or of a row's shape; rows with one are left out of `rows`. */
  problems: CsvProblem[];
}

/** The file cannot be read as a budget CSV at all (no header, unterminated quote, …). */
export class BudgetCsvUnreadableError extends Error {
  override readonly name = 'BudgetCsvUnreadableError';
}

const normalizeHeader = (name: string) => name.trim().toLowerCase();
const COLUMN_BY_HEADER = new Map(CSV_COLUMNS.map((column) => [normalizeHeader(column), column]));

function readRecords(text: string, delimiter: Delimiter, toLine?: number): string[][] {
  const records: unknown = parse(text, {
    bom: true,
    delimiter,
    relax_column_count: true,
    skip_empty_lines: false,
    ...(toLine === undefined ? {} : { to_line: toLine }),
  });
  // Without `columns`, csv-parse returns each record as an array of its cells.
  return records as string[][];
}

/**
 * The delimiter the header row is written with: the one of comma, semicolon and tab that splits
 * it into the most known column names (header names never hold a delimiter, so the choice is
 * unambiguous for a file with at least two known columns).
 */
export function detectDelimiter(text: string): Delimiter | undefined {
  let best: { delimiter: Delimiter; known: number } | undefined;
  for (const delimiter of DELIMITERS) {
    let header: string[] | undefined;
    try {
      header = readRecords(text, delimiter, 1)[0];
    } catch {
      continue;
    }
    const known = (header ?? []).filter((name) => COLUMN_BY_HEADER.has(normalizeHeader(name))).length;
    if (known > (best?.known ?? 1)) best = { delimiter, known };
  }
  return best?.delimiter;
}

/**
 * Reads a budget CSV as a spreadsheet saves it: UTF-8 with or without a BOM, comma-, semicolon-
 * or tab-separated (detected from the header unless given), quoted cells with delimiters, quotes
 * and line breaks inside, CRLF or LF, blank rows (skipped, still counted in row numbers). Header
 * names are matched without regard to case and surrounding spaces.
 */
export function parseBudgetCsv(text: string, options: { delimiter?: Delimiter } = {}): ParsedBudgetCsv {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '')
    throw new BudgetCsvUnreadableError('the file is empty: it needs a header row and one row per budget');
  const delimiter = options.delimiter ?? detectDelimiter(body);
  if (!delimiter) {
    throw new BudgetCsvUnreadableError(
      `no header row found: the first row must name the columns, at least ${REQUIRED_COLUMNS.join(', ')} ` +
        `(separated by commas, semicolons or tabs); known columns: ${CSV_COLUMNS.join(', ')}`,
    );
  }
  let records: string[][];
  try {
    records = readRecords(body, delimiter);
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new BudgetCsvUnreadableError(
        `the file is not valid CSV${line ? ` at line ${line}` : ''}: ${error.message.replace(/^Invalid [^:]*: /, '')}`,
      );
    }
    throw error;
  }

  const problems: CsvProblem[] = [];
  const header = records[0] ?? [];
  const columns: (CsvColumn | undefined)[] = [];
  header.forEach((name, index) => {
    const column = COLUMN_BY_HEADER.get(normalizeHeader(name));
    if (name.trim() === '') {
      // A trailing empty header cell (a spreadsheet's extra column) is allowed if its cells stay empty.
      columns.push(undefined);
    } else if (!column) {
      problems.push({
        row: 1,
        column: name,
        message: `unknown column "${name.trim()}" (known: ${CSV_COLUMNS.join(', ')})`,
      });
      columns.push(undefined);
    } else if (columns.includes(column)) {
      problems.push({
        row: 1,
        column,
        message: `column ${column} appears twice (columns ${columns.indexOf(column) + 1} and ${index + 1})`,
      });
      columns.push(undefined);
    } else columns.push(column);
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required))
      problems.push({ row: 1, column: required, message: `the column ${required} is missing` });
  }

  const rows: CsvRow[] = [];
  records.slice(1).forEach((record, index) => {
    const row = index + 2;
    if (record.every((cell) => cell.trim() === '')) return;
    const extra = record.slice(header.length).filter((cell) => cell.trim() !== '');
    const unnamed = record
      .slice(0, header.length)
      .filter((cell, i) => columns[i] === undefined && cell.trim() !== '' && header[i]?.trim() === '');
    if (extra.length > 0 || unnamed.length > 0) {
      problems.push({
        row,
        message:
          `has ${record.length} cells, more than the ${columns.filter(Boolean).length} named columns ` +
          `(a ${DELIMITER_NAMES[delimiter]} inside a cell that is not in quotes?)`,
      });
      return;
    }
    if (record.length < header.length) {
      problems.push({
        row,
        message: `has ${record.length} cells, the header ${header.length} (a missing ${DELIMITER_NAMES[delimiter]}?)`,
      });
      return;
    }
    const cells: Record<string, string> = {};
    record.forEach((cell, i) => {
      const column = columns[i];
      if (column && cell.trim() !== '') cells[column] = cell;
    });
    rows.push({ row, cells });
  });
  return { delimiter, columns: columns.filter((c): c is CsvColumn => c !== undefined), rows, problems };
}

/** Writes rows in the budget CSV format: all columns, in CSV_COLUMNS order, quoted where needed. */
export function writeBudgetCsv(
  rows: readonly Record<string, string>[],
  options: { bom?: boolean; delimiter?: Delimiter } = {},
): string {
  return stringify(
    rows.map((cells) => CSV_COLUMNS.map((column) => cells[column] ?? '')),
    {
      header: true,
      columns: [...CSV_COLUMNS],
      bom: options.bom ?? true,
      delimiter: options.delimiter ?? ',',
      record_delimiter: 'unix',
    },
  );
}
