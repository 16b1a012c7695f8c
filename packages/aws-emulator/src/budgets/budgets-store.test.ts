import { BudgetsError } from './budgets-errors';
import { BudgetsStore, DEFAULT_COST_TYPES } from './budgets-store';
import type { Budget, Notification, Subscriber } from './budgets-types';
import { DEFAULT_BUDGET_END_SECONDS } from './time-period';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const NOW = new Date('2026-11-23T10:20:30.500Z');
const seconds = (iso: string): number => Date.parse(iso) / 1000;

const budget = (overrides: Partial<Budget> = {}): Budget => ({
  BudgetName: 'team-a',
  BudgetType: 'COST',
  TimeUnit: 'MONTHLY',
  BudgetLimit: { Amount: '250', Unit: 'USD' },
  ...overrides,
});
const actualAt = (threshold: number, extra: Partial<Notification> = {}): Notification => ({
  NotificationType: 'ACTUAL',
  ComparisonOperator: 'GREATER_THAN',
  Threshold: threshold,
  ...extra,
});
const email = (address: string): Subscriber => ({ SubscriptionType: 'EMAIL', Address: address });
const topic = (name: string): Subscriber => ({
  SubscriptionType: 'SNS',
  Address: `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`,
});

function expectError(run: () => unknown, code: string, message?: string | RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BudgetsError);
  expect((caught as BudgetsError).code).toBe(code);
  if (message !== undefined) expect((caught as BudgetsError).message).toMatch(message);
}

