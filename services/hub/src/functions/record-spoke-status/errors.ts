import { OrgBudgetsError } from '@org-budgets/contracts';

/**
 * A report for a revision the hub has not delivered to that account (yet). Thrown so that
 * Lambda tries again later (the report may have overtaken the hub's own write-back); after the
 * retries the event lands in the hub's dead-letter queue, whose alarm tells the central team.
 */
export class UndeliveredRevisionReportError extends OrgBudgetsError {
  override readonly name = 'UndeliveredRevisionReportError';
}
