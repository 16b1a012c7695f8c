import type {
  AlertsTopic,
  BudgetSpendStore,
  GuardianNoticeMessage,
  GuardianNoticeRecipients,
  LockdownPolicies,
  Logger,
  SpendItem,
} from '@org-budgets/aws';
import { describeError } from '@org-budgets/aws';
import {
  basisDigest,
  budgetPeriodStart,
  centsOf,
  budgetStateOf,
  decideLockdown,
  type BudgetLock,
  type LockdownAction,
  type LockFloor,
  type StateAssessment,
} from '@org-budgets/budgets';
import {
  compareRevisions,
  lockdownApisOf,
  spokeSpendDetailSchema,
  stateThresholdsOf,
  validateBudgetItem,
  type BudgetItem,
  type BudgetSpendAttribute,
  type BudgetStateDetail,
  type LockdownStatusAttribute,
  type SpokeSpendDetail,
} from '@org-budgets/contracts';
import { LockdownNotAppliedError, UndeliveredRevisionSpendError } from './errors';

export type { Logger };

/** How far ahead of the hub's clock a report's `readAt` may be (clocks differ a little). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface RecordSpendDeps {
  items: BudgetSpendStore;
  policies: Pick<LockdownPolicies, 'readAttached' | 'update'>;
  /** The budget's addresses (one email subscription each, filtering on `recipients`). */
  notices: {
    publish(notice: GuardianNoticeMessage, to: GuardianNoticeRecipients): Promise<void>;
    subscribeEmails(emails: readonly string[]): Promise<void>;
  };
  /** The central team. */
  alerts: AlertsTopic;
  /** Service control policies never apply to the management account: a lockdown there fails by name. */
  managementAccountId: string;
  /** Counts a refused report (the RefusedStatusReports metric, which raises an alarm). */
  countRefused(reason: 'malformed' | 'wrong-account' | 'wrong-currency' | 'from-the-future'): void;
  now: () => Date;
  logger: Logger;
}

export type RecordSpendOutcome =
  | { result: 'recorded'; state: StateAssessment['state']; lockdown: LockdownAction }
  /** Same figures, same state, nothing to decide: nothing written. */
  | { result: 'unchanged'; state: StateAssessment['state'] }
  /** A late report: the item is gone, holds a newer delivery, or figures read later; or one of another period. */
  | { result: 'superseded'; reason: string }
  /** The item is invalid (REJECTED): its amount cannot be measured against; nothing written, lockdown kept. */
  | { result: 'item-invalid' }
  | { result: 'refused'; reason: string };

export interface SpendEvent {
  account: string;
  detail: unknown;
}

/**
 * Records a spoke's spend report onto its budget item (docs/budget-states.md): the figures, the
 * state they put the budget in, and the lockdown that state calls for.
 *
 * Trust: a report counts only for the account that sent it, only for the revision the hub
 * delivered there, only for the current period by the hub's clock, and never lowers the actual
 * spend of a period (AWS's figure only grows within a period; UpdateBudget zeroes it until AWS
 * recalculates). So a member account can raise its own state, never lower it below what it
 * reported before: a lockdown at Critical or Shutdown (actual spend) is lifted only by what the
 * hub knows itself (a raised amount, new thresholds, a new period, a changed cost filter,
 * currency or period, the lockdown turned off).
 */
