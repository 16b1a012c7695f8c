import {
  describeError,
  type BudgetItemKey,
  type DeletionOutcomeRecord,
  type EditHistoryStore,
  type Logger,
} from '@org-budgets/aws';
import type { HistoryWork } from '../../lib/edit-history';
import type { PropagationOutcome } from './propagate-budget-edit';

export interface HistoryDeps {
  history: Pick<EditHistoryStore, 'recordEdit' | 'recordOutcome' | 'recordHubDeletionOutcome'>;
  logger: Logger;
}

/**
 * Writes what one stream record adds to the edit history (docs/history.md): the edit's entry and
 * the outcome of a revision. An outcome for a revision the history has no entry of (written before
 * the history existed, or expired), or older than the one it holds, is left out with a log line.
 * A failed write throws: the record fails and is retried (writing again is harmless).
 */
export async function recordEditHistory(work: HistoryWork, deps: HistoryDeps): Promise<void> {
  await Promise.all([
    work.edit ? deps.history.recordEdit(work.edit) : undefined,
    work.outcome && work.key ? recordOutcome(work.key, work.outcome, deps) : undefined,
  ]);
}

async function recordOutcome(
  key: BudgetItemKey,
  outcome: NonNullable<HistoryWork['outcome']>,
  deps: HistoryDeps,
): Promise<void> {
  const result = await deps.history.recordOutcome(key, outcome.revision, outcome.record);
  if (result === 'superseded') {
    deps.logger.info('history: outcome not recorded (no entry of that revision, or a newer outcome there)', {
      ...key,
      revision: outcome.revision,
      status: outcome.record.status,
    });
  }
}

/**
 * The hub's outcome of a deletion, for its history entry (a deleted item has no `sync`): DELIVERED
 * when it deleted the member account's parameter (the spoke's report follows), DELETED when the
 * account held none (nothing there to delete: never delivered, or deleted already), FAILED when
 * the deletion failed (the record is retried) or cannot be done (the account left the organization). Undefined when the hub did not act: the item exists
 * again, or its key is not an account's.
 */
export function hubDeletionOutcome(
  key: BudgetItemKey,
  delivered: PromiseSettledResult<PropagationOutcome>,
  at: string,
): (DeletionOutcomeRecord & { stage: 'deliver' }) | undefined {
  if (delivered.status === 'rejected') {
    return {
      status: 'FAILED',
      stage: 'deliver',
      message: `deleting the budget's parameter in account ${key.accountId} failed (will be retried): ${describeError(delivered.reason)}`,
      at,
    };
  }
  switch (delivered.value.result) {
    case 'deleted':
      return {
        status: 'DELIVERED',
        stage: 'deliver',
        message: `the hub deleted the budget's parameter in account ${key.accountId}; waiting for the spoke to delete the AWS Budget`,
        at,
      };
    case 'already-absent':
      return {
        status: 'DELETED',
        stage: 'deliver',
        message: `account ${key.accountId} held no parameter of this budget (never delivered, or deleted already): nothing to delete there`,
        at,
      };
    case 'out-of-reach':
      // Final: the account left the organization (or is closed); nothing will delete its budget.
      return {
        status: 'FAILED',
        stage: 'deliver',
        message: `${delivered.value.reason}: out of org-budgets' reach, its parameter and AWS Budget stay there`,
        at,
      };
    default:
      return undefined;
  }
}

/**
 * Runs the delivery and the history write together and waits for both: the history is off the
 * delivery's path, and a record whose history write failed fails (after its delivery is done),
 * so that it is retried and nothing is lost silently. The delivery's error comes first. For a
 * deletion (`deletion`: its key and revision) the hub's outcome then goes onto the deletion's
 * entry (hubDeletionOutcome), never over the spoke's; when that write fails beside a failed
 * delivery, it is logged and the delivery's error thrown.
 */
export async function deliverAndRecord(
  deletion: { key: BudgetItemKey; revision: string } | undefined,
  delivery: Promise<PropagationOutcome>,
  history: Promise<void>,
  deps: HistoryDeps & { now: () => Date },
): Promise<PropagationOutcome> {
  const [delivered, recorded] = await Promise.allSettled([delivery, history]);
  if (deletion && recorded.status === 'fulfilled') {
    const outcome = hubDeletionOutcome(deletion.key, delivered, deps.now().toISOString());
    if (outcome) {
      try {
        const written = await deps.history.recordHubDeletionOutcome(deletion.key, deletion.revision, outcome);
        if (written === 'superseded') {
          deps.logger.info('history: the hub’s deletion outcome not recorded (the spoke’s is there already)', {
            ...deletion.key,
            revision: deletion.revision,
            status: outcome.status,
          });
        }
      } catch (error) {
        if (delivered.status === 'fulfilled') throw error;
        deps.logger.error('history: could not record the failed deletion', {
          ...deletion.key,
          revision: deletion.revision,
          error,
        });
      }
    }
  }
  if (delivered.status === 'rejected') throw delivered.reason;
  if (recorded.status === 'rejected') throw recorded.reason;
  return delivered.value;
}
