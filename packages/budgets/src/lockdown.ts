import type { BudgetState, LockdownConfig, LockdownStatusAttribute } from '@org-budgets/contracts';
import { isStateAtLeast } from './budget-state';

/**
 * What to do with one budget's lockdown after its state was assessed:
 * - `lock`: add its APIs to the account's lockdown policy and attach it;
 * - `lift`: take them out (detach the policy when no budget of the account is locked any more);
 * - `would-lock` / `would-lift`: mode notify, tell what enforce would do, change nothing;
 * - `none`: nothing changes (also: a locked budget whose state is Unknown stays locked).
 */
export type LockdownAction = 'lock' | 'lift' | 'would-lock' | 'would-lift' | 'none';

export interface LockdownDecision {
  action: LockdownAction;
  reason: string;
}

export interface LockdownDecisionInput {
  /** The item's `lockdown`; undefined when it sets none. */
  lockdown: LockdownConfig | undefined;
  state: BudgetState;
  /** The item's `lockdownStatus` as last written. */
  previous: Pick<LockdownStatusAttribute, 'status' | 'locked'> | undefined;
}

/**
 * Decides a budget's lockdown from its state (docs/budget-states.md, "Lockdown"). Only the item
 * (finance's table) and the state the hub assessed decide; a lockdown is lifted when the state is
 * below `lockdown.at` (raised budget, new period), or when the item no longer asks for it (mode
 * off or notify, lockdown removed). An Unknown state never locks and never lifts.
 */
export function decideLockdown(input: LockdownDecisionInput): LockdownDecision {
  const { lockdown, state } = input;
  const locked = input.previous?.locked === true;
  const notified = input.previous?.status === 'WOULD_LOCK';
  const mode = lockdown?.mode ?? 'off';

  if (locked && mode !== 'enforce') {
    return {
      action: 'lift',
      reason: lockdown ? `lockdown mode is ${mode}: nothing is denied in notify mode` : 'the item sets no lockdown',
    };
  }
  if (!lockdown || mode === 'off') {
    return notified
      ? { action: 'would-lift', reason: 'the item sets no lockdown any more' }
      : { action: 'none', reason: 'the item sets no lockdown' };
  }
  if (state === 'Unknown') {
    return { action: 'none', reason: locked ? 'state Unknown: the lockdown is kept' : 'state Unknown' };
  }
  const reached = isStateAtLeast(state, lockdown.at);
  if (reached) {
    if (mode === 'enforce') {
      return locked
        ? { action: 'none', reason: `state ${state}, at or above ${lockdown.at}: still locked` }
        : { action: 'lock', reason: `state ${state}, at or above ${lockdown.at}` };
    }
    return notified
      ? { action: 'none', reason: `state ${state}, at or above ${lockdown.at}: already notified` }
      : { action: 'would-lock', reason: `state ${state}, at or above ${lockdown.at} (mode notify)` };
  }
  if (locked) return { action: 'lift', reason: `state ${state}, below ${lockdown.at}` };
  if (notified) return { action: 'would-lift', reason: `state ${state}, below ${lockdown.at} (mode notify)` };
  return { action: 'none', reason: `state ${state}, below ${lockdown.at}` };
}

/** Service control policies hold at most 5,120 characters. */
export const MAX_SERVICE_CONTROL_POLICY_CHARACTERS = 5120;

/** One budget's lockdown in its account's policy: the APIs it denies. */
export interface BudgetLock {
  budgetName: string;
  apis: string[];
}

const SID_PREFIX = 'OrgBudgetsLockdown';

/** A statement id naming the budget (Sids allow only letters and digits: the name in hex). */
function sidOf(budgetName: string): string {
  return `${SID_PREFIX}${Buffer.from(budgetName, 'utf8').toString('hex')}`;
}

/**
 * The account's lockdown policy: one Deny statement per locked budget, whose Sid names the budget,
 * so that the policy itself says which budgets hold the account locked down (the table's item
 * may be replaced whole by finance; the policy in the management account is the record). SCPs
 * apply to every principal of the account, its root user included, and nothing in the account
 * can remove them. Minified: the size that counts is the document's.
 */
export function lockdownPolicyDocument(locks: readonly BudgetLock[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [...locks]
      .sort((a, b) => (a.budgetName < b.budgetName ? -1 : a.budgetName > b.budgetName ? 1 : 0))
      .map((lock) => ({
        Sid: sidOf(lock.budgetName),
        Effect: 'Deny',
        Action: [...new Set(lock.apis)].sort(),
        Resource: '*',
      })),
  });
}

/** The budgets' locks a lockdown policy holds (statements of another shape are ignored). */
export function locksOfPolicy(content: string): BudgetLock[] {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch {
    return [];
  }
  const statements = (document as { Statement?: unknown }).Statement;
  if (!Array.isArray(statements)) return [];
  return statements.flatMap((statement: { Sid?: unknown; Action?: unknown }) => {
    const sid = typeof statement.Sid === 'string' ? statement.Sid : '';
    if (!sid.startsWith(SID_PREFIX) || !/^[0-9a-f]+$/.test(sid.slice(SID_PREFIX.length))) return [];
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    return [
      {
        budgetName: Buffer.from(sid.slice(SID_PREFIX.length), 'hex').toString('utf8'),
        apis: actions.filter((a): a is string => typeof a === 'string'),
      },
    ];
  });
}
