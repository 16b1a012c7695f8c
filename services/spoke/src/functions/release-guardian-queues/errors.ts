import { OrgBudgetsError } from '@org-budgets/contracts';

/** A guardian run kept its lease on a budget until the removal had to answer CloudFormation. */
export class GuardianRunStillActingError extends OrgBudgetsError {
  override readonly name = 'GuardianRunStillActingError';
  constructor(
    readonly budgetName: string,
    readonly owner: string,
  ) {
    super(`a cost guardian run (${owner}) still holds budget ${budgetName}; try the deletion again in a few minutes`);
  }
}

/** The removal did not finish before it had to answer CloudFormation. */
export class RemovalTimedOutError extends OrgBudgetsError {
  override readonly name = 'RemovalTimedOutError';
  constructor(readonly waitedMs: number) {
    super(`the queues were not all given back within ${Math.round(waitedMs / 1000)} s`);
  }
}
