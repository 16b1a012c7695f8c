import {
  CreateBudgetCommand,
  CreateNotificationCommand,
  CreateSubscriberCommand,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  DeleteSubscriberCommand,
  DescribeBudgetCommand,
  DescribeBudgetsCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  NotFoundException,
  UpdateBudgetCommand,
  UpdateNotificationCommand,
  UpdateSubscriberCommand,
  type Budget,
  type BudgetsClient,
  type Notification,
  type Subscriber,
} from '@aws-sdk/client-budgets';
import {
  APPLIED_REVISION_TAG_KEY,
  isManaged,
  notificationKey,
  type BudgetCall,
  type BudgetNotification,
  type BudgetPlan,
  type BudgetSubscriber,
  type BudgetTag,
  type CurrentBudget,
  type CurrentBudgetState,
  type NotificationWithSubscribers,
} from '@org-budgets/budgets';
import { BudgetNotFoundError, BudgetPlanRefusedError, BudgetsCallError, BudgetSpendUnreadableError } from '../errors';

/** The budget's spend as AWS Budgets last calculated it (refreshed a few times a day). */
export interface BudgetSpend {
  actual: number;
  /** Absent while AWS has too little history to forecast. */
  forecasted: number | undefined;
  unit: string;
  /** `Budget.LastUpdatedTime`: when the budget was last changed, as AWS reports it. */
  lastUpdated: Date | undefined;
  /** `Budget.TimeUnit`: MONTHLY, QUARTERLY, ANNUALLY (or DAILY). */
  timeUnit: string;
  /** `Budget.TimePeriod`: when the budget begins and ends (AWS sets both for a recurring budget). */
  timePeriod: { start?: Date; end?: Date };
  /** What the figure is computed for: the guardian starts afresh when it changes (spendDefinitionKey). */
  definition: {
    timeUnit: string;
    timePeriodStart?: string;
    costFilters?: Record<string, readonly string[]>;
    costTypes?: Record<string, unknown>;
    unit: string;
  };
}

/** One spoke account's AWS Budgets, through a client that already holds that account's credentials. */
/** What the caller expects of the budget, so that the read can ask for it in its first round. */
export interface ReadBudgetHints {
  /**
   * The notifications the budget should have (the desired ones): their subscribers are read
   * together with the budget. A notification the budget turns out to have beyond these (or one
   * created between the calls) has its subscribers read in a second round.
   */
  notifications?: readonly BudgetNotification[];
}

export interface SpokeBudgets {
  readBudget(budgetName: string, hints?: ReadBudgetHints): Promise<CurrentBudgetState>;
  /** Makes the calls of an `apply` plan in order; a `refuse` plan fails with BudgetPlanRefusedError. */
  applyPlan(plan: BudgetPlan): Promise<void>;
  readSpend(budgetName: string): Promise<BudgetSpend>;
  /**
   * The names of every budget of the account that carries the managed tag: DescribeBudgets (all
   * pages), then each budget's tags. A budget deleted between the two calls is left out.
   */
  listManagedBudgetNames(): Promise<string[]>;
  /** Tags the budget with the parameter revision it now matches (TagResource). */
  recordAppliedRevision(budgetName: string, revision: string): Promise<void>;
}

/** Largest page the Budgets describe calls accept. */
const PAGE_SIZE = 100;
/** What a BudgetsCallError names as the budget of a call about all of them (DescribeBudgets). */
export const EVERY_BUDGET = '(every budget)';

export function budgetArn(partition: string, accountId: string, budgetName: string): string {
  return `arn:${partition}:budgets::${accountId}:budget/${budgetName}`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundException || (error as { name?: unknown } | null)?.name === 'NotFoundException';
}

