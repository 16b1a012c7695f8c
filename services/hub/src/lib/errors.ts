import { OrgBudgetsError } from '@org-budgets/contracts';

export class EarlierTaskFailedError extends OrgBudgetsError {
  override readonly name = 'EarlierTaskFailedError';
  constructor(
    readonly key: string,
    override readonly cause: unknown,
  ) {
    super(`not attempted: an earlier edit of ${key} in this batch failed`);
  }
}
