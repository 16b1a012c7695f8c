import { OrgBudgetsError } from '@org-budgets/contracts';

export class MalformedStreamRecordError extends OrgBudgetsError {
  override readonly name = 'MalformedStreamRecordError';
}

/** A stream sequence number longer than a DynamoDB number holds: it could never be recorded on the item. */
export class RevisionTooLongError extends OrgBudgetsError {
  override readonly name = 'RevisionTooLongError';
}