describe('BudgetsStore', () => {
  let clock: Date;
  let store: BudgetsStore;

  beforeEach(() => {
    clock = NOW;
    store = new BudgetsStore({ now: () => clock });
  });

  describe('budgets', () => {
    it('fills in what AWS fills in: period, cost types, filters, spend, normalized limit', () => {
      store.createBudget(ACCOUNT, { Budget: budget() });
      expect(store.describeBudget(ACCOUNT, 'team-a')).toEqual({
        BudgetName: 'team-a',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: '250.0', Unit: 'USD' },
        CostFilters: {},
        CostTypes: DEFAULT_COST_TYPES,
        TimePeriod: { Start: seconds('2026-11-01T00:00:00Z'), End: seconds('2087-06-15T00:00:00Z') },
        CalculatedSpend: { ActualSpend: { Amount: '0', Unit: 'USD' } },
        LastUpdatedTime: NOW.getTime() / 1000,
      });
    });

    it.each([
      ['DAILY', '2026-11-23'],
      ['QUARTERLY', '2026-10-01'],
      ['ANNUALLY', '2026-01-01'],
    ] as const)('starts a %s budget at the start of the current period', (TimeUnit, start) => {
      store.createBudget(ACCOUNT, { Budget: budget({ TimeUnit }) });
      expect(store.describeBudget(ACCOUNT, 'team-a').TimePeriod).toEqual({
        Start: seconds(`${start}T00:00:00Z`),
        End: DEFAULT_BUDGET_END_SECONDS,
      });
    });

    it('keeps a given period, filters and cost types (defaults for the rest)', () => {
      store.createBudget(ACCOUNT, {
        Budget: budget({
          TimePeriod: { Start: seconds('2026-01-01T00:00:00Z') },
          CostFilters: { TagKeyValue: ['user:team$a'] },
          CostTypes: { IncludeCredit: false },
        }),
      });
      const described = store.describeBudget(ACCOUNT, 'team-a');
      expect(described.TimePeriod).toEqual({ Start: seconds('2026-01-01T00:00:00Z'), End: DEFAULT_BUDGET_END_SECONDS });
      expect(described.CostFilters).toEqual({ TagKeyValue: ['user:team$a'] });
      expect(described.CostTypes).toEqual({ ...DEFAULT_COST_TYPES, IncludeCredit: false });
    });

    it('names budgets uniquely per account', () => {
      store.createBudget(ACCOUNT, { Budget: budget() });
      store.createBudget(OTHER_ACCOUNT, { Budget: budget() });
      expectError(
        () => store.createBudget(ACCOUNT, { Budget: budget() }),
        'DuplicateRecordException',
        'Error creating budget: team-a - the budget already exists.',
      );
      expectError(() => store.describeBudget('333333333333', 'team-a'), 'NotFoundException', "doesn't exist");
    });

    it('refuses definitions AWS refuses', () => {
      const { BudgetLimit: _limit, ...noLimit } = budget();
      expectError(() => store.createBudget(ACCOUNT, { Budget: noLimit }), 'InvalidParameterException', /Budget Limit/);
      expectError(
        () => store.createBudget(ACCOUNT, { Budget: budget({ TimePeriod: { Start: 200, End: 100 } }) }),
        'InvalidParameterException',
        'start date',
      );
      expectError(
        () => store.createBudget(ACCOUNT, { Budget: budget({ TimePeriod: { End: DEFAULT_BUDGET_END_SECONDS + 1 } }) }),
        'InvalidParameterException',
        '06/15/87',
      );
      expectError(
        () => store.createBudget(ACCOUNT, { Budget: budget({ TimeUnit: 'CUSTOM' }) }),
        'InvalidParameterException',
        'CUSTOM',
      );
      expectError(
        () =>
          store.createBudget(ACCOUNT, {
            Budget: budget({ CostFilters: { Service: ['x'] }, Metrics: ['UnblendedCost'] }),
          }),
        'InvalidParameterException',
        'FilterExpression',
      );
      expectError(
        () =>
          store.createBudget(ACCOUNT, {
            Budget: budget({
              PlannedBudgetLimits: { [String(seconds('2026-11-01T00:00:00Z'))]: { Amount: '1', Unit: 'USD' } },
            }),
          }),
        'InvalidParameterException',
        'Only one of BudgetLimit or PlannedBudgetLimits',
      );
      expect(store.snapshot()).toEqual([]);
    });

    it('gives RI and Savings Plans budgets a 100 percent limit and planned budgets the current limit', () => {
      const { BudgetLimit: _limit, ...noLimit } = budget();
      store.createBudget(ACCOUNT, { Budget: { ...noLimit, BudgetName: 'ri', BudgetType: 'RI_UTILIZATION' } });
      expect(store.describeBudget(ACCOUNT, 'ri').BudgetLimit).toEqual({ Amount: '100.0', Unit: 'PERCENTAGE' });

      const planned = {
        [String(seconds('2026-10-01T00:00:00Z'))]: { Amount: '10', Unit: 'USD' },
        [String(seconds('2026-11-01T00:00:00Z'))]: { Amount: '20', Unit: 'USD' },
        [String(seconds('2026-12-01T00:00:00Z'))]: { Amount: '30', Unit: 'USD' },
      };
      store.createBudget(ACCOUNT, { Budget: { ...noLimit, BudgetName: 'planned', PlannedBudgetLimits: planned } });
      const described = store.describeBudget(ACCOUNT, 'planned');
      expect(described.BudgetLimit).toEqual({ Amount: '20.0', Unit: 'USD' });
      expect(described.PlannedBudgetLimits?.[String(seconds('2026-12-01T00:00:00Z'))]).toEqual({
        Amount: '30.0',
        Unit: 'USD',
      });
    });

    it('shows the filter expression only when asked to', () => {
      const FilterExpression = { Dimensions: { Key: 'SERVICE', Values: ['Amazon EC2'] } };
      store.createBudget(ACCOUNT, { Budget: budget({ FilterExpression, Metrics: ['UnblendedCost'] }) });
      expect(store.describeBudget(ACCOUNT, 'team-a')).not.toHaveProperty('FilterExpression');
      expect(store.describeBudget(ACCOUNT, 'team-a')).not.toHaveProperty('CostTypes');
      expect(store.describeBudget(ACCOUNT, 'team-a', true)).toMatchObject({
        FilterExpression,
        Metrics: ['UnblendedCost'],
      });
    });

    it('lists budgets by name, page by page', () => {
      for (const name of ['e', 'c', 'a', 'd', 'b'])
        store.createBudget(ACCOUNT, { Budget: budget({ BudgetName: name }) });
      store.createBudget(OTHER_ACCOUNT, { Budget: budget({ BudgetName: 'z' }) });
      const names: string[][] = [];
      let token: string | undefined;
      do {
        const page = store.describeBudgets(ACCOUNT, { MaxResults: 2, ...(token ? { NextToken: token } : {}) });
        names.push(page.Budgets.map((b) => b.BudgetName));
        token = page.NextToken;
      } while (token);
      expect(names).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
      expect(store.describeBudgets(ACCOUNT, {}).Budgets).toHaveLength(5);
      expect(store.describeBudgets('333333333333', {})).toEqual({ Budgets: [] });

      const first = store.describeBudgets(ACCOUNT, { MaxResults: 1 });
      expectError(() => store.describeBudgets(ACCOUNT, { NextToken: 'garbage' }), 'InvalidNextTokenException');
      expectError(
        () => store.describeBudgets(OTHER_ACCOUNT, { NextToken: first.NextToken }),
        'InvalidNextTokenException',
      );
    });

    it('replaces the definition on update, keeping notifications, subscribers and tags; the spend drops to zero as on AWS', () => {
      store.createBudget(ACCOUNT, {
        Budget: budget({ CostFilters: { Service: ['Amazon EC2'] } }),
        NotificationsWithSubscribers: [{ Notification: actualAt(80), Subscribers: [email('a@example.com')] }],
        ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }],
      });
      store.setSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: 12.5, forecasted: '40' });
      clock = new Date('2026-11-24T00:00:00Z');
      store.updateBudget(ACCOUNT, budget({ BudgetLimit: { Amount: '300.50', Unit: 'USD' }, TimeUnit: 'QUARTERLY' }));

      const [record] = store.snapshot();
      expect(record?.budget).toMatchObject({
        BudgetLimit: { Amount: '300.5', Unit: 'USD' },
        TimeUnit: 'QUARTERLY',
        CostFilters: {},
        TimePeriod: { Start: seconds('2026-10-01T00:00:00Z'), End: DEFAULT_BUDGET_END_SECONDS },
        CalculatedSpend: { ActualSpend: { Amount: '0', Unit: 'USD' } },
        LastUpdatedTime: seconds('2026-11-24T00:00:00Z'),
      });
      expect(record?.notifications).toEqual([
        { Notification: { ...actualAt(80), NotificationState: 'OK' }, Subscribers: [email('a@example.com')] },
      ]);
      expect(record?.tags).toEqual([{ Key: 'org-budgets:managed', Value: 'true' }]);
      expectError(() => store.updateBudget(ACCOUNT, budget({ BudgetName: 'nope' })), 'NotFoundException', 'nope');
    });

    it('deletes a budget with its notifications and tags', () => {
      store.createBudget(ACCOUNT, {
        Budget: budget(),
        NotificationsWithSubscribers: [{ Notification: actualAt(80), Subscribers: [email('a@example.com')] }],
        ResourceTags: [{ Key: 'k', Value: 'v' }],
      });
      store.deleteBudget(ACCOUNT, 'team-a');
      expectError(() => store.describeBudget(ACCOUNT, 'team-a'), 'NotFoundException');
      expectError(() => store.deleteBudget(ACCOUNT, 'team-a'), 'NotFoundException');
      store.createBudget(ACCOUNT, { Budget: budget() });
      expect(store.describeNotificationsForBudget(ACCOUNT, 'team-a', {})).toEqual({ Notifications: [] });
      expect(store.listBudgetTags(ACCOUNT, 'team-a')).toEqual([]);
    });
  });

  describe('notifications', () => {
    beforeEach(() => store.createBudget(ACCOUNT, { Budget: budget() }));

    it('creates, lists (with state), updates and deletes notifications', () => {
      store.createNotification(ACCOUNT, 'team-a', actualAt(50), [email('a@example.com')]);
      store.createNotification(
        ACCOUNT,
        'team-a',
        { ...actualAt(100), NotificationType: 'FORECASTED', ThresholdType: 'PERCENTAGE' },
        [topic('alerts')],
      );
      expect(store.describeNotificationsForBudget(ACCOUNT, 'team-a', {}).Notifications).toEqual([
        { ...actualAt(50), NotificationState: 'OK' },
        { ...actualAt(100), NotificationType: 'FORECASTED', ThresholdType: 'PERCENTAGE', NotificationState: 'OK' },
      ]);

      // A notification created without ThresholdType is the PERCENTAGE one; NotificationState does not identify.
      store.updateNotification(
        ACCOUNT,
        'team-a',
        { ...actualAt(50), ThresholdType: 'PERCENTAGE', NotificationState: 'ALARM' },
        actualAt(60),
      );
      expect(store.describeSubscribersForNotification(ACCOUNT, 'team-a', actualAt(60), {}).Subscribers).toEqual([
        email('a@example.com'),
      ]);
      expectError(
        () => store.describeSubscribersForNotification(ACCOUNT, 'team-a', actualAt(50), {}),
        'NotFoundException',
      );

      store.deleteNotification(ACCOUNT, 'team-a', actualAt(60));
      expect(store.describeNotificationsForBudget(ACCOUNT, 'team-a', {}).Notifications).toHaveLength(1);
      expectError(() => store.deleteNotification(ACCOUNT, 'team-a', actualAt(60)), 'NotFoundException');
      expectError(
        () => store.createNotification(ACCOUNT, 'nope', actualAt(1), [email('a@example.com')]),
        'NotFoundException',
      );
    });

    it('refuses duplicates and an eleventh notification', () => {
      store.createNotification(ACCOUNT, 'team-a', actualAt(10), [email('a@example.com')]);
      expectError(
        () =>
          store.createNotification(ACCOUNT, 'team-a', { ...actualAt(10), ThresholdType: 'PERCENTAGE' }, [
            email('b@example.com'),
          ]),
        'DuplicateRecordException',
      );
      store.createNotification(ACCOUNT, 'team-a', { ...actualAt(10), ThresholdType: 'ABSOLUTE_VALUE' }, [
        email('b@example.com'),
      ]);
      for (let threshold = 20; threshold <= 90; threshold += 10) {
        store.createNotification(ACCOUNT, 'team-a', actualAt(threshold), [email('a@example.com')]);
      }
      expectError(
        () => store.createNotification(ACCOUNT, 'team-a', actualAt(100), [email('a@example.com')]),
        'CreationLimitExceededException',
        '10 notifications',
      );
      expectError(
        () => store.updateNotification(ACCOUNT, 'team-a', actualAt(20), actualAt(30)),
        'DuplicateRecordException',
      );
    });

    it('pages notifications', () => {
      for (const threshold of [1, 2, 3])
        store.createNotification(ACCOUNT, 'team-a', actualAt(threshold), [email('a@example.com')]);
      const first = store.describeNotificationsForBudget(ACCOUNT, 'team-a', { MaxResults: 2 });
      expect(first.Notifications.map((n) => n.Threshold)).toEqual([1, 2]);
      const second = store.describeNotificationsForBudget(ACCOUNT, 'team-a', {
        MaxResults: 2,
        NextToken: first.NextToken,
      });
      expect(second).toEqual({ Notifications: [{ ...actualAt(3), NotificationState: 'OK' }] });
      expectError(
        () => store.describeNotificationsForBudget(ACCOUNT, 'team-a', { NextToken: 'eyJ4IjoxfQ==' }),
        'InvalidNextTokenException',
      );
    });

    it('creates a budget with notifications only within the limits', () => {
      const tooMany = Array.from({ length: 11 }, (_, i) => email(`u${i}@example.com`));
      expectError(
        () =>
          store.createBudget(ACCOUNT, {
            Budget: budget({ BudgetName: 'b2' }),
            NotificationsWithSubscribers: [{ Notification: actualAt(1), Subscribers: tooMany }],
          }),
        'InvalidParameterException',
        'at most 10 email subscribers',
      );
      expectError(
        () =>
          store.createBudget(ACCOUNT, {
            Budget: budget({ BudgetName: 'b2' }),
            NotificationsWithSubscribers: [{ Notification: actualAt(1), Subscribers: [topic('a'), topic('b')] }],
          }),
        'InvalidParameterException',
        'at most 1 SNS subscriber',
      );
      expectError(
        () =>
          store.createBudget(ACCOUNT, {
            Budget: budget({ BudgetName: 'b2' }),
            NotificationsWithSubscribers: [
              { Notification: actualAt(1), Subscribers: [email('a@example.com')] },
              { Notification: { ...actualAt(1), ThresholdType: 'PERCENTAGE' }, Subscribers: [email('a@example.com')] },
            ],
          }),
        'DuplicateRecordException',
      );
      expectError(
        () =>
          store.createBudget(ACCOUNT, {
            Budget: budget({ BudgetName: 'b2' }),
            NotificationsWithSubscribers: [{ Notification: actualAt(1), Subscribers: [email('not-an-address')] }],
          }),
        'InvalidParameterException',
        'Invalid email address',
      );
      expectError(
        () => store.createNotification(ACCOUNT, 'team-a', actualAt(1), [{ SubscriptionType: 'SNS', Address: 'topic' }]),
        'InvalidParameterException',
        'Invalid SNS topic ARN',
      );
      expectError(() => store.createNotification(ACCOUNT, 'team-a', actualAt(1), []), 'InvalidParameterException');
      const ten = tooMany.slice(0, 10);
      store.createBudget(ACCOUNT, {
        Budget: budget({ BudgetName: 'b2' }),
        NotificationsWithSubscribers: [{ Notification: actualAt(1), Subscribers: [...ten, topic('alerts')] }],
      });
      expect(store.describeSubscribersForNotification(ACCOUNT, 'b2', actualAt(1), {}).Subscribers).toHaveLength(11);
    });

    it('computes the notification state from the spend', () => {
      store.createNotification(ACCOUNT, 'team-a', actualAt(50), [email('a@example.com')]);
      store.createNotification(ACCOUNT, 'team-a', { ...actualAt(200), ThresholdType: 'ABSOLUTE_VALUE' }, [
        email('a@example.com'),
      ]);
      store.createNotification(ACCOUNT, 'team-a', { ...actualAt(100), NotificationType: 'FORECASTED' }, [
        email('a@example.com'),
      ]);
      const states = (): string[] =>
        store.describeNotificationsForBudget(ACCOUNT, 'team-a', {}).Notifications.map((n) => n.NotificationState ?? '');
      expect(states()).toEqual(['OK', 'OK', 'OK']);
      store.setSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: '130', forecasted: 260 });
      expect(states()).toEqual(['ALARM', 'OK', 'ALARM']);
      store.setSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: '200.01', forecasted: null });
      expect(states()).toEqual(['ALARM', 'ALARM', 'OK']);
    });
  });

  describe('subscribers', () => {
    beforeEach(() => {
      store.createBudget(ACCOUNT, {
        Budget: budget(),
        NotificationsWithSubscribers: [{ Notification: actualAt(80), Subscribers: [email('a@example.com')] }],
      });
    });

    it('creates, updates, lists and deletes subscribers', () => {
      store.createSubscriber(ACCOUNT, 'team-a', actualAt(80), topic('alerts'));
      store.createSubscriber(ACCOUNT, 'team-a', actualAt(80), email('b@example.com'));
      store.updateSubscriber(ACCOUNT, 'team-a', actualAt(80), topic('alerts'), topic('other'));
      store.updateSubscriber(ACCOUNT, 'team-a', actualAt(80), email('b@example.com'), email('b@example.com'));
      const page = store.describeSubscribersForNotification(ACCOUNT, 'team-a', actualAt(80), { MaxResults: 2 });
      expect(page.Subscribers).toEqual([email('a@example.com'), topic('other')]);
      expect(
        store.describeSubscribersForNotification(ACCOUNT, 'team-a', actualAt(80), {
          NextToken: page.NextToken,
        }),
      ).toEqual({ Subscribers: [email('b@example.com')] });

      store.deleteSubscriber(ACCOUNT, 'team-a', actualAt(80), topic('other'));
      expectError(() => store.deleteSubscriber(ACCOUNT, 'team-a', actualAt(80), topic('other')), 'NotFoundException');
      expectError(
        () => store.updateSubscriber(ACCOUNT, 'team-a', actualAt(80), topic('other'), topic('x')),
        'NotFoundException',
      );
      expectError(
        () => store.updateSubscriber(ACCOUNT, 'team-a', actualAt(80), email('a@example.com'), email('b@example.com')),
        'DuplicateRecordException',
      );
      expectError(
        () => store.createSubscriber(ACCOUNT, 'team-a', actualAt(80), email('a@example.com')),
        'DuplicateRecordException',
      );
      expectError(
        () => store.createSubscriber(ACCOUNT, 'team-a', actualAt(99), email('c@example.com')),
        'NotFoundException',
      );
    });

    it('deletes the notification with its last subscriber', () => {
      store.deleteSubscriber(ACCOUNT, 'team-a', actualAt(80), email('a@example.com'));
      expect(store.describeNotificationsForBudget(ACCOUNT, 'team-a', {})).toEqual({ Notifications: [] });
    });

    it('keeps to 10 email and 1 SNS subscriber', () => {
      for (let i = 1; i < 10; i++) store.createSubscriber(ACCOUNT, 'team-a', actualAt(80), email(`u${i}@example.com`));
      expectError(
        () => store.createSubscriber(ACCOUNT, 'team-a', actualAt(80), email('eleven@example.com')),
        'CreationLimitExceededException',
        'email',
      );
      store.createSubscriber(ACCOUNT, 'team-a', actualAt(80), topic('alerts'));
      expectError(
        () => store.createSubscriber(ACCOUNT, 'team-a', actualAt(80), topic('second')),
        'CreationLimitExceededException',
        'SNS',
      );
      expectError(
        () => store.updateSubscriber(ACCOUNT, 'team-a', actualAt(80), email('u1@example.com'), topic('second')),
        'CreationLimitExceededException',
      );
    });
  });

  describe('tags and spend', () => {
    beforeEach(() => store.createBudget(ACCOUNT, { Budget: budget(), ResourceTags: [{ Key: 'a', Value: '1' }] }));

    it('adds, replaces and removes tags', () => {
      store.tagBudget(ACCOUNT, 'team-a', [
        { Key: 'a', Value: '2' },
        { Key: 'b', Value: '' },
      ]);
      expect(store.listBudgetTags(ACCOUNT, 'team-a')).toEqual([
        { Key: 'a', Value: '2' },
        { Key: 'b', Value: '' },
      ]);
      store.untagBudget(ACCOUNT, 'team-a', ['a', 'missing']);
      expect(store.listBudgetTags(ACCOUNT, 'team-a')).toEqual([{ Key: 'b', Value: '' }]);
      expectError(() => store.tagBudget(ACCOUNT, 'team-a', [{ Key: 'aws:x', Value: '' }]), 'InvalidParameterException');
      expectError(
        () =>
          store.tagBudget(ACCOUNT, 'team-a', [
            { Key: 'c', Value: '' },
            { Key: 'c', Value: '1' },
          ]),
        'InvalidParameterException',
      );
      expectError(
        () =>
          store.tagBudget(
            ACCOUNT,
            'team-a',
            Array.from({ length: 200 }, (_, i) => ({ Key: `k${i}`, Value: '' })),
          ),
        'ServiceQuotaExceededException',
      );
      expectError(() => store.listBudgetTags(ACCOUNT, 'nope'), 'NotFoundException');
    });

    it('sets the calculated spend and LastUpdatedTime', () => {
      clock = new Date('2026-11-23T12:00:00Z');
      store.setSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: 99.99 });
      expect(store.describeBudget(ACCOUNT, 'team-a')).toMatchObject({
        CalculatedSpend: { ActualSpend: { Amount: '99.99', Unit: 'USD' } },
        LastUpdatedTime: seconds('2026-11-23T12:00:00Z'),
      });
      expect(store.describeBudget(ACCOUNT, 'team-a').CalculatedSpend).not.toHaveProperty('ForecastedSpend');
      expect(() => store.setSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: -1 })).toThrow('actual must be');
      expectError(
        () => store.setSpend({ accountId: OTHER_ACCOUNT, budgetName: 'team-a', actual: 1 }),
        'NotFoundException',
      );
    });

    it('snapshots and resets every account', () => {
      store.createBudget(OTHER_ACCOUNT, { Budget: budget({ BudgetName: 'x' }) });
      expect(store.snapshot().map((r) => [r.accountId, r.budget.BudgetName])).toEqual([
        [ACCOUNT, 'team-a'],
        [OTHER_ACCOUNT, 'x'],
      ]);
      const snapshot = store.snapshot();
      snapshot[0]!.tags.push({ Key: 'mutated', Value: '' });
      expect(store.listBudgetTags(ACCOUNT, 'team-a')).toEqual([{ Key: 'a', Value: '1' }]);
      store.reset();
      expect(store.snapshot()).toEqual([]);
    });
  });
});
