import type { BudgetRecord } from '@org-budgets/aws-emulator';
import type { BudgetItemInput, LocalCloud } from './local-cloud';
import { itemKeyString, type ItemKey, type SyncOutcome } from './sync-watcher';

/**
 * The scenario `pnpm demo` plays and test/e2e checks: finance sets budgets for three accounts,
 * then makes three edits: one with a typo, one raise, one deletion.
 */
export const DEMO_ACCOUNT_NAMES = ['genomics', 'webshop', 'sandbox'] as const;
export type DemoAccountName = (typeof DEMO_ACCOUNT_NAMES)[number];

/** One edit of the scenario and how it ended. */
export interface DemoEdit {
  accountName: DemoAccountName;
  key: ItemKey;
  /** What finance typed; undefined for a deletion. */
  item?: BudgetItemInput;
  /** Epoch ms when the edit was sent. */
  at: number;
  outcome: SyncOutcome;
  /** Seconds from the edit to its final status being read from the table's stream. */
  seconds: number;
}

export type DemoAccounts = Record<DemoAccountName, string>;

/** The first three member accounts, named. */
export function demoAccounts(cloud: Pick<LocalCloud, 'memberAccounts'>): DemoAccounts {
  const [genomics, webshop, sandbox] = cloud.memberAccounts;
  if (!genomics || !webshop || !sandbox) throw new Error('the demo needs three member accounts');
  return { genomics, webshop, sandbox };
}

export function initialItems(accounts: DemoAccounts): Record<DemoAccountName, BudgetItemInput> {
  return {
    genomics: {
      accountId: accounts.genomics,
      budgetName: 'research-compute',
      amount: 5000,
      emails: ['pi@example.org'],
    },
    webshop: { accountId: accounts.webshop, budgetName: 'production', amount: 1200, alertAt: [80, 100] },
    sandbox: { accountId: accounts.sandbox, budgetName: 'experiments', amount: 100, period: 'MONTHLY' },
  };
}

/** Step 1: a budget for each account; resolves once each is APPLIED (or REJECTED) and the spokes are quiet. */
export async function setInitialBudgets(cloud: LocalCloud, timeoutMs = 60_000): Promise<DemoEdit[]> {
  const accounts = demoAccounts(cloud);
  const items = initialItems(accounts);
  const sent = await Promise.all(
    DEMO_ACCOUNT_NAMES.map(async (accountName) => ({
      accountName,
      item: items[accountName],
      edit: await cloud.putItem(items[accountName]),
    })),
  );
  return finish(cloud, sent, timeoutMs);
}

/** Step 2: the typo (amount -5000), the raise (1500) and the deletion. */
export async function makeThreeEdits(cloud: LocalCloud, timeoutMs = 60_000): Promise<DemoEdit[]> {
  const accounts = demoAccounts(cloud);
  const items = initialItems(accounts);
  const typo: BudgetItemInput = { ...items.genomics, amount: -5000 };
  const raise: BudgetItemInput = { ...items.webshop, amount: 1500 };
  const sent = await Promise.all([
    cloud.putItem(typo).then((edit) => ({ accountName: 'genomics' as const, item: typo, edit })),
    cloud.putItem(raise).then((edit) => ({ accountName: 'webshop' as const, item: raise, edit })),
    cloud
      .deleteItem({ accountId: accounts.sandbox, budgetName: items.sandbox.budgetName })
      .then((edit) => ({ accountName: 'sandbox' as const, item: undefined, edit })),
  ]);
  return finish(cloud, sent, timeoutMs);
}

async function finish(
  cloud: LocalCloud,
  sent: { accountName: DemoAccountName; item: BudgetItemInput | undefined; edit: { key: ItemKey; at: number } }[],
  timeoutMs: number,
): Promise<DemoEdit[]> {
  const since = Math.min(...sent.map((s) => s.edit.at));
  const outcomes = await cloud.waitForSync(
    sent.map((s) => s.edit.key),
    { since, timeoutMs, statuses: ['APPLIED', 'REJECTED'] },
  );
  // A deletion ends in the spoke (the budget is deleted) after the item is gone: wait for it.
  await cloud.settled(timeoutMs);
  return sent.map(({ accountName, item, edit }) => {
    const outcome = outcomes.get(itemKeyString(edit.key)) as SyncOutcome;
    return {
      accountName,
      key: edit.key,
      ...(item ? { item } : {}),
      at: edit.at,
      outcome,
      seconds: (outcome.statusSeenAt - edit.at) / 1000,
    };
  });
}

/** The managed budget of an item in its account, if any. */
export function budgetOf(cloud: Pick<LocalCloud, 'budgets'>, key: ItemKey): BudgetRecord | undefined {
  return cloud.budgets(key.accountId).find((b) => b.budget.BudgetName === key.budgetName);
}

/** `5000 USD monthly, alerts ACTUAL 50/80/100%, FORECASTED 100% → pi@example.org, SNS`. */
export function describeBudget(record: BudgetRecord | undefined): string {
  if (!record) return '(none)';
  const { budget, notifications } = record;
  const byType = new Map<string, number[]>();
  const subscribers = new Set<string>();
  for (const { Notification: n, Subscribers } of notifications) {
    byType.set(n.NotificationType, [...(byType.get(n.NotificationType) ?? []), n.Threshold]);
    for (const s of Subscribers) subscribers.add(s.SubscriptionType === 'SNS' ? 'SNS topic' : s.Address);
  }
  const alerts = [...byType]
    .map(([type, thresholds]) => `${type} ${thresholds.sort((a, b) => a - b).join('/')}%`)
    .join(', ');
  return (
    `${Number(budget.BudgetLimit?.Amount)} ${budget.BudgetLimit?.Unit ?? ''} ${budget.TimeUnit.toLowerCase()}` +
    (notifications.length > 0 ? `; alerts ${alerts} → ${[...subscribers].join(', ')}` : '; no alerts')
  );
}
