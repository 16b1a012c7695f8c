import type { AlertsTopic, BudgetSpendStore, LockdownPolicies, Logger } from '@org-budgets/aws';
import { describeError } from '@org-budgets/aws';
import type { BudgetLock } from '@org-budgets/budgets';
import {
  validateBudgetItem,
  type BudgetState,
  type LockdownMode,
  type LockdownStatusAttribute,
} from '@org-budgets/contracts';
import { LockdownSweepError } from './errors';

export interface SweepLockdownsDeps {
  items: Pick<BudgetSpendStore, 'read' | 'writeLockdownStatus'>;
  policies: Pick<LockdownPolicies, 'list' | 'apply'>;
  alerts: AlertsTopic;
  now: () => Date;
  logger: Logger;
}

export interface SweepLockdownsReport {
  policies: number;
  locks: number;
  /** Locks whose item is gone or no longer asks for an enforced lockdown: taken out of the policy. */
  lifted: { accountId: string; budgetName: string; reason: string }[];
  /** Locks the item did not know of: written onto the item (LOCKED), so that its next report decides. */
  recorded: { accountId: string; budgetName: string }[];
  /** Policies put back in their recorded shape (attached while they hold locks, deleted when none are left). */
  repaired: string[];
  failed: { accountId: string; error: string }[];
}

/**
 * The hourly lockdown sweep (docs/budget-states.md): every account's lockdown policy against the
 * table. The policy is the record of a lockdown; what decides it is the item. So:
 * - a lock whose item is gone (deleted, or an inherited copy removed when its account left the
 *   OU) is lifted: the budget no longer exists, nothing asks for the lockdown;
 * - a lock whose item no longer asks for an enforced lockdown (mode `off` or `notify`, no
 *   `lockdown`) is lifted, as a spend report would;
 * - a lock the item does not know of (its `lockdownStatus` dropped by a whole-item put, or says
 *   LIFTED after a lift that failed half-way) is recorded on the item as LOCKED, and kept: only
 *   the figures of a spend report may lift it;
 * - a policy left detached with locks in it (a lock or lift that failed half-way) is attached
 *   again; one with no locks left is detached and deleted.
 * Every lift is told to the central team. A policy that cannot be changed is reported and the
 * sweep goes on with the others; at the end, failures are alerted and thrown (retries, then the
 * hub's dead-letter queue, whose alarm tells the central team).
 */
export async function sweepLockdowns(deps: SweepLockdownsDeps): Promise<SweepLockdownsReport> {
  const report: SweepLockdownsReport = { policies: 0, locks: 0, lifted: [], recorded: [], repaired: [], failed: [] };
  for await (const policy of deps.policies.list()) {
    report.policies += 1;
    report.locks += policy.locks.length;
    const { accountId } = policy;
    try {
      const kept: BudgetLock[] = [];
      const lifted: Lift[] = [];
      for (const lock of policy.locks) {
        const verdict = await judge(accountId, lock, deps);
        if (verdict.lift) {
          lifted.push({
            budgetName: lock.budgetName,
            reason: verdict.lift,
            mode: verdict.mode ?? 'off',
            state: verdict.state ?? 'Unknown',
          });
        } else kept.push(lock);
        if (verdict.record) report.recorded.push({ accountId, budgetName: lock.budgetName });
      }
      const consistent = lifted.length === 0 && policy.attached === kept.length > 0;
      if (consistent) continue;
      const after = await deps.policies.apply(accountId, kept);
      if (lifted.length === 0) report.repaired.push(accountId);
      for (const lift of lifted) {
        report.lifted.push({ accountId, budgetName: lift.budgetName, reason: lift.reason });
        await recordLift(accountId, lift, after.policyId, kept, deps);
      }
    } catch (error) {
      deps.logger.error('lockdown sweep: policy not brought in line', { accountId, error });
      report.failed.push({ accountId, error: describeError(error) });
    }
  }
  deps.logger.info('lockdown sweep done', {
    policies: report.policies,
    locks: report.locks,
    lifted: report.lifted,
    recorded: report.recorded,
    repaired: report.repaired,
    failed: report.failed,
  });
  if (report.failed.length > 0) {
    const text =
      `the lockdown sweep could not bring ${report.failed.length} account(s)' lockdown policy in line with the table: ` +
      report.failed.map((f) => `${f.accountId}: ${f.error}`).join('; ') +
      '. Their lockdowns stay as they were; the next sweep tries again.';
    await deps.alerts.publish('org-budgets: lockdown sweep failed', text);
    throw new LockdownSweepError(text);
  }
  return report;
}

interface Verdict {
  /** Why the lock goes (undefined: it stays). */
  lift?: string;
  /** The item's lockdown mode and state, for the LIFTED status. */
  mode?: LockdownMode;
  state?: BudgetState;
  /** The item does not say it is locked: written LOCKED onto it. */
  record?: boolean;
}

async function judge(accountId: string, lock: BudgetLock, deps: SweepLockdownsDeps): Promise<Verdict> {
  const key = { accountId, budgetName: lock.budgetName };
  const item = await deps.items.read(key);
  if (!item) return { lift: 'the budget item was deleted' };
  const validation = validateBudgetItem(item.content);
  // An invalid (REJECTED) item keeps its lockdown, as a spend report keeps it.
  if (validation.valid) {
    const mode = validation.item.lockdown?.mode ?? 'off';
    if (mode !== 'enforce') {
      return {
        lift: validation.item.lockdown ? `lockdown mode is ${mode}` : 'the item sets no lockdown any more',
        mode,
        state: item.state ?? 'Unknown',
      };
    }
  }
  if (item.lockdownStatus?.locked) return {};
  const status: LockdownStatusAttribute = {
    status: 'LOCKED',
    locked: true,
    mode: 'enforce',
    state: item.state ?? 'Unknown',
    message:
      `the account's lockdown policy denies ${lock.apis.join(', ')} for this budget; the item did not say so ` +
      `(replaced whole, or a lift that failed half-way). It stays locked until a spend report's figures lift it`,
    apis: lock.apis,
    at: deps.now().toISOString(),
  };
  await deps.items.writeLockdownStatus(key, status);
  deps.logger.warn('lockdown sweep: the item did not know of its lockdown; recorded', key);
  return { record: true };
}

interface Lift {
  budgetName: string;
  reason: string;
  mode: LockdownMode;
  state: BudgetState;
}

async function recordLift(
  accountId: string,
  lift: Lift,
  policyId: string | undefined,
  kept: readonly BudgetLock[],
  deps: SweepLockdownsDeps,
): Promise<void> {
  const key = { accountId, budgetName: lift.budgetName };
  const message =
    `lifted by the lockdown sweep (${lift.reason})` +
    (kept.length > 0 ? `; the account stays locked down for ${kept.map((l) => l.budgetName).join(', ')}` : '');
  deps.logger.info('lockdown sweep: lifted', { ...key, reason: lift.reason });
  const status: LockdownStatusAttribute = {
    status: 'LIFTED',
    locked: false,
    mode: lift.mode,
    state: lift.state,
    message,
    apis: [],
    ...(policyId ? { policyId } : {}),
    at: deps.now().toISOString(),
  };
  // The item may be gone (then there is nothing to write on); the central team hears of it either way.
  await deps.items.writeLockdownStatus(key, status);
  await deps.alerts.publish(`[org-budgets] ${accountId}/${lift.budgetName}: lockdown lifted`, message);
}