export async function recordBudgetSpend(event: SpendEvent, deps: RecordSpendDeps): Promise<RecordSpendOutcome> {
  const parsed = spokeSpendDetailSchema.safeParse(event.detail);
  if (!parsed.success) {
    const reason = `malformed spend report from account ${event.account}: ${parsed.error.issues
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ')}`;
    return refuse('malformed', reason, event.account, deps);
  }
  const report = parsed.data;
  if (report.accountId !== event.account) {
    return refuse(
      'wrong-account',
      `account ${event.account} reported spend of account ${report.accountId}; a spoke reports only on itself`,
      event.account,
      deps,
    );
  }
  const now = deps.now();
  if (Date.parse(report.readAt) > now.getTime() + MAX_CLOCK_SKEW_MS) {
    return refuse(
      'from-the-future',
      `spend report read at ${report.readAt}, after the hub's ${now.toISOString()}`,
      event.account,
      deps,
    );
  }
  const key = { accountId: report.accountId, budgetName: report.budgetName };
  const fields = { ...key, revision: report.revision };

  const item = await deps.items.read(key);
  if (!item) return superseded('the item is gone', fields, deps);
  const delivered = item.delivered?.revision;
  if (delivered === undefined || compareRevisions(delivered, report.revision) !== 0) {
    if (delivered !== undefined && compareRevisions(delivered, report.revision) > 0) {
      return superseded(`the hub delivered revision ${delivered} since`, fields, deps);
    }
    deps.logger.warn('spend report for a revision the hub has not delivered', {
      ...fields,
      deliveredRevision: delivered,
    });
    throw new UndeliveredRevisionSpendError(
      `account ${report.accountId} reported spend for revision ${report.revision} of ${report.budgetName}, ` +
        `which the hub has not delivered there (delivered: ${delivered ?? 'none'})`,
    );
  }
  if (item.spend && item.spend.revision === report.revision && item.spend.readAt > report.readAt) {
    return superseded(`figures read at ${item.spend.readAt} are on the item already`, fields, deps);
  }
  const validation = validateBudgetItem(item.content);
  if (!validation.valid) {
    deps.logger.info('spend not recorded: the item is invalid (REJECTED); its lockdown is kept', fields);
    return { result: 'item-invalid' };
  }
  const budget = validation.item;
  if (report.unit !== budget.currency) {
    return refuse(
      'wrong-currency',
      `account ${report.accountId} reported spend of ${report.budgetName} in ${report.unit}, the budget is in ${budget.currency}`,
      event.account,
      deps,
    );
  }
  const periodStart = budgetPeriodStart(budget.period, now);
  if (budgetPeriodStart(budget.period, new Date(report.readAt)) !== periodStart) {
    return superseded(`read in an earlier period than the hub's ${periodStart}`, fields, deps);
  }

  const basis = basisOf(budget);
  const policyLock = mayBeLocked(item, budget) ? await attachedLock(key, deps) : undefined;
  const floor = floorFor(policyLock, periodStart, basis);
  const spend = spendOf(report, item, budget, periodStart, now, floor);
  const thresholds = stateThresholdsOf(budget.stateThresholds);
  const assessment = budgetStateOf(spend, budget.amount, thresholds);
  if (floor !== undefined && floor > report.actual && spend.actual === floor) {
    assessment.reason += `; AWS Budgets reports ${report.actual} ${report.unit}, the lockdown policy records ${floor} spent this period`;
  }
  const previous = item.lockdownStatus ?? (policyLock ? lockFromPolicy(key, policyLock, deps) : undefined);
  const decision = decideLockdown({ lockdown: budget.lockdown, state: assessment.state, previous });
  const lockFloor: LockFloor = { actual: spend.actual, periodStart, basis: basisDigest(basis) };

  if (sameFigures(item, spend) && item.state === assessment.state && decision.action === 'none') {
    return { result: 'unchanged', state: assessment.state };
  }
  const stateDetail: BudgetStateDetail = {
    reason: assessment.reason,
    since: item.state === assessment.state && item.stateDetail?.since ? item.stateDetail.since : now.toISOString(),
    thresholds,
    updatedAt: now.toISOString(),
  };
  const written = await deps.items.writeSpend(key, { spend, state: assessment.state, stateDetail });
  if (written === 'superseded') return superseded('the item changed meanwhile', fields, deps);
  deps.logger.info('spend recorded', {
    ...fields,
    state: assessment.state,
    actual: spend.actual,
    lockdown: decision.action,
  });
  if (item.state !== assessment.state) {
    deps.logger.info('budget state changed', { ...fields, from: item.state ?? 'Unknown', to: assessment.state });
  }
  if (decision.action !== 'none') {
    await actOnLockdown(
      decision.action,
      decision.reason,
      { key, budget, previous, spend, assessment, now, lockFloor },
      deps,
    );
  } else if (previous?.locked) {
    if (!item.lockdownStatus) {
      // The item had lost its lockdownStatus (replaced whole): the policy's record goes back onto it.
      await deps.items.writeLockdownStatus(key, {
        ...previous,
        state: assessment.state,
        message:
          `still locked down (${decision.reason}), as the account's lockdown policy records; ` +
          `the item had lost its lockdownStatus; ${describeFigures(spend, budget)}`,
        at: now.toISOString(),
      });
    }
    if (policyLock && raisesFloor(policyLock.lock.floor, lockFloor)) await raiseFloor(key, lockFloor, deps);
  }
  return { result: 'recorded', state: assessment.state, lockdown: decision.action };
}

/**
 * The figures to record: the report's, with the actual never below an earlier one of the same
 * period and basis, on the item or in the lockdown policy (`floor`).
 */