export function createSpokeBudgets(client: BudgetsClient, accountId: string, partition: string): SpokeBudgets {
  async function call<T>(operation: string, budgetName: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new BudgetsCallError(operation, budgetName, accountId, error);
    }
  }

  /** The budget, or undefined when there is none of that name. */
  async function describeBudget(budgetName: string): Promise<Budget | undefined> {
    try {
      const { Budget } = await client.send(new DescribeBudgetCommand({ AccountId: accountId, BudgetName: budgetName }));
      return Budget;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new BudgetsCallError('DescribeBudget', budgetName, accountId, error);
    }
  }

  /** The budget's tags, or undefined when the budget is gone. */
  async function listTags(budgetName: string): Promise<BudgetTag[] | undefined> {
    try {
      const { ResourceTags } = await client.send(
        new ListTagsForResourceCommand({ ResourceARN: budgetArn(partition, accountId, budgetName) }),
      );
      return (ResourceTags ?? []).map((tag) => ({ Key: tag.Key ?? '', Value: tag.Value ?? '' }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new BudgetsCallError('ListTagsForResource', budgetName, accountId, error);
    }
  }

  /** The budget's notifications (every page), or undefined when the budget is gone. */
  async function listNotifications(budgetName: string): Promise<Notification[] | undefined> {
    const notifications: Notification[] = [];
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await client.send(
          new DescribeNotificationsForBudgetCommand({
            AccountId: accountId,
            BudgetName: budgetName,
            MaxResults: PAGE_SIZE,
            NextToken: nextToken,
          }),
        );
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw new BudgetsCallError('DescribeNotificationsForBudget', budgetName, accountId, error);
      }
      notifications.push(...(page.Notifications ?? []));
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return notifications;
  }

  async function listSubscribers(budgetName: string, notification: BudgetNotification): Promise<BudgetSubscriber[]> {
    const subscribers: BudgetSubscriber[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call('DescribeSubscribersForNotification', budgetName, () =>
        client.send(
          new DescribeSubscribersForNotificationCommand({
            AccountId: accountId,
            BudgetName: budgetName,
            Notification: notification,
            MaxResults: PAGE_SIZE,
            NextToken: nextToken,
          }),
        ),
      );
      subscribers.push(...(page.Subscribers ?? []).flatMap(toSubscriber));
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return subscribers;
  }

  /**
   * The subscribers of each hinted notification that exists, by notificationKey (read before the
   * notifications are known: a hinted one the budget lacks, or the budget itself missing, is left out).
   */
  async function hintedSubscribers(
    budgetName: string,
    hinted: readonly BudgetNotification[],
  ): Promise<Map<string, BudgetSubscriber[]>> {
    const unique = [...new Map(hinted.map((n) => [notificationKey(n), n] as const))];
    const found = await Promise.all(
      unique.map(async ([key, notification]) => {
        try {
          return [[key, await listSubscribers(budgetName, notification)] as const];
        } catch (error) {
          if (error instanceof BudgetsCallError && isNotFound(error.cause)) return [];
          throw error;
        }
      }),
    );
    return new Map(found.flat());
  }

  async function send(budgetCall: BudgetCall): Promise<unknown> {
    const AccountId = accountId;
    switch (budgetCall.operation) {
      case 'CreateBudget':
        return client.send(new CreateBudgetCommand({ AccountId, ...budgetCall.input }));
      case 'UpdateBudget':
        return client.send(new UpdateBudgetCommand({ AccountId, ...budgetCall.input }));
      case 'DeleteBudget':
        return client.send(new DeleteBudgetCommand({ AccountId, ...budgetCall.input }));
      case 'CreateNotification':
        return client.send(new CreateNotificationCommand({ AccountId, ...budgetCall.input }));
      case 'UpdateNotification':
        return client.send(new UpdateNotificationCommand({ AccountId, ...budgetCall.input }));
      case 'DeleteNotification':
        return client.send(new DeleteNotificationCommand({ AccountId, ...budgetCall.input }));
      case 'CreateSubscriber':
        return client.send(new CreateSubscriberCommand({ AccountId, ...budgetCall.input }));
      case 'UpdateSubscriber':
        return client.send(new UpdateSubscriberCommand({ AccountId, ...budgetCall.input }));
      case 'DeleteSubscriber':
        return client.send(new DeleteSubscriberCommand({ AccountId, ...budgetCall.input }));
    }
  }

  return {
    async readBudget(budgetName, hints = {}) {
      // apply-budget is on the edit's path: one round trip when the budget has the notifications
      // it should (the budget, its tags, its notifications and the hinted notifications'
      // subscribers at once), a second for the subscribers of any other notification it has.
      const [budget, tags, listed, known] = await Promise.all([
        describeBudget(budgetName),
        listTags(budgetName),
        listNotifications(budgetName),
        hintedSubscribers(budgetName, hints.notifications ?? []),
      ]);
      // Absent, or deleted between the calls.
      if (!budget || !tags || !listed) return { exists: false };
      const notifications: NotificationWithSubscribers[] = await Promise.all(
        listed.flatMap(toNotification).map(async (notification) => ({
          Notification: notification,
          Subscribers: known.get(notificationKey(notification)) ?? (await listSubscribers(budgetName, notification)),
        })),
      );
      return { exists: true, budget: toCurrentBudget(budget, budgetName), tags, notifications };
    },

    async applyPlan(plan) {
      if (plan.action === 'refuse') throw new BudgetPlanRefusedError(plan.reason);
      for (const budgetCall of plan.calls) {
        await call(budgetCall.operation, budgetNameOf(budgetCall), () => send(budgetCall));
      }
    },

    async readSpend(budgetName) {
      const budget = await describeBudget(budgetName);
      if (!budget) throw new BudgetNotFoundError(budgetName, accountId);
      const spend = budget.CalculatedSpend;
      const unit = spend?.ActualSpend?.Unit ?? budget.BudgetLimit?.Unit;
      const actual = spend?.ActualSpend?.Amount === undefined ? 0 : Number(spend.ActualSpend.Amount);
      const forecasted =
        spend?.ForecastedSpend?.Amount === undefined ? undefined : Number(spend.ForecastedSpend.Amount);
      if (!Number.isFinite(actual) || (forecasted !== undefined && !Number.isFinite(forecasted)) || !unit) {
        throw new BudgetSpendUnreadableError(budgetName, accountId, JSON.stringify(spend ?? null));
      }
      const timeUnit = budget.TimeUnit ?? 'MONTHLY';
      const start = budget.TimePeriod?.Start;
      return {
        actual,
        forecasted,
        unit,
        lastUpdated: budget.LastUpdatedTime,
        timeUnit,
        timePeriod: {
          ...(start ? { start } : {}),
          ...(budget.TimePeriod?.End ? { end: budget.TimePeriod.End } : {}),
        },
        definition: {
          timeUnit,
          ...(start ? { timePeriodStart: start.toISOString() } : {}),
          ...(budget.CostFilters ? { costFilters: budget.CostFilters } : {}),
          ...(budget.CostTypes ? { costTypes: { ...budget.CostTypes } } : {}),
          unit: budget.BudgetLimit?.Unit ?? unit,
        },
      };
    },

    async listManagedBudgetNames() {
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await call('DescribeBudgets', EVERY_BUDGET, () =>
          client.send(
            new DescribeBudgetsCommand({ AccountId: accountId, MaxResults: PAGE_SIZE, NextToken: nextToken }),
          ),
        );
        names.push(...(page.Budgets ?? []).flatMap((budget) => (budget.BudgetName ? [budget.BudgetName] : [])));
        nextToken = page.NextToken || undefined;
      } while (nextToken);
      const managed: string[] = [];
      for (const budgetName of [...new Set(names)]) {
        const tags = await listTags(budgetName);
        if (tags && isManaged(tags)) managed.push(budgetName);
      }
      return managed;
    },

    async recordAppliedRevision(budgetName, revision) {
      await call('TagResource', budgetName, () =>
        client.send(
          new TagResourceCommand({
            ResourceARN: budgetArn(partition, accountId, budgetName),
            ResourceTags: [{ Key: APPLIED_REVISION_TAG_KEY, Value: revision }],
          }),
        ),
      );
    },
  };
}

