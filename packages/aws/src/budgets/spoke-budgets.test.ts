import {
  BudgetsClient,
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
  NotFoundException,
  TagResourceCommand,
  UpdateBudgetCommand,
  UpdateNotificationCommand,
  UpdateSubscriberCommand,
} from '@aws-sdk/client-budgets';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  appliedRevisionOf,
  type BudgetCall,
  type BudgetNotification,
  type BudgetSubscriber,
} from '@org-budgets/budgets';
import { ACCOUNT_ID, ALERT_TOPIC_ARN } from '../../../budgets/src/testing';
import { BudgetNotFoundError, BudgetPlanRefusedError, BudgetsCallError } from '../errors';
import { budgetArn, createSpokeBudgets } from './spoke-budgets';

const budgets = mockClient(BudgetsClient);
const spoke = () => createSpokeBudgets(new BudgetsClient({}), ACCOUNT_ID, 'aws-cn');
const notFound = () =>
  new NotFoundException({ message: "Unable to get budget: team-a - the budget doesn't exist.", $metadata: {} });
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

const actual80: BudgetNotification = {
  NotificationType: 'ACTUAL',
  ComparisonOperator: 'GREATER_THAN',
  Threshold: 80,
  ThresholdType: 'PERCENTAGE',
};
const forecast100: BudgetNotification = { ...actual80, NotificationType: 'FORECASTED', Threshold: 100 };
const topic: BudgetSubscriber = { SubscriptionType: 'SNS', Address: ALERT_TOPIC_ARN };
const email = (address: string): BudgetSubscriber => ({ SubscriptionType: 'EMAIL', Address: address });

const awsBudget = {
  BudgetName: 'team-a',
  BudgetType: 'COST' as const,
  BudgetLimit: { Amount: '250.0', Unit: 'USD' },
  TimeUnit: 'MONTHLY' as const,
  CostFilters: { Service: ['AWS Batch'] },
  TimePeriod: { Start: new Date('2026-11-01T00:00:00Z'), End: new Date('2087-06-15T00:00:00Z') },
  CostTypes: { IncludeTax: true, UseBlended: false },
  CalculatedSpend: {
    ActualSpend: { Amount: '604.4560000000000172803993336856365203857421875', Unit: 'USD' },
    ForecastedSpend: { Amount: '2641.54800000000022919266484677791595458984375', Unit: 'USD' },
  },
  LastUpdatedTime: new Date('2026-11-23T06:00:00Z'),
};

beforeEach(() => budgets.reset());

/**
 * Answers that stay in flight for a turn of the event loop, recording how many calls were in
 * flight as each began: [1, 2, 3, 1, 2] is three calls together, then two.
 */