function spendOf(
  report: SpokeSpendDetail,
  item: SpendItem,
  budget: BudgetItem,
  periodStart: string,
  now: Date,
  floor: number | undefined,
): BudgetSpendAttribute {
  const basis = basisOf(budget);
  const earlier =
    item.spend && item.spend.periodStart === periodStart && item.spend.basis === basis ? item.spend : undefined;
  const actual = Math.max(report.actual, earlier?.actual ?? 0, floor ?? 0);
  const percent = (value: number) => Math.round((value / budget.amount) * 1000) / 10;
  const guardian = report.guardianEstimate;
  return {
    actual,
    ...(report.forecasted === undefined ? {} : { forecasted: report.forecasted }),
    currency: report.unit,
    actualPercent: percent(actual),
    ...(report.forecasted === undefined ? {} : { forecastedPercent: percent(report.forecasted) }),
    ...(report.awsUpdatedAt ? { awsUpdatedAt: report.awsUpdatedAt } : {}),
    ...(guardian
      ? {
          guardianEstimate: guardian.amount,
          guardianEstimatePercent: percent(guardian.amount),
          guardianEstimatedAt: guardian.at,
        }
      : {}),
    readAt: report.readAt,
    revision: report.revision,
    periodStart,
    basis,
    updatedAt: now.toISOString(),
  };
}

/** What AWS's figure is computed for: a change of period, currency or cost filter starts afresh. */
export function basisOf(budget: Pick<BudgetItem, 'period' | 'currency' | 'costFilter'>): string {
  const filter = budget.costFilter
    ? JSON.stringify({
        tags: Object.fromEntries(
          Object.entries(budget.costFilter.tags ?? {})
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => [k, [...v].sort()]),
        ),
        services: [...(budget.costFilter.services ?? [])].sort(),
      })
    : 'all costs';
  return `${budget.period} ${budget.currency} ${filter}`;
}

function sameFigures(item: SpendItem, spend: BudgetSpendAttribute): boolean {
  const before = item.spend;
  return (
    before !== undefined &&
    before.actual === spend.actual &&
    before.forecasted === spend.forecasted &&
    before.awsUpdatedAt === spend.awsUpdatedAt &&
    before.guardianEstimate === spend.guardianEstimate &&
    before.revision === spend.revision &&
    before.periodStart === spend.periodStart
  );
}

/**
 * Whether the account's lockdown policy must be read for this report: the item says the budget
 * is locked (the policy holds the spend that locked it), or it says nothing of a lockdown while
 * it sets one or holds no figures (a new item, or one finance replaced whole: the console's
 * "edit item" drops the system attributes). An item that says it is not locked is taken at its
 * word (the hourly lockdown sweep finds a lock it does not know of).
 */
function mayBeLocked(item: SpendItem, budget: BudgetItem): boolean {
  if (item.lockdownStatus) return item.lockdownStatus.locked;
  return budget.lockdown !== undefined || item.spend === undefined;
}

interface PolicyLock {
  lock: BudgetLock;
  policyId?: string;
}

/** This budget's lock in the account's attached lockdown policy, if any. */
async function attachedLock(
  key: { accountId: string; budgetName: string },
  deps: RecordSpendDeps,
): Promise<PolicyLock | undefined> {
  if (key.accountId === deps.managementAccountId) return undefined;
  const policy = await deps.policies.readAttached(key.accountId);
  const lock = policy.locks.find((l) => l.budgetName === key.budgetName);
  if (!policy.attached || !lock) return undefined;
  return { lock, ...(policy.policyId ? { policyId: policy.policyId } : {}) };
}

/** The spend that locked the budget, when it was spent in this period on this basis. */
function floorFor(policyLock: PolicyLock | undefined, periodStart: string, basis: string): number | undefined {
  const floor = policyLock?.lock.floor;
  if (!floor || floor.periodStart !== periodStart || floor.basis !== basisDigest(basis)) return undefined;
  return floor.actual;
}

/**
 * The lock as the account's lockdown policy records it, for an item without `lockdownStatus`: the
 * policy in the management account, not the item, is the record of a lockdown.
 */
function lockFromPolicy(
  key: { accountId: string; budgetName: string },
  { lock, policyId }: PolicyLock,
  deps: RecordSpendDeps,
): LockdownStatusAttribute {
  deps.logger.warn('the item does not say it is locked down, its account’s policy does', { ...key, policyId });
  return {
    status: 'LOCKED',
    locked: true,
    mode: 'enforce',
    state: 'Unknown',
    message: 'recorded in the account’s lockdown policy',
    apis: lock.apis,
    ...(policyId ? { policyId } : {}),
    at: '',
  };
}

