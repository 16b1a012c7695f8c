import { createHash } from 'node:crypto';
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

/**
 * The spend that locked a budget, kept in its statement of the lockdown policy: the management
 * account's record, which finance cannot wipe by replacing the item whole and no member account
 * can touch. The hub assesses a locked budget with the larger of this and the item's figure, so
 * that AWS Budgets' zeroed figure after an UpdateBudget (CalculatedSpend restarts at 0 until AWS
 * recalculates) never lifts a lockdown within the same period and basis.
 */
export interface LockFloor {
  /** The period's actual spend as the hub last knew it while locked, rounded down to the cent. */
  actual: number;
  /** The budget period it was spent in (YYYY-MM-DD, its first day). */
  periodStart: string;
  /** `basisDigest` of what AWS's figure is computed for (period, currency, cost filter). */
  basis: string;
}

/** One budget's lockdown in its account's policy: the APIs it denies, and the spend that locked it. */
export interface BudgetLock {
  budgetName: string;
  apis: string[];
  floor?: LockFloor | undefined;
}

const SID_PREFIX = 'OrgBudgetsLockdown';
/** Separates the Sid's fields; the name and the digest are lowercase hex, so an uppercase X is free. */
const SID_SEPARATOR = 'X';

/** A short digest of a budget's basis (period, currency, cost filter): 16 hex digits of its SHA-256. */
export function basisDigest(basis: string): string {
  return createHash('sha256').update(basis, 'utf8').digest('hex').slice(0, 16);
}

/** Cents, rounded down, robust to binary fractions (123.45 × 100 is 12344.999…). */
export function centsOf(amount: number): number {
  return Math.floor(amount * 100 + 1e-6);
}

/**
 * A statement id naming the budget and the spend that locked it. Sids allow only letters and
 * digits: `OrgBudgetsLockdown<name in hex>X<cents>X<YYYYMMDD>X<basis digest>` (the floor left
 * out when there is none).
 */
function sidOf(lock: BudgetLock): string {
  const name = `${SID_PREFIX}${Buffer.from(lock.budgetName, 'utf8').toString('hex')}`;
  const floor = lock.floor;
  if (!floor) return name;
  return [name, String(centsOf(floor.actual)), floor.periodStart.replaceAll('-', ''), floor.basis].join(SID_SEPARATOR);
}

function floorOf(fields: string[]): LockFloor | undefined {
  const [cents, day, basis] = fields;
  if (fields.length !== 3 || !/^\d{1,15}$/.test(cents ?? '') || !/^\d{8}$/.test(day ?? '')) return undefined;
  if (!/^[0-9a-f]{16}$/.test(basis ?? '')) return undefined;
  const periodStart = `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}`;
  return { actual: Number(cents) / 100, periodStart, basis: basis! };
}

/**
 * The account's lockdown policy: one Deny statement per locked budget, whose Sid names the budget
 * and the spend that locked it, so that the policy itself says which budgets hold the account
 * locked down and why (the table's item may be replaced whole by finance; the policy in the
 * management account is the record). SCPs apply to every principal of the account, its root user
 * included, and nothing in the account can remove them. Minified: the size that counts is the
 * document's.
 */
export function lockdownPolicyDocument(locks: readonly BudgetLock[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [...locks]
      .sort((a, b) => (a.budgetName < b.budgetName ? -1 : a.budgetName > b.budgetName ? 1 : 0))
      .map((lock) => ({
        Sid: sidOf(lock),
        Effect: 'Deny',
        Action: [...new Set(lock.apis)].sort(),
        Resource: '*',
      })),
  });
}

/**
 * The budgets' locks a lockdown policy holds (statements of another shape are ignored; a lock
 * whose floor cannot be read is still a lock, without a floor).
 */
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
    if (!sid.startsWith(SID_PREFIX)) return [];
    const [name = '', ...rest] = sid.slice(SID_PREFIX.length).split(SID_SEPARATOR);
    if (!/^(?:[0-9a-f]{2})+$/.test(name)) return [];
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    const floor = rest.length > 0 ? floorOf(rest) : undefined;
    return [
      {
        budgetName: Buffer.from(name, 'hex').toString('utf8'),
        apis: actions.filter((a): a is string => typeof a === 'string'),
        ...(floor ? { floor } : {}),
      },
    ];
  });
}
