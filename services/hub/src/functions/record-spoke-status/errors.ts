import { OrgBudgetsError } from '@org-budgets/contracts';

/**
 * A report for a revision the hub has not delivered to that account (yet) that could not be held
 * for the delivery either (the item changed under it twice). Thrown so that Lambda tries again
 * later; after the retries the event lands in the hub's dead-letter queue, whose alarm tells the
 * central team.
 */
export class UndeliveredRevisionReportError extends OrgBudgetsError {
  override readonly name = 'UndeliveredRevisionReportError';
}
