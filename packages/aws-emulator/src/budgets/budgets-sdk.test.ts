/**
 * AWS Budgets as served by the front door, through the unmodified AWS SDK v3 client: every
 * operation, every error, the account check, and fault and latency injection.
 */
import { request } from 'node:http';
import {
  AccessDeniedException,
  BudgetsClient,
  BudgetsServiceException,
  CreateBudgetCommand,
  CreateNotificationCommand,
  CreateSubscriberCommand,
  CreationLimitExceededException,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  DeleteSubscriberCommand,
  DescribeBudgetCommand,
  DescribeBudgetsCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  DuplicateRecordException,
  InvalidNextTokenException,
  InvalidParameterException,
  ListTagsForResourceCommand,
  NotFoundException,
  paginateDescribeBudgets,
  paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateBudgetCommand,
  UpdateNotificationCommand,
  UpdateSubscriberCommand,
  type Budget,
  type Notification,
  type Subscriber,
} from '@aws-sdk/client-budgets';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startFrontDoor, type FrontDoor } from '../front-door';
import { startMotoServer, type MotoServer } from '../moto-server';
import { stopAll } from '../test-support';

jest.setTimeout(60_000);

const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ACCOUNT = '123456789012';
const SPOKE = '333333333333';
const arnOf = (account: string, name: string): string => `arn:aws:budgets::${account}:budget/${name}`;

const budget = (name: string, amount = '250'): Budget => ({
  BudgetName: name,
  BudgetType: 'COST',
  TimeUnit: 'MONTHLY',
  BudgetLimit: { Amount: amount, Unit: 'USD' },
  CostFilters: { TagKeyValue: ['user:team$a'] },
});
const actual = (threshold: number): Notification => ({
  NotificationType: 'ACTUAL',
  ComparisonOperator: 'GREATER_THAN',
  Threshold: threshold,
  ThresholdType: 'PERCENTAGE',
});
const email = (address: string): Subscriber => ({ SubscriptionType: 'EMAIL', Address: address });
const topic = (account: string, name: string): Subscriber => ({
  SubscriptionType: 'SNS',
  Address: `arn:aws:sns:${region}:${account}:${name}`,
});

