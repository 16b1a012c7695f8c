import { OrgBudgetsError } from '@org-budgets/contracts';

export class ReconciliationIncompleteError extends OrgBudgetsError {
  override readonly name = 'ReconciliationIncompleteError';
}
