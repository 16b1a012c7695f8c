import { checkWaitMs, type GuardianCheckEvent, type Logger } from '@org-budgets/aws';

export interface DelayGuardianCheckDeps {
  /** Invokes enforce-spend asynchronously with the check. */
  forward(check: GuardianCheckEvent): Promise<void>;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** What is left of the invocation (ms): Lambda's context.getRemainingTimeInMillis. */
  remainingMs(): number;
  logger: Pick<Logger, 'info'>;
}

/** The time kept for handing the check on after waiting. */
export const FORWARD_RESERVE_MS = 10_000;

/**
 * Waits until the time a guardian check is for (`notBefore`), then hands it to enforce-spend —
 * early rather than never when the invocation would run out first (an early check only looks).
 * A 128 MB function, so that a check's wait (the tracker's debounce, a follow-up's expected
 * crossing, a schedule's early minute: at most two minutes) costs a quarter of what it would in
 * enforce-spend.
 */
export async function delayGuardianCheck(
  check: GuardianCheckEvent,
  deps: DelayGuardianCheckDeps,
): Promise<{ waitedMs: number }> {
  const waitMs = checkWaitMs(new Date(check.notBefore), deps.now(), deps.remainingMs(), FORWARD_RESERVE_MS);
  if (waitMs > 0) await deps.sleep(waitMs);
  await deps.forward(check);
  deps.logger.info('guardian check handed to enforce-spend', {
    budgetName: check.budgetName,
    notBefore: check.notBefore,
    waitedMs: waitMs,
    reason: check.reason,
  });
  return { waitedMs: waitMs };
}