function inFlightRecorder() {
  let inFlight = 0;
  const rounds: number[] = [];
  const slow =
    <T>(answer: T) =>
    async () => {
      inFlight += 1;
      rounds.push(inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return answer;
    };
  return { rounds, slow };
}

describe('readBudget', () => {
  it('reads a missing budget as absent in one round trip (budget, tags and notifications at once)', async () => {
    budgets.on(DescribeBudgetCommand).rejects(notFound());
    budgets.on(ListTagsForResourceCommand).rejects(notFound());
    budgets.on(DescribeNotificationsForBudgetCommand).rejects(notFound());

    await expect(spoke().readBudget('team-a')).resolves.toEqual({ exists: false });
    expect(budgets).toHaveReceivedCommandWith(DescribeBudgetCommand, { AccountId: ACCOUNT_ID, BudgetName: 'team-a' });
    expect(budgets.calls()).toHaveLength(3);
    expect(budgets).not.toHaveReceivedCommand(DescribeSubscribersForNotificationCommand);
  });

  it('reads in two round trips: the budget, tags and notifications together, then every subscriber list together', async () => {
    const { rounds, slow } = inFlightRecorder();
    budgets.on(DescribeBudgetCommand).callsFake(slow({ Budget: awsBudget }));
    budgets.on(ListTagsForResourceCommand).callsFake(slow({ ResourceTags: [] }));
    budgets.on(DescribeNotificationsForBudgetCommand).callsFake(slow({ Notifications: [actual80, forecast100] }));
    budgets.on(DescribeSubscribersForNotificationCommand).callsFake(slow({ Subscribers: [topic] }));

    await spoke().readBudget('team-a');

    // Three calls in flight together, then two.
    expect(rounds).toEqual([1, 2, 3, 1, 2]);
  });

  it('reads in one round trip when given the notifications the budget has: their subscribers come with the budget', async () => {
    const { rounds, slow } = inFlightRecorder();
    budgets.on(DescribeBudgetCommand).callsFake(slow({ Budget: awsBudget }));
    budgets.on(ListTagsForResourceCommand).callsFake(slow({ ResourceTags: [] }));
    // AWS reports the notification without ThresholdType: the same notification as the hinted one.
    const { ThresholdType: _omitted, ...actual80Bare } = actual80;
    budgets.on(DescribeNotificationsForBudgetCommand).callsFake(slow({ Notifications: [actual80Bare, forecast100] }));
    budgets.on(DescribeSubscribersForNotificationCommand).callsFake(slow({ Subscribers: [topic] }));

    const current = await spoke().readBudget('team-a', { notifications: [actual80, forecast100, actual80] });

    // Five calls in flight together (the hint's duplicate read once), none after.
    expect(rounds).toEqual([1, 2, 3, 4, 5]);
    expect(current).toMatchObject({
      notifications: [
        { Notification: actual80Bare, Subscribers: [topic] },
        { Notification: forecast100, Subscribers: [topic] },
      ],
    });
  });

  it('reads in a second round the subscribers of notifications the hint missed or did not find', async () => {
    const actual90: BudgetNotification = { ...actual80, Threshold: 90 };
    budgets.on(DescribeBudgetCommand).resolves({ Budget: awsBudget });
    budgets.on(ListTagsForResourceCommand).resolves({ ResourceTags: [] });
    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [actual80, actual90] });
    // The hinted 80% answers NotFound once (created between the calls), then its subscribers.
    budgets
      .on(DescribeSubscribersForNotificationCommand, { Notification: actual80 })
      .rejectsOnce(notFound())
      .resolves({ Subscribers: [email('late@example.com')] });
    budgets.on(DescribeSubscribersForNotificationCommand, { Notification: forecast100 }).rejects(notFound());
    budgets
      .on(DescribeSubscribersForNotificationCommand, { Notification: actual90 })
      .resolves({ Subscribers: [topic] });

    const current = await spoke().readBudget('team-a', { notifications: [actual80, forecast100] });

    expect(current).toMatchObject({
      notifications: [
        { Notification: actual80, Subscribers: [email('late@example.com')] },
        { Notification: actual90, Subscribers: [topic] },
      ],
    });
    expect(budgets).toHaveReceivedCommandTimes(DescribeSubscribersForNotificationCommand, 4);
  });

  it('reads a missing budget as absent though the hinted subscriber reads find nothing', async () => {
    budgets.on(DescribeBudgetCommand).rejects(notFound());
    budgets.on(ListTagsForResourceCommand).rejects(notFound());
    budgets.on(DescribeNotificationsForBudgetCommand).rejects(notFound());
    budgets.on(DescribeSubscribersForNotificationCommand).rejects(notFound());

    await expect(spoke().readBudget('team-a', { notifications: [actual80] })).resolves.toEqual({ exists: false });
  });

  it('fails a hinted subscriber read that fails for another reason than NotFound', async () => {
    budgets.on(DescribeBudgetCommand).resolves({ Budget: awsBudget });
    budgets.on(ListTagsForResourceCommand).resolves({ ResourceTags: [] });
    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [actual80] });
    budgets.on(DescribeSubscribersForNotificationCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

    await expect(spoke().readBudget('team-a', { notifications: [actual80] })).rejects.toMatchObject({
      name: 'BudgetsCallError',
      operation: 'DescribeSubscribersForNotification',
      awsErrorName: 'ThrottlingException',
    });
  });

  it('reads the budget, its tags from the budget ARN, and every notification with its subscribers across pages', async () => {
    budgets.on(DescribeBudgetCommand).resolves({ Budget: awsBudget });
    budgets.on(ListTagsForResourceCommand).resolves({ ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }] });
    budgets
      .on(DescribeNotificationsForBudgetCommand)
      .resolvesOnce({ Notifications: [{ ...actual80, NotificationState: 'ALARM' }], NextToken: 'page-2' })
      .resolvesOnce({ Notifications: [forecast100] });
    budgets
      .on(DescribeSubscribersForNotificationCommand, { Notification: actual80 })
      .resolvesOnce({ Subscribers: [email('a@example.com')], NextToken: 'subs-2' })
      .resolvesOnce({ Subscribers: [topic] });
    budgets
      .on(DescribeSubscribersForNotificationCommand, { Notification: forecast100 })
      .resolves({ Subscribers: [topic] });

    const current = await spoke().readBudget('team-a');

    expect(current).toEqual({
      exists: true,
      budget: {
        BudgetName: 'team-a',
        BudgetType: 'COST',
        BudgetLimit: { Amount: '250.0', Unit: 'USD' },
        TimeUnit: 'MONTHLY',
        CostFilters: { Service: ['AWS Batch'] },
        TimePeriod: awsBudget.TimePeriod,
        CostTypes: awsBudget.CostTypes,
      },
      tags: [{ Key: 'org-budgets:managed', Value: 'true' }],
      notifications: [
        { Notification: actual80, Subscribers: [email('a@example.com'), topic] },
        { Notification: forecast100, Subscribers: [topic] },
      ],
    });
    expect(budgets).toHaveReceivedCommandWith(ListTagsForResourceCommand, {
      ResourceARN: 'arn:aws-cn:budgets::111111111111:budget/team-a',
    });
    expect(budgets).toHaveReceivedNthSpecificCommandWith(2, DescribeNotificationsForBudgetCommand, {
      AccountId: ACCOUNT_ID,
      BudgetName: 'team-a',
      NextToken: 'page-2',
    });
    expect(budgets).toHaveReceivedCommandWith(DescribeSubscribersForNotificationCommand, {
      AccountId: ACCOUNT_ID,
      BudgetName: 'team-a',
      Notification: actual80,
      NextToken: 'subs-2',
    });
    expect(budgets).toHaveReceivedCommandTimes(DescribeSubscribersForNotificationCommand, 3);
  });

  it('reads a budget without tags or notifications', async () => {
    budgets.on(DescribeBudgetCommand).resolves({ Budget: { ...awsBudget, CostFilters: undefined } });
    budgets.on(ListTagsForResourceCommand).resolves({});
    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [] });

    const current = await spoke().readBudget('team-a');

    expect(current).toMatchObject({ exists: true, budget: { CostFilters: {} }, tags: [], notifications: [] });
    expect(budgets).not.toHaveReceivedCommand(DescribeSubscribersForNotificationCommand);
  });

  it('reads a budget deleted between DescribeBudget and ListTagsForResource as absent', async () => {
    budgets.on(DescribeBudgetCommand).resolves({ Budget: awsBudget });
    budgets.on(ListTagsForResourceCommand).rejects(notFound());

    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [actual80] });

    await expect(spoke().readBudget('team-a')).resolves.toEqual({ exists: false });
    expect(budgets).not.toHaveReceivedCommand(DescribeSubscribersForNotificationCommand);
  });

  it('wraps any other failure with the operation and the budget', async () => {
    budgets.on(DescribeBudgetCommand).resolves({ Budget: awsBudget });
    budgets
      .on(ListTagsForResourceCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform budgets:ListTagsForResource'));

    const error = await spoke()
      .readBudget('team-a')
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BudgetsCallError);
    expect(error).toMatchObject({
      operation: 'ListTagsForResource',
      budgetName: 'team-a',
      accountId: ACCOUNT_ID,
      awsErrorName: 'AccessDeniedException',
      awsMessage: 'not authorized to perform budgets:ListTagsForResource',
    });
  });
});