/** True when the recorded spend has grown past the policy's floor (by a cent), or the floor is of another period or basis. */
function raisesFloor(current: LockFloor | undefined, next: LockFloor): boolean {
  if (!current || current.periodStart !== next.periodStart || current.basis !== next.basis) return true;
  return centsOf(next.actual) > centsOf(current.actual);
}

/**
 * Keeps the policy's floor at the spend the hub knows while the budget stays locked, so that a
 * raise made by replacing the item whole is measured against the period's latest figure, not
 * the one that locked it. A failure keeps the lock and the older (lower) floor, and is told to
 * the central team; the next report that changes the figures tries again.
 */
async function raiseFloor(
  key: { accountId: string; budgetName: string },
  floor: LockFloor,
  deps: RecordSpendDeps,
): Promise<void> {
  try {
    await deps.policies.update(key.accountId, (current) =>
      current.attached && current.locks.some((lock) => lock.budgetName === key.budgetName)
        ? current.locks.map((lock) => (lock.budgetName === key.budgetName ? { ...lock, floor } : lock))
        : undefined,
    );
    deps.logger.info('lockdown policy records the spend so far', { ...key, floor });
  } catch (error) {
    const message =
      `could not record the spend so far (${floor.actual} in the period of ${floor.periodStart}) in the lockdown ` +
      `policy of account ${key.accountId}: ${describeError(error)}; the account stays locked down, the policy ` +
      `keeps the spend that locked it`;
    deps.logger.error('lockdown policy not updated', { ...key, error });
    await deps.alerts
      .publish(`org-budgets: lockdown policy of ${key.accountId} not updated`, message)
      .catch((alertError: unknown) =>
        deps.logger.error('could not alert the central team', { ...key, error: alertError }),
      );
  }
}

interface LockdownContext {
  key: { accountId: string; budgetName: string };
  budget: BudgetItem;
  previous: LockdownStatusAttribute | undefined;
  spend: BudgetSpendAttribute;
  assessment: StateAssessment;
  now: Date;
  /** The spend that locks the budget, kept in its statement of the policy. */
  lockFloor: LockFloor;
}

/**
 * Carries out a lockdown decision: the account's lockdown policy denies the APIs of every budget
 * of the account that is locked (so a lift of one budget keeps another's lockdown), is attached
 * while there are any and detached and deleted when there are none. The outcome is written onto
 * the item and told to the budget's addresses and the central team. A failure is written as
 * FAILED (the lockdown as it was: a failed lift stays locked), told to the central team, and
 * thrown, so that Lambda retries and then dead-letters (an alarm).
 */
async function actOnLockdown(
  action: Exclude<LockdownAction, 'none'>,
  reason: string,
  context: LockdownContext,
  deps: RecordSpendDeps,
): Promise<void> {
  const { key, budget, previous, spend, assessment, now, lockFloor } = context;
  const apis = budget.lockdown ? lockdownApisOf(budget.lockdown) : (previous?.apis ?? []);
  const figures = describeFigures(spend, budget);
  const base = {
    mode: budget.lockdown?.mode ?? 'off',
    state: assessment.state,
    apis,
    at: now.toISOString(),
  } as const;
  const fields = { ...key, action, state: assessment.state };

  if (action === 'would-lock' || action === 'would-lift') {
    const status: LockdownStatusAttribute = {
      ...base,
      status: action === 'would-lock' ? 'WOULD_LOCK' : 'WOULD_LIFT',
      locked: false,
      message:
        action === 'would-lock'
          ? `mode notify: would deny ${apis.join(', ')} in account ${key.accountId} (${reason}); ${figures}`
          : `mode notify: would lift the lockdown (${reason}); ${figures}`,
    };
    await deps.items.writeLockdownStatus(key, status);
    deps.logger.info('lockdown notice (mode notify)', fields);
    await tell(
      action === 'would-lock'
        ? `lockdown would apply at ${assessment.state} (mode notify)`
        : `lockdown would be lifted (mode notify)`,
      status.message,
      action,
      context,
      deps,
    );
    return;
  }

  const lock = action === 'lock';
  try {
    if (key.accountId === deps.managementAccountId) {
      throw new LockdownNotAppliedError(
        `account ${key.accountId} is the management account: service control policies do not apply to it`,
      );
    }
    let others: BudgetLock[] = [];
    const policy = await deps.policies.update(key.accountId, (current) => {
      others = current.locks.filter((other) => other.budgetName !== key.budgetName);
      return lock ? [...others, { budgetName: key.budgetName, apis, floor: lockFloor }] : others;
    });
    const status: LockdownStatusAttribute = {
      ...base,
      status: lock ? 'LOCKED' : 'LIFTED',
      locked: lock,
      message: lock
        ? `denied ${apis.join(', ')} in account ${key.accountId} (${reason}); ${figures}`
        : `lifted (${reason}); ${figures}` +
          (others.length > 0
            ? `; the account stays locked down for ${others.map((o) => o.budgetName).join(', ')}`
            : ''),
      ...(policy.policyId ? { policyId: policy.policyId } : {}),
    };
    await deps.items.writeLockdownStatus(key, status);
    deps.logger.info(lock ? 'lockdown applied' : 'lockdown lifted', {
      ...fields,
      policyId: policy.policyId,
      locks: policy.locks,
    });
    await tell(
      lock ? `lockdown applied at ${assessment.state}` : `lockdown lifted (${assessment.state})`,
      status.message,
      action,
      context,
      deps,
    );
  } catch (error) {
    const locked = previous?.locked === true;
    const message =
      `could not ${lock ? 'apply' : 'lift'} the lockdown of account ${key.accountId} (${reason}): ${describeError(error)}; ` +
      `${locked ? 'it stays locked down' : 'nothing is denied'}; ${figures}`;
    deps.logger.error('lockdown not carried out', { ...fields, error });
    await deps.items
      .writeLockdownStatus(key, { ...base, status: 'FAILED', locked, message, ...policyIdOf(previous) })
      .catch((writeError: unknown) =>
        deps.logger.error('could not record the failed lockdown', { ...fields, error: writeError }),
      );
    await deps.alerts
      .publish(`org-budgets: lockdown of ${key.accountId}/${key.budgetName} failed`, message)
      .catch((alertError: unknown) =>
        deps.logger.error('could not alert the central team', { ...fields, error: alertError }),
      );
    throw error instanceof LockdownNotAppliedError ? error : new LockdownNotAppliedError(message, { cause: error });
  }
}

