import type { BudgetItemKey, EditHistoryStore, Logger } from '@org-budgets/aws';
import type { HistoryWork } from '../../lib/edit-history';

export interface HistoryDeps {
  history: EditHistoryStore;
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
 * Runs the delivery and the history write together and waits for both: the history is off the
 * delivery's path, and a record whose history write failed fails (after its delivery is done),
 * so that it is retried and nothing is lost silently. The delivery's error comes first.
 */
export async function alongside<T>(delivery: Promise<T>, history: Promise<void>): Promise<T> {
  const [delivered, recorded] = await Promise.allSettled([delivery, history]);
  if (delivered.status === 'rejected') throw delivered.reason;
  if (recorded.status === 'rejected') throw recorded.reason;
  return delivered.value;
}