describe('listManagedBudgetNames', () => {
  const managed = { ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }] };

  it('lists every budget of the account across pages and keeps those with the managed tag', async () => {
    budgets
      .on(DescribeBudgetsCommand)
      .resolvesOnce({
        Budgets: [
          { ...awsBudget, BudgetName: 'a' },
          { ...awsBudget, BudgetName: 'hand-made' },
        ],
        NextToken: 'p2',
      })
      .resolvesOnce({
        Budgets: [
          { ...awsBudget, BudgetName: 'b' },
          { ...awsBudget, BudgetName: 'gone' },
        ],
      });
    budgets.on(ListTagsForResourceCommand).resolves(managed);
    budgets
      .on(ListTagsForResourceCommand, { ResourceARN: 'arn:aws-cn:budgets::111111111111:budget/hand-made' })
      .resolves({ ResourceTags: [{ Key: 'org-budgets:managed', Value: 'no' }] });
    budgets
      .on(ListTagsForResourceCommand, { ResourceARN: 'arn:aws-cn:budgets::111111111111:budget/gone' })
      .rejects(notFound());

    await expect(spoke().listManagedBudgetNames()).resolves.toEqual(['a', 'b']);
    expect(budgets).toHaveReceivedNthSpecificCommandWith(1, DescribeBudgetsCommand, {
      AccountId: ACCOUNT_ID,
      MaxResults: 100,
    });
    expect(budgets).toHaveReceivedNthSpecificCommandWith(2, DescribeBudgetsCommand, {
      AccountId: ACCOUNT_ID,
      MaxResults: 100,
      NextToken: 'p2',
    });
    expect(budgets).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 4);
  });

  it('lists none in an account without budgets', async () => {
    budgets.on(DescribeBudgetsCommand).resolves({});

    await expect(spoke().listManagedBudgetNames()).resolves.toEqual([]);
    expect(budgets).not.toHaveReceivedCommand(ListTagsForResourceCommand);
  });

  it('fails naming DescribeBudgets when the budgets cannot be listed', async () => {
    budgets.on(DescribeBudgetsCommand).rejects(awsError('AccessDeniedException', 'not authorized'));

    await expect(spoke().listManagedBudgetNames()).rejects.toMatchObject({
      name: 'BudgetsCallError',
      operation: 'DescribeBudgets',
      awsErrorName: 'AccessDeniedException',
    });
  });

  it('fails when the tags of a listed budget cannot be read', async () => {
    budgets.on(DescribeBudgetsCommand).resolves({ Budgets: [awsBudget] });
    budgets.on(ListTagsForResourceCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

    await expect(spoke().listManagedBudgetNames()).rejects.toMatchObject({
      operation: 'ListTagsForResource',
      budgetName: 'team-a',
    });
  });
});