function policyIdOf(previous: LockdownStatusAttribute | undefined): { policyId?: string } {
  return previous?.policyId ? { policyId: previous.policyId } : {};
}

/** Emails the budget's addresses (best effort: the item and the central team have it anyway) and the central team. */
async function tell(
  what: string,
  message: string,
  action: Exclude<LockdownAction, 'none'>,
  { key, budget }: LockdownContext,
  deps: RecordSpendDeps,
): Promise<void> {
  const subject = `[org-budgets] ${key.accountId}/${key.budgetName}: ${what}`;
  const body =
    `${message}\n\n` +
    (action === 'lock'
      ? `The lockdown is a service control policy attached by org-budgets in the management account; ` +
        `nobody in the account can remove it. It is lifted automatically when the budget's state falls ` +
        `below ${budget.lockdown?.at ?? 'Shutdown'} (the budget raised, a new period).`
      : `See the budget item's lockdownStatus in the org-budgets table.`);
  if (budget.emails.length > 0) {
    try {
      await deps.notices.subscribeEmails(budget.emails);
      await deps.notices.publish(
        { kind: `lockdown-${action}`, subject, body },
        { budgetName: key.budgetName, emails: budget.emails },
      );
    } catch (error) {
      deps.logger.error('could not email the budget’s addresses', { ...key, error });
    }
  }
  await deps.alerts.publish(subject, body);
}

function describeFigures(spend: BudgetSpendAttribute, budget: BudgetItem): string {
  const money = (n: number) => `${n.toFixed(2)} ${spend.currency}`;
  return (
    `actual ${money(spend.actual)} (${spend.actualPercent}%)` +
    (spend.forecasted === undefined ? '' : `, forecast ${money(spend.forecasted)} (${spend.forecastedPercent}%)`) +
    ` of ${money(budget.amount)} ${budget.period.toLowerCase()}` +
    (spend.awsUpdatedAt ? `; AWS Budgets' figures of ${spend.awsUpdatedAt}` : '') +
    (spend.guardianEstimate === undefined ? '' : `; cost guardian's estimate ${money(spend.guardianEstimate)}`)
  );
}

function superseded(reason: string, fields: Record<string, unknown>, deps: RecordSpendDeps): RecordSpendOutcome {
  deps.logger.info('spend report not recorded', { ...fields, reason });
  return { result: 'superseded', reason };
}

function refuse(
  reason: Parameters<RecordSpendDeps['countRefused']>[0],
  text: string,
  account: string,
  deps: RecordSpendDeps,
): RecordSpendOutcome {
  deps.countRefused(reason);
  deps.logger.error('spend report refused', { account, reason: text });
  return { result: 'refused', reason: text };
}
