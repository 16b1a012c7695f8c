import { OrgBudgetsError } from '@org-budgets/contracts';

/**
 * A spend report for a revision the hub has not delivered to that account (yet). Thrown so that
 * Lambda tries again later; after the retries the event lands in the hub's dead-letter queue,
 * whose alarm tells the central team.
 */
export class UndeliveredRevisionSpendError extends OrgBudgetsError {
  override readonly name = 'UndeliveredRevisionSpendError';
}

/** The account's lockdown policy could not be changed; the item says FAILED, the alerts topic hears of it. */
export class LockdownNotAppliedError extends OrgBudgetsError {
  override readonly name = 'LockdownNotAppliedError';
}

/** The hourly lockdown sweep could not bring some accounts' lockdown policies in line with the table. */
export class LockdownSweepError extends OrgBudgetsError {
  override readonly name = 'LockdownSweepError';
}