describe('applyPlan', () => {
  const name = { BudgetName: 'team-a' };
  const definition = {
    BudgetName: 'team-a',
    BudgetType: 'COST' as const,
    BudgetLimit: { Amount: '300', Unit: 'USD' },
    TimeUnit: 'MONTHLY' as const,
    CostFilters: {},
  };
  const everyCall: [BudgetCall, unknown][] = [
    [
      {
        operation: 'CreateBudget',
        input: {
          Budget: definition,
          NotificationsWithSubscribers: [{ Notification: actual80, Subscribers: [topic] }],
          ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }],
        },
      },
      CreateBudgetCommand,
    ],
    [
      { operation: 'UpdateBudget', input: { NewBudget: { ...definition, CostTypes: { IncludeTax: true } } } },
      UpdateBudgetCommand,
    ],
    [{ operation: 'DeleteBudget', input: name }, DeleteBudgetCommand],
    [
      { operation: 'CreateNotification', input: { ...name, Notification: actual80, Subscribers: [topic] } },
      CreateNotificationCommand,
    ],
    [
      {
        operation: 'UpdateNotification',
        input: { ...name, OldNotification: actual80, NewNotification: { ...actual80, Threshold: 90 } },
      },
      UpdateNotificationCommand,
    ],
    [{ operation: 'DeleteNotification', input: { ...name, Notification: actual80 } }, DeleteNotificationCommand],
    [
      { operation: 'CreateSubscriber', input: { ...name, Notification: actual80, Subscriber: email('a@example.com') } },
      CreateSubscriberCommand,
    ],
    [
      {
        operation: 'UpdateSubscriber',
        input: {
          ...name,
          Notification: actual80,
          OldSubscriber: { ...topic, Address: 'arn:old' },
          NewSubscriber: topic,
        },
      },
      UpdateSubscriberCommand,
    ],
    [
      { operation: 'DeleteSubscriber', input: { ...name, Notification: actual80, Subscriber: email('a@example.com') } },
      DeleteSubscriberCommand,
    ],
  ];

  it.each(everyCall)('sends $operation with the account id and the planned input', async (budgetCall, command) => {
    budgets.onAnyCommand().resolves({});

    await spoke().applyPlan({ action: 'apply', calls: [budgetCall] });

    expect(budgets.calls()).toHaveLength(1);
    const sent = budgets.call(0).args[0];
    expect(sent).toBeInstanceOf(command as new (...args: never[]) => unknown);
    expect(sent.input).toEqual({ AccountId: ACCOUNT_ID, ...budgetCall.input });
  });

  it('sends the calls in the planned order', async () => {
    budgets.onAnyCommand().resolves({});

    await spoke().applyPlan({ action: 'apply', calls: everyCall.map(([budgetCall]) => budgetCall) });

    expect(budgets.calls().map((c) => c.args[0].constructor.name)).toEqual(
      everyCall.map(([, command]) => (command as { name: string }).name),
    );
  });

  it('stops at the first failing call and names it', async () => {
    budgets.onAnyCommand().resolves({});
    budgets.on(UpdateNotificationCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

    const error = await spoke()
      .applyPlan({ action: 'apply', calls: everyCall.slice(3).map(([budgetCall]) => budgetCall) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BudgetsCallError);
    expect((error as Error).message).toBe(
      'UpdateNotification for budget team-a in account 111111111111 failed: ThrottlingException: Rate exceeded',
    );
    expect(error).toMatchObject({
      operation: 'UpdateNotification',
      awsErrorName: 'ThrottlingException',
      awsMessage: 'Rate exceeded',
    });
    expect(budgets.calls()).toHaveLength(2);
  });

  it('does nothing for an empty plan', async () => {
    await spoke().applyPlan({ action: 'apply', calls: [] });

    expect(budgets.calls()).toHaveLength(0);
  });

  it('fails on a refusing plan without calling AWS', async () => {
    await expect(spoke().applyPlan({ action: 'refuse', reason: 'not ours' })).rejects.toThrow(BudgetPlanRefusedError);
    expect(budgets.calls()).toHaveLength(0);
  });
});

