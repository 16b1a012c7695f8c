import type { CurrentBudgetParameter, ReadBudgetHints, SpokeBudgets } from '@org-budgets/aws';
import {
  desiredBudget,
  isManaged,
  notificationKey,
  planBudgetReconciliation,
  subscriberKey,
  type BudgetCall,
  type BudgetPlan,
  type BudgetTag,
  type CurrentBudgetState,
  type NotificationWithSubscribers,
} from '@org-budgets/budgets';
import {
  serializeBudgetParameter,
  toBudgetParameter,
  validateBudgetItem,
  type BudgetItemInput,
  type BudgetParameter,
} from '@org-budgets/contracts';

/** Test data only. */

export const ACCOUNT = '111111111111';
export const TOPIC = 'arn:aws:sns:us-east-1:111111111111:org-budgets-test-budget-alerts';

type StoredBudget = Extract<CurrentBudgetState, { exists: true }>;

/** A valid budget parameter document for `research` (or the name given) at `revision`. */
export function budgetParameter(revision: string, overrides: Partial<BudgetItemInput> = {}): BudgetParameter {
  const result = validateBudgetItem({ accountId: ACCOUNT, budgetName: 'research', amount: 100, ...overrides });
  if (!result.valid) throw new Error(result.message);
  return toBudgetParameter(result.item, revision, new Date('2026-11-23T00:00:00Z'));
}

/** The parameter as SSM holds it (built as a value, so that it fits with or without the raw `value`). */
export function stored(parameter: BudgetParameter): CurrentBudgetParameter {
  const current = {
    exists: true as const,
    value: serializeBudgetParameter(parameter),
    valid: true as const,
    parameter,
  };
  return current;
}

export function unreadable(message: string, revision?: string): CurrentBudgetParameter {
  const current = {
    exists: true as const,
    value: '{"amount":-1}',
    valid: false as const,
    message,
    ...(revision ? { revision } : {}),
  };
  return current;
}

/**
 * The AWS Budgets of one account, in memory: the calls of a plan change it as AWS would (enough
 * for these tests), so that a budget can be changed "by hand" and restored.
 */
export class BudgetsWorld {
  readonly budgets = new Map<string, StoredBudget>();

  /** Puts a budget as apply-budget would have created it from `parameter`, with these tags. */
  seed(parameter: BudgetParameter, tags: BudgetTag[] = [{ Key: 'org-budgets:managed', Value: 'true' }]): StoredBudget {
    const plan = planBudgetReconciliation(desiredBudget(parameter, { alertTopicArn: TOPIC }), { exists: false });
    if (plan.action !== 'apply') throw new Error(plan.reason);
    this.apply(plan.calls[0] as BudgetCall);
    const budget = this.get(parameter.budgetName);
    budget.tags = tags.map((t) => ({ ...t }));
    return budget;
  }

  get(budgetName: string): StoredBudget {
    const budget = this.budgets.get(budgetName);
    if (!budget) throw new Error(`no budget ${budgetName}`);
    return budget;
  }

  read(budgetName: string): CurrentBudgetState {
    const budget = this.budgets.get(budgetName);
    return budget ? structuredClone(budget) : { exists: false };
  }

  amountOf(budgetName: string): string | undefined {
    return this.budgets.get(budgetName)?.budget.BudgetLimit?.Amount;
  }

  tag(budgetName: string, key: string): string | undefined {
    return this.budgets.get(budgetName)?.tags.find((t) => t.Key === key)?.Value;
  }

  apply(call: BudgetCall): void {
    const notFound = () => Object.assign(new Error('budget not found'), { name: 'NotFoundException' });
    if (call.operation === 'CreateBudget') {
      if (this.budgets.has(call.input.Budget.BudgetName)) {
        throw Object.assign(new Error('budget exists'), { name: 'DuplicateRecordException' });
      }
      this.budgets.set(call.input.Budget.BudgetName, {
        exists: true,
        budget: structuredClone(call.input.Budget),
        tags: structuredClone(call.input.ResourceTags),
        notifications: structuredClone(call.input.NotificationsWithSubscribers),
      });
      return;
    }
    const name = call.operation === 'UpdateBudget' ? call.input.NewBudget.BudgetName : call.input.BudgetName;
    const budget = this.budgets.get(name);
    if (!budget) throw notFound();
    const find = (n: NotificationWithSubscribers['Notification']) => {
      const entry = budget.notifications.find((e) => notificationKey(e.Notification) === notificationKey(n));
      if (!entry) throw notFound();
      return entry;
    };
    switch (call.operation) {
      case 'UpdateBudget':
        budget.budget = structuredClone(call.input.NewBudget);
        return;
      case 'DeleteBudget':
        this.budgets.delete(name);
        return;
      case 'CreateNotification':
        budget.notifications.push({
          Notification: { ...call.input.Notification },
          Subscribers: structuredClone(call.input.Subscribers),
        });
        return;
      case 'UpdateNotification':
        find(call.input.OldNotification).Notification = { ...call.input.NewNotification };
        return;
      case 'DeleteNotification': {
        const entry = find(call.input.Notification);
        budget.notifications = budget.notifications.filter((e) => e !== entry);
        return;
      }
      case 'CreateSubscriber':
        find(call.input.Notification).Subscribers.push({ ...call.input.Subscriber });
        return;
      case 'UpdateSubscriber': {
        const entry = find(call.input.Notification);
        entry.Subscribers = entry.Subscribers.map((s) =>
          subscriberKey(s) === subscriberKey(call.input.OldSubscriber) ? { ...call.input.NewSubscriber } : s,
        );
        return;
      }
      case 'DeleteSubscriber': {
        const entry = find(call.input.Notification);
        entry.Subscribers = entry.Subscribers.filter((s) => subscriberKey(s) !== subscriberKey(call.input.Subscriber));
        return;
      }
    }
  }
}

/** SpokeBudgets on a BudgetsWorld, recording what it was asked. */
export class FakeBudgets implements SpokeBudgets {
  readonly plans: BudgetPlan[] = [];
  readonly revisions: string[] = [];
  readonly reads: string[] = [];
  failWith: Error | undefined;
  /** Budget names whose calls fail (reads included). */
  readonly failing = new Map<string, Error>();

  constructor(readonly world: BudgetsWorld = new BudgetsWorld()) {}

  /** The notifications each read was told to expect (ReadBudgetHints), in order. */
  readonly hintedNotifications: string[][] = [];

  async readBudget(budgetName: string, hints: ReadBudgetHints = {}) {
    this.reads.push(budgetName);
    this.hintedNotifications.push((hints.notifications ?? []).map(notificationKey));
    const failure = this.failing.get(budgetName);
    if (failure) throw failure;
    return this.world.read(budgetName);
  }

  async applyPlan(plan: BudgetPlan) {
    if (this.failWith) throw this.failWith;
    if (plan.action === 'refuse') throw new Error(plan.reason);
    this.plans.push(structuredClone(plan));
    for (const call of plan.calls) this.world.apply(call);
  }

  async readSpend(): Promise<never> {
    throw new Error('not used');
  }

  async listManagedBudgetNames() {
    return [...this.world.budgets.entries()].filter(([, b]) => isManaged(b.tags)).map(([name]) => name);
  }

  async recordAppliedRevision(budgetName: string, revision: string) {
    this.revisions.push(revision);
    const budget = this.world.get(budgetName);
    budget.tags = [
      ...budget.tags.filter((t) => t.Key !== 'org-budgets:revision'),
      { Key: 'org-budgets:revision', Value: revision },
    ];
  }
}

/** A promise and its resolver, to hold a run at a chosen point. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