export function budgetNameOf(budgetCall: BudgetCall): string {
  switch (budgetCall.operation) {
    case 'CreateBudget':
      return budgetCall.input.Budget.BudgetName;
    case 'UpdateBudget':
      return budgetCall.input.NewBudget.BudgetName;
    default:
      return budgetCall.input.BudgetName;
  }
}

function toCurrentBudget(budget: Budget, budgetName: string): CurrentBudget {
  const current: CurrentBudget = {
    BudgetName: budget.BudgetName ?? budgetName,
    BudgetType: budget.BudgetType ?? '',
    TimeUnit: budget.TimeUnit ?? '',
    CostFilters: Object.fromEntries(Object.entries(budget.CostFilters ?? {}).map(([k, v]) => [k, [...(v ?? [])]])),
  };
  if (budget.BudgetLimit?.Amount !== undefined && budget.BudgetLimit.Unit !== undefined) {
    current.BudgetLimit = { Amount: budget.BudgetLimit.Amount, Unit: budget.BudgetLimit.Unit };
  }
  if (budget.TimePeriod) {
    current.TimePeriod = {};
    if (budget.TimePeriod.Start) current.TimePeriod.Start = budget.TimePeriod.Start;
    if (budget.TimePeriod.End) current.TimePeriod.End = budget.TimePeriod.End;
  }
  if (budget.CostTypes) current.CostTypes = { ...budget.CostTypes };
  return current;
}

/** Keeps the identifying fields (NotificationState is not one); AWS always sends the required ones. */
function toNotification(notification: Notification): BudgetNotification[] {
  const { NotificationType, ComparisonOperator, Threshold, ThresholdType } = notification;
  if (NotificationType === undefined || ComparisonOperator === undefined || Threshold === undefined) return [];
  return [{ NotificationType, ComparisonOperator, Threshold, ...(ThresholdType ? { ThresholdType } : {}) }];
}

function toSubscriber(subscriber: Subscriber): BudgetSubscriber[] {
  const { SubscriptionType, Address } = subscriber;
  return SubscriptionType && Address !== undefined ? [{ SubscriptionType, Address }] : [];
}