describe('readSpend', () => {
  it('reads actual and forecasted spend as numbers, with what the figure is computed for', async () => {
    budgets.on(DescribeBudgetCommand).resolves({ Budget: awsBudget });

    await expect(spoke().readSpend('team-a')).resolves.toEqual({
      actual: expect.closeTo(604.456, 9),
      forecasted: expect.closeTo(2641.548, 9),
      unit: 'USD',
      lastUpdated: new Date('2026-11-23T06:00:00Z'),
      timeUnit: 'MONTHLY',
      timePeriod: { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2087-06-15T00:00:00Z') },
      definition: {
        timeUnit: 'MONTHLY',
        timePeriodStart: '2026-11-01T00:00:00.000Z',
        costFilters: { Service: ['AWS Batch'] },
        costTypes: { IncludeTax: true, UseBlended: false },
        unit: 'USD',
      },
    });
  });

  it('reads a budget without forecast or calculated spend yet', async () => {
    budgets.on(DescribeBudgetCommand).resolves({ Budget: { ...awsBudget, CalculatedSpend: undefined } });

    await expect(spoke().readSpend('team-a')).resolves.toMatchObject({ actual: 0, forecasted: undefined, unit: 'USD' });
  });

  it('fails with BudgetNotFoundError for a missing budget', async () => {
    budgets.on(DescribeBudgetCommand).rejects(notFound());

    await expect(spoke().readSpend('team-a')).rejects.toThrow(BudgetNotFoundError);
  });

  it('wraps other DescribeBudget failures', async () => {
    budgets.on(DescribeBudgetCommand).rejects(awsError('AccessDeniedException', 'denied'));

    await expect(spoke().readSpend('team-a')).rejects.toMatchObject({
      name: 'BudgetsCallError',
      operation: 'DescribeBudget',
    });
  });
});

describe('budgetArn', () => {
  it('builds the budget ARN in the given partition', () => {
    expect(budgetArn('aws-us-gov', '222222222222', 'ops')).toBe('arn:aws-us-gov:budgets::222222222222:budget/ops');
  });
});

describe('applied revision', () => {
  it('tags the budget with the revision it was made to match', async () => {
    budgets.reset();
    const spoke = createSpokeBudgets(new BudgetsClient({}), '111111111111', 'aws');

    await spoke.recordAppliedRevision('team-a', '1234');

    expect(budgets).toHaveReceivedCommandWith(TagResourceCommand, {
      ResourceARN: 'arn:aws:budgets::111111111111:budget/team-a',
      ResourceTags: [{ Key: 'org-budgets:revision', Value: '1234' }],
    });
  });

  it('reads the applied revision from the tags, ignoring a malformed one', () => {
    const state = (value: string) => ({
      exists: true as const,
      budget: {} as never,
      notifications: [],
      tags: [{ Key: 'org-budgets:revision', Value: value }],
    });

    expect(appliedRevisionOf(state('42'))).toBe('42');
    expect(appliedRevisionOf(state('9'.repeat(38)))).toBe('9'.repeat(38));
    expect(appliedRevisionOf(state('9'.repeat(39)))).toBeUndefined();
    expect(appliedRevisionOf(state(''))).toBeUndefined();
    expect(appliedRevisionOf(state('x'))).toBeUndefined();
    expect(appliedRevisionOf({ exists: false })).toBeUndefined();
  });
});
