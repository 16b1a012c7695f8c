/**
 * `editedBy` (EDIT_RECORD_ATTRIBUTES): who made an edit, as the tool that wrote it says. The
 * org-budgets command line writes a map — the caller's identity (the ARN STS GetCallerIdentity
 * names), the tool, the time of the edit and, just before it deletes an item, `action: delete` —
 * so that every edit it makes changes the attribute, and an edit made by anyone else (the console
 * keeps the attribute as it was) does not. The hub's edit history names `editedBy` only for an edit
 * that changed it (docs/history.md). It is a claim of the writer, not a proof: CloudTrail data
 * events on the table are the proof.
 */
export interface EditedBy {
  /** The caller's identity: an IAM ARN (an assumed role's session, a user). */
  by: string;
  /** The tool that made the edit, e.g. `org-budgets CLI`. */
  via: string;
  /** When (ISO 8601). */
  at: string;
  /** `delete`: written just before the tool deletes the item (a deletion cannot carry attributes). */
  action?: 'delete';
}

export const CLI_TOOL_NAME = 'org-budgets CLI';

/** What the edit history says of an edit that does not name who made it (docs/history.md). */
export const EDITOR_NOT_RECORDED = 'not recorded (console or another tool: see CloudTrail data events on the table)';

/** The `editedBy` the command line writes for its caller. */
export function cliEditedBy(callerArn: string, at: Date, action?: 'delete'): EditedBy {
  return { by: callerArn, via: CLI_TOOL_NAME, at: at.toISOString(), ...(action ? { action } : {}) };
}

/**
 * `editedBy` as a line of text: `<by> (<via>)` for the command line's map, the text itself for a
 * text someone typed, undefined for anything else.
 */
export function describeEditedBy(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Set)) {
    const map = value as Record<string, unknown>;
    if (typeof map['by'] !== 'string') return undefined;
    return typeof map['via'] === 'string' ? `${map['by']} (${map['via']})` : map['by'];
  }
  return undefined;
}

/** Whether `editedBy` announces a deletion (`action: delete`, written by the command line before it deletes). */
export function isDeletionRecord(value: unknown): boolean {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)['action'] === 'delete'
  );
}