describe('AWS Budgets through the front door with @aws-sdk/client-budgets', () => {
  let moto: MotoServer;
  let door: FrontDoor;
  let budgets: BudgetsClient;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint, env: {} });
    // One attempt: the SDK would retry a throttled call, hiding the injected fault.
    budgets = new BudgetsClient({ endpoint: door.endpoint, region, credentials, maxAttempts: 1 });
  });

  afterAll(() =>
    stopAll(
      () => budgets?.destroy(),
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  beforeEach(() => {
    door.resetBudgets();
    door.clearInjections();
    door.clearCalls();
  });

  it('creates, describes, updates and deletes a budget', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: ACCOUNT,
        Budget: { ...budget('team-a'), TimePeriod: { Start: start } },
        NotificationsWithSubscribers: [
          { Notification: actual(80), Subscribers: [email('a@example.com'), topic(ACCOUNT, 'alerts')] },
        ],
        ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }],
      }),
    );

    const { Budget: created } = await budgets.send(
      new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'team-a' }),
    );
    expect(created).toMatchObject({
      BudgetName: 'team-a',
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: '250.0', Unit: 'USD' },
      CostFilters: { TagKeyValue: ['user:team$a'] },
      CostTypes: { IncludeTax: true, UseBlended: false },
      TimePeriod: { Start: start, End: new Date('2087-06-15T00:00:00Z') },
      CalculatedSpend: { ActualSpend: { Amount: '0', Unit: 'USD' } },
    });
    expect(created?.LastUpdatedTime).toBeInstanceOf(Date);

    door.setBudgetSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: 12.34, forecasted: '300' });
    await budgets.send(
      new UpdateBudgetCommand({
        AccountId: ACCOUNT,
        NewBudget: { ...budget('team-a', '400.5'), CostFilters: {}, TimePeriod: created?.TimePeriod },
      }),
    );
    const { Budget: updated } = await budgets.send(
      new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'team-a' }),
    );
    expect(updated).toMatchObject({
      BudgetLimit: { Amount: '400.5', Unit: 'USD' },
      CostFilters: {},
      TimePeriod: { Start: start },
      // "When you modify a budget, the calculatedSpend drops to zero until AWS has new usage data."
      CalculatedSpend: { ActualSpend: { Amount: '0' } },
    });
    expect(updated?.CalculatedSpend?.ForecastedSpend).toBeUndefined();
    // UpdateBudget leaves notifications alone.
    const { Notifications } = await budgets.send(
      new DescribeNotificationsForBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'team-a' }),
    );
    expect(Notifications).toEqual([{ ...actual(80), NotificationState: 'OK' }]);

    const { Budgets } = await budgets.send(new DescribeBudgetsCommand({ AccountId: ACCOUNT }));
    expect(Budgets?.map((b) => b.BudgetName)).toEqual(['team-a']);

    await budgets.send(new DeleteBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'team-a' }));
    await expect(
      budgets.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'team-a' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    expect(door.budgets()).toEqual([]);

    expect(door.calls().map((call) => `${call.service}:${call.operation}:${call.status ?? '?'}`)).toEqual([
      'budgets:CreateBudget:200',
      'budgets:DescribeBudget:200',
      'budgets:UpdateBudget:200',
      'budgets:DescribeBudget:200',
      'budgets:DescribeNotificationsForBudget:200',
      'budgets:DescribeBudgets:200',
      'budgets:DeleteBudget:200',
      'budgets:DescribeBudget:400',
    ]);
  });

  it('manages notifications and subscribers', async () => {
    await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('team-a') }));
    const on = { AccountId: ACCOUNT, BudgetName: 'team-a' };
    await budgets.send(
      new CreateNotificationCommand({ ...on, Notification: actual(50), Subscribers: [email('a@example.com')] }),
    );
    await budgets.send(
      new UpdateNotificationCommand({ ...on, OldNotification: actual(50), NewNotification: actual(60) }),
    );
    await budgets.send(
      new CreateSubscriberCommand({ ...on, Notification: actual(60), Subscriber: topic(ACCOUNT, 'a') }),
    );
    await budgets.send(
      new UpdateSubscriberCommand({
        ...on,
        Notification: actual(60),
        OldSubscriber: topic(ACCOUNT, 'a'),
        NewSubscriber: topic(ACCOUNT, 'b'),
      }),
    );
    const { Subscribers } = await budgets.send(
      new DescribeSubscribersForNotificationCommand({ ...on, Notification: actual(60) }),
    );
    expect(Subscribers).toEqual([email('a@example.com'), topic(ACCOUNT, 'b')]);

    await budgets.send(
      new DeleteSubscriberCommand({ ...on, Notification: actual(60), Subscriber: topic(ACCOUNT, 'b') }),
    );
    // The last subscriber takes the notification with it.
    await budgets.send(
      new DeleteSubscriberCommand({ ...on, Notification: actual(60), Subscriber: email('a@example.com') }),
    );
    expect((await budgets.send(new DescribeNotificationsForBudgetCommand(on))).Notifications).toEqual([]);

    await budgets.send(
      new CreateNotificationCommand({ ...on, Notification: actual(90), Subscribers: [email('b@example.com')] }),
    );
    await budgets.send(new DeleteNotificationCommand({ ...on, Notification: actual(90) }));
    expect(door.budgets()[0]?.notifications).toEqual([]);
  });

  it('pages with the SDK paginators', async () => {
    for (let i = 0; i < 5; i++) {
      await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget(`b${i}`) }));
    }
    const on = { AccountId: ACCOUNT, BudgetName: 'b0' };
    for (const threshold of [10, 20, 30]) {
      await budgets.send(
        new CreateNotificationCommand({
          ...on,
          Notification: actual(threshold),
          Subscribers: [email('a@example.com')],
        }),
      );
    }
    for (let i = 1; i <= 4; i++) {
      await budgets.send(
        new CreateSubscriberCommand({ ...on, Notification: actual(10), Subscriber: email(`u${i}@example.com`) }),
      );
    }

    const budgetPages: string[][] = [];
    for await (const page of paginateDescribeBudgets({ client: budgets, pageSize: 2 }, { AccountId: ACCOUNT })) {
      budgetPages.push((page.Budgets ?? []).map((b) => b.BudgetName ?? ''));
    }
    expect(budgetPages).toEqual([['b0', 'b1'], ['b2', 'b3'], ['b4']]);

    // (SDK paginators write NextToken into the input object they are given: hand them copies.)
    const thresholds: number[][] = [];
    for await (const page of paginateDescribeNotificationsForBudget({ client: budgets, pageSize: 2 }, { ...on })) {
      thresholds.push((page.Notifications ?? []).map((n) => n.Threshold ?? -1));
    }
    expect(thresholds).toEqual([[10, 20], [30]]);

    let subscribers = 0;
    let pages = 0;
    for await (const page of paginateDescribeSubscribersForNotification(
      { client: budgets, pageSize: 2 },
      { ...on, Notification: actual(10) },
    )) {
      pages++;
      subscribers += page.Subscribers?.length ?? 0;
    }
    expect({ pages, subscribers }).toEqual({ pages: 3, subscribers: 5 });

    await expect(
      budgets.send(new DescribeBudgetsCommand({ AccountId: ACCOUNT, NextToken: 'not-a-token' })),
    ).rejects.toBeInstanceOf(InvalidNextTokenException);
  });

  it('tags budgets by ARN', async () => {
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: ACCOUNT,
        Budget: budget('team-a'),
        ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }],
      }),
    );
    const ResourceARN = arnOf(ACCOUNT, 'team-a');
    await budgets.send(
      new TagResourceCommand({ ResourceARN, ResourceTags: [{ Key: 'org-budgets:revision', Value: '7' }] }),
    );
    expect((await budgets.send(new ListTagsForResourceCommand({ ResourceARN }))).ResourceTags).toEqual([
      { Key: 'org-budgets:managed', Value: 'true' },
      { Key: 'org-budgets:revision', Value: '7' },
    ]);
    await budgets.send(new UntagResourceCommand({ ResourceARN, ResourceTagKeys: ['org-budgets:managed'] }));
    expect((await budgets.send(new ListTagsForResourceCommand({ ResourceARN }))).ResourceTags).toEqual([
      { Key: 'org-budgets:revision', Value: '7' },
    ]);
    await expect(
      budgets.send(new ListTagsForResourceCommand({ ResourceARN: arnOf(ACCOUNT, 'missing') })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      budgets.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:sns:eu-west-1:123456789012:topic' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('answers each AWS error as its SDK exception', async () => {
    const on = { AccountId: ACCOUNT, BudgetName: 'team-a' };
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: ACCOUNT,
        Budget: budget('team-a'),
        NotificationsWithSubscribers: [{ Notification: actual(100), Subscribers: [email('a@example.com')] }],
      }),
    );
    const rejection = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );

    const duplicate = await rejection(
      budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('team-a') })),
    );
    expect(duplicate).toBeInstanceOf(DuplicateRecordException);
    expect(duplicate).toMatchObject({
      message: 'Error creating budget: team-a - the budget already exists.',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });

    const { BudgetLimit: _limit, ...noLimit } = budget('no-limit');
    await expect(budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: noLimit }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      budgets.send(new DeleteBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'missing' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      budgets.send(
        new CreateNotificationCommand({ ...on, Notification: actual(100), Subscribers: [email('b@example.com')] }),
      ),
    ).rejects.toBeInstanceOf(DuplicateRecordException);
    await expect(
      budgets.send(new UpdateNotificationCommand({ ...on, OldNotification: actual(1), NewNotification: actual(2) })),
    ).rejects.toBeInstanceOf(NotFoundException);

    for (let threshold = 10; threshold <= 90; threshold += 10) {
      await budgets.send(
        new CreateNotificationCommand({
          ...on,
          Notification: actual(threshold),
          Subscribers: [email('a@example.com')],
        }),
      );
    }
    await expect(
      budgets.send(
        new CreateNotificationCommand({ ...on, Notification: actual(95), Subscribers: [email('a@example.com')] }),
      ),
    ).rejects.toBeInstanceOf(CreationLimitExceededException);
    await budgets.send(
      new CreateSubscriberCommand({ ...on, Notification: actual(100), Subscriber: topic(ACCOUNT, 'a') }),
    );
    await expect(
      budgets.send(new CreateSubscriberCommand({ ...on, Notification: actual(100), Subscriber: topic(ACCOUNT, 'b') })),
    ).rejects.toBeInstanceOf(CreationLimitExceededException);
    await expect(
      budgets.send(
        new CreateSubscriberCommand({ ...on, Notification: actual(100), Subscriber: email('a@example.com') }),
      ),
    ).rejects.toBeInstanceOf(DuplicateRecordException);
    await expect(
      budgets.send(
        new UpdateSubscriberCommand({
          ...on,
          Notification: actual(100),
          OldSubscriber: email('nobody@example.com'),
          NewSubscriber: email('c@example.com'),
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      budgets.send(
        new CreateSubscriberCommand({ ...on, Notification: actual(100), Subscriber: email('not an address') }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);

    const denied = await rejection(budgets.send(new DescribeBudgetsCommand({ AccountId: SPOKE })));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect((denied as Error).message).toContain(`budgets:ViewBudget on resource: arn:aws:budgets::${SPOKE}:budget/*`);

    // Model constraints: AWS's front end answers ValidationException, not a modeled exception.
    const invalid = await rejection(
      budgets.send(new DescribeBudgetCommand({ AccountId: '12345', BudgetName: 'team-a' })),
    );
    expect(invalid).toBeInstanceOf(BudgetsServiceException);
    expect(invalid).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("Value '12345' at 'accountId' failed to satisfy constraint"),
    });
    const tooManyEmails = Array.from({ length: 12 }, (_, i) => email(`u${i}@example.com`));
    await expect(
      budgets.send(new CreateNotificationCommand({ ...on, Notification: actual(5), Subscribers: tooManyEmails })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('acts in the account of assumed-role credentials and nowhere else', async () => {
    const sts = new STSClient({ endpoint: door.endpoint, region, credentials, maxAttempts: 1 });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${SPOKE}:role/org-budgets-spoke`, RoleSessionName: 'spoke' }),
    );
    sts.destroy();
    const spoke = new BudgetsClient({
      endpoint: door.endpoint,
      region,
      maxAttempts: 1,
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
    try {
      await spoke.send(new CreateBudgetCommand({ AccountId: SPOKE, Budget: budget('spoke-budget') }));
      await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('spoke-budget') }));
      await expect(
        spoke.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'spoke-budget' })),
      ).rejects.toBeInstanceOf(AccessDeniedException);
      await expect(
        budgets.send(new TagResourceCommand({ ResourceARN: arnOf(SPOKE, 'spoke-budget'), ResourceTags: [] })),
      ).rejects.toBeInstanceOf(AccessDeniedException);
      expect(door.budgets().map((record) => [record.accountId, record.budget.BudgetName])).toEqual([
        [ACCOUNT, 'spoke-budget'],
        [SPOKE, 'spoke-budget'],
      ]);
      const spokeCall = door.calls().find((call) => call.operation === 'CreateBudget' && call.accountId === SPOKE);
      expect(spokeCall).toMatchObject({ service: 'budgets', status: 200 });
    } finally {
      spoke.destroy();
    }
  });

  it('injects faults and latency into budgets calls as into forwarded ones', async () => {
    await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('team-a') }));
    door.setFaults([
      {
        service: 'budgets',
        operation: 'UpdateBudget',
        error: { code: 'ThrottlingException', message: 'Rate exceeded', httpStatus: 400 },
        times: 1,
      },
    ]);
    door.setLatency([{ service: 'budgets', operation: 'DescribeBudget', delayMs: 150 }]);

    await expect(
      budgets.send(new UpdateBudgetCommand({ AccountId: ACCOUNT, NewBudget: budget('team-a', '999') })),
    ).rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    const started = Date.now();
    const { Budget: unchanged } = await budgets.send(
      new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'team-a' }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(unchanged?.BudgetLimit?.Amount).toBe('250.0');

    await budgets.send(new UpdateBudgetCommand({ AccountId: ACCOUNT, NewBudget: budget('team-a', '999') }));
    expect(door.budgets()[0]?.budget.BudgetLimit?.Amount).toBe('999.0');
    expect(
      door
        .calls()
        .filter((call) => call.operation !== 'CreateBudget')
        .map((call) => [call.operation, call.fault, call.delayedMs >= 150]),
    ).toEqual([
      ['UpdateBudget', 'ThrottlingException', false],
      ['DescribeBudget', undefined, true],
      ['UpdateBudget', undefined, false],
    ]);
  });

  it('never forwards budgets calls to moto', async () => {
    await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('only-in-the-door') }));
    const direct = new BudgetsClient({ endpoint: moto.endpoint, region, credentials, maxAttempts: 1 });
    try {
      const { Budgets } = await direct.send(new DescribeBudgetsCommand({ AccountId: ACCOUNT }));
      expect(Budgets ?? []).toEqual([]);
    } finally {
      direct.destroy();
    }
  });

  it('has control routes to set spend, read and reset the budgets', async () => {
    await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('team-a') }));
    const spend = await sendJson(door.endpoint, 'POST', '/_front-door/budgets/spend', {
      accountId: ACCOUNT,
      budgetName: 'team-a',
      actual: '120.5',
      forecasted: 260,
    });
    expect(spend.status).toBe(200);
    expect(spend.body).toMatchObject({
      budget: {
        BudgetName: 'team-a',
        CalculatedSpend: { ActualSpend: { Amount: '120.5', Unit: 'USD' }, ForecastedSpend: { Amount: '260' } },
      },
    });
    const { Budget } = await budgets.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'team-a' }));
    expect(Budget?.CalculatedSpend?.ActualSpend?.Amount).toBe('120.5');

    expect(
      await sendJson(door.endpoint, 'POST', '/_front-door/budgets/spend', {
        accountId: ACCOUNT,
        budgetName: 'missing',
        actual: 1,
      }),
    ).toMatchObject({ status: 404, body: { __type: 'NotFoundException' } });
    expect(
      await sendJson(door.endpoint, 'POST', '/_front-door/budgets/spend', {
        accountId: '1',
        budgetName: 'x',
        actual: 1,
      }),
    ).toEqual({ status: 400, body: { message: 'budget spend: accountId must be a 12-digit string' } });
    expect(
      await sendJson(door.endpoint, 'POST', '/_front-door/budgets/spend', {
        accountId: ACCOUNT,
        budgetName: 'team-a',
        actual: 'lots',
      }),
    ).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('actual must be a non-negative decimal') },
    });

    const listed = await sendJson(door.endpoint, 'GET', '/_front-door/budgets');
    expect(listed.body).toEqual({ budgets: door.budgets() });
    expect(await sendJson(door.endpoint, 'DELETE', '/_front-door/budgets')).toEqual({
      status: 200,
      body: { budgets: 0 },
    });
    expect(door.budgets()).toEqual([]);
    let missing: unknown;
    try {
      door.setBudgetSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: 1 });
    } catch (error) {
      missing = error;
    }
    expect(missing).toMatchObject({ code: 'NotFoundException' });
  });
});

function sendJson(
  endpoint: string,
  method: string,
  path: string,
  value?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${endpoint}${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(value === undefined ? undefined : JSON.stringify(value));
  });
}
