import { OrgBudgetsError } from '@org-budgets/contracts';

/** A "Batch Job State Change" event that the guardian cannot read; nothing was recorded. */
export class BatchJobEventInvalidError extends OrgBudgetsError {
  override readonly name = 'BatchJobEventInvalidError';
  constructor(
    /** The EventBridge event id, when the event had one. */
    readonly eventId: string | undefined,
    /** The Batch job id, when the event had one. */
    readonly jobId: string | undefined,
    readonly problems: string[],
  ) {
    super(
      `Batch Job State Change event${eventId ? ` ${eventId}` : ''}${jobId ? ` (job ${jobId})` : ''} is invalid: ${problems.join('; ')}`,
    );
  }
}

/** Price overrides that are not a valid `PriceOverrides` document. */
export class PriceOverridesInvalidError extends OrgBudgetsError {
  override readonly name = 'PriceOverridesInvalidError';
  constructor(readonly problems: string[]) {
    super(`price overrides are invalid: ${problems.join('; ')}`);
  }
}

/** `applyObservation` was handed a record and an observation of two different jobs. */
export class LedgerJobMismatchError extends OrgBudgetsError {
  override readonly name = 'LedgerJobMismatchError';
  constructor(
    readonly recordJobId: string,
    readonly observationJobId: string,
  ) {
    super(`ledger record of job ${recordJobId} cannot take an observation of job ${observationJobId}`);
  }
}
