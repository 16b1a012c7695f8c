import type { AttributeChange, EditHistoryEntry } from '@org-budgets/aws';
import { EDITOR_NOT_RECORDED } from '@org-budgets/contracts';
import { stringify } from 'csv-stringify/sync';
import { describeTime } from './list-view';

export const HISTORY_HEADINGS = ['WHEN', 'REVISION', 'WHAT CHANGED', 'WHO', 'OUTCOME'];

const NONE = '—';

function describeValue(value: unknown): string {
  if (value === undefined) return NONE;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** One change as a line: `amount 1000 → 1500`, `notes "a" → —`. */
export function describeChange(change: AttributeChange): string {
  return `${change.attribute} ${describeValue(change.old)} → ${describeValue(change.new)}`;
}

/** What an entry changed, one line per attribute. */
export function describeEdit(entry: EditHistoryEntry): string {
  const lines = entry.changes.map(describeChange);
  switch (entry.kind) {
    case 'created':
      return ['created', ...lines].join('\n');
    case 'deleted':
      return ['deleted', ...lines].join('\n');
    case 'redelivery':
      return entry.note ?? 'redelivery requested';
    default:
      return lines.join('\n');
  }
}

/**
 * The outcome of an entry: `APPLIED`, `REJECTED: amount must be …`; a deletion's: `DELETED: budget …
 * deleted in account …` (the spoke's report), `DELIVERED: the hub deleted the budget's parameter …`
 * while the spoke's is not in, FAILED with the reason.
 */
export function describeOutcome(entry: EditHistoryEntry): string {
  if (!entry.outcome) return entry.kind === 'deleted' ? `${NONE} (no outcome of the deletion yet)` : NONE;
  const { status, message } = entry.outcome;
  return status === 'APPLIED' || !message ? status : `${status}: ${message}`;
}

export function historyCells(entry: EditHistoryEntry): string[] {
  return [
    describeTime(entry.at),
    entry.revision,
    describeEdit(entry),
    entry.editedBy ?? EDITOR_NOT_RECORDED,
    describeOutcome(entry),
  ];
}

/** `history --json`: the entries as stored, newest first. */
export function renderHistoryJson(entries: readonly EditHistoryEntry[]): string {
  return `${JSON.stringify(
    entries.map((entry) => ({ ...entry, editedBy: entry.editedBy ?? null })),
    null,
    2,
  )}\n`;
}

/** `history --csv`: one row per entry, the changes joined by "; ". */
export function renderHistoryCsv(entries: readonly EditHistoryEntry[]): string {
  return stringify(
    entries.map((entry) => [
      entry.at,
      entry.revision,
      entry.kind,
      entry.kind === 'redelivery' ? (entry.note ?? '') : entry.changes.map(describeChange).join('; '),
      entry.editedBy ?? '',
      entry.outcome?.status ?? '',
      entry.outcome?.message ?? '',
    ]),
    { header: true, columns: ['at', 'revision', 'kind', 'changes', 'editedBy', 'status', 'message'] },
  );
}
