import { CreateBudgetCommand, BudgetsClient } from '@aws-sdk/client-budgets';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createSyncStatusStore } from '@org-budgets/aws';
import { LocalPipeline } from '../support/local-pipeline';

const ALICE = '111111111111';
const BOB = '222222222222';

let pipeline: LocalPipeline;

beforeAll(async () => {
  pipeline = await LocalPipeline.start({ spokeAccounts: [ALICE, BOB], tableName: 'org-budgets-spoke-it' });
});

afterAll(async () => {
  await pipeline?.stop();
});

afterEach(() => pipeline.hub.frontDoor.clearInjections());

function budgetOf(accountId: string, budgetName: string) {
  return pipeline.hub.frontDoor.budgets().find((b) => b.accountId === accountId && b.budget.BudgetName === budgetName);
}

function deliveriesTo(target: string): number {
  return pipeline.router.deliveries.filter((d) => d.target === target && d.ok).length;
}

function notificationsOf(accountId: string, budgetName: string) {
  return (budgetOf(accountId, budgetName)?.notifications ?? [])
    .map((n) => ({
      type: n.Notification?.NotificationType,
      threshold: n.Notification?.Threshold,
      subscribers: (n.Subscribers ?? []).map((s) => `${s.SubscriptionType}:${s.Address}`).sort(),
    }))
    .sort((a, b) => `${a.type}${a.threshold}`.localeCompare(`${b.type}${b.threshold}`));
}

describe('spoke: a parameter change becomes the account’s AWS Budget', () => {
  it('applies a hub edit in the member account, with its notifications, and the item shows APPLIED', async () => {
    await pipeline.hub.putItem({
      accountId: ALICE,
      budgetName: 'research',
      amount: 1500,
      emails: ['pi@example.org'],
      alertAt: [50, 100],
      forecastAlertAt: [100],
    });

    const result = await pipeline.settle();

    expect(result.failedRecords).toEqual([]);
    const record = budgetOf(ALICE, 'research');
    expect(Number(record?.budget.BudgetLimit?.Amount)).toBe(1500);
    expect(record?.budget.TimeUnit).toBe('MONTHLY');
    expect(record?.tags).toEqual(expect.arrayContaining([{ Key: 'org-budgets:managed', Value: 'true' }]));
    const topic = pipeline.alertTopics.get(ALICE);
    expect(notificationsOf(ALICE, 'research')).toEqual([
      { type: 'ACTUAL', threshold: 100, subscribers: ['EMAIL:pi@example.org', `SNS:${topic}`] },
      { type: 'ACTUAL', threshold: 50, subscribers: ['EMAIL:pi@example.org', `SNS:${topic}`] },
      { type: 'FORECASTED', threshold: 100, subscribers: ['EMAIL:pi@example.org', `SNS:${topic}`] },
    ]);
    expect(budgetOf(BOB, 'research')).toBeUndefined();
    expect(await pipeline.hub.getSync(ALICE, 'research')).toMatchObject({
      status: 'APPLIED',
      stage: 'apply',
      message: expect.stringContaining('budget 1500 USD monthly applied'),
    });
  });

  it('changes amount, period, thresholds and subscribers on a second edit', async () => {
    await pipeline.hub.putItem({
      accountId: ALICE,
      budgetName: 'research',
      amount: 2500,
      period: 'QUARTERLY',
      emails: ['finance@example.org'],
      alertAt: [80],
      forecastAlertAt: [],
      costFilter: { tags: { project: ['genomics'] } },
    });

    await pipeline.settle();

    const record = budgetOf(ALICE, 'research');
    expect(Number(record?.budget.BudgetLimit?.Amount)).toBe(2500);
    expect(record?.budget.TimeUnit).toBe('QUARTERLY');
    expect(record?.budget.CostFilters).toEqual({ TagKeyValue: ['user:project$genomics'] });
    expect(notificationsOf(ALICE, 'research')).toEqual([
      {
        type: 'ACTUAL',
        threshold: 80,
        subscribers: ['EMAIL:finance@example.org', `SNS:${pipeline.alertTopics.get(ALICE)}`],
      },
    ]);
    expect(await pipeline.hub.getSync(ALICE, 'research')).toMatchObject({ status: 'APPLIED' });
  });

  it('ignores a parameter with an older revision than the one applied', async () => {
    const applied = await pipeline.hub.spokeParameter(ALICE, 'research');
    if (!applied?.valid) throw new Error('no applied parameter');
    const older = { ...applied.parameter, amount: 1, revision: String(BigInt(applied.parameter.revision) - 1n) };
    const ssm = new SSMClient({ credentials: await pipeline.hub.accountCredentials(ALICE) });
    const applies = deliveriesTo('applyBudget');

    await ssm.send(
      new PutParameterCommand({
        Name: '/org-budgets/budgets/research',
        Value: JSON.stringify(older),
        Type: 'String',
        Overwrite: true,
      }),
    );
    await pipeline.settle();

    expect(deliveriesTo('applyBudget')).toBe(applies + 1); // the spoke did see the change
    expect(Number(budgetOf(ALICE, 'research')?.budget.BudgetLimit?.Amount)).toBe(2500);
    expect(pipeline.router.deadLetters).toEqual([]);
    expect(await pipeline.hub.getSync(ALICE, 'research')).toMatchObject({
      status: 'APPLIED',
      revision: BigInt(applied.parameter.revision),
    });
  });

  it('deletes the budget when the item is deleted', async () => {
    await pipeline.hub.putItem({ accountId: BOB, budgetName: 'temporary', amount: 50 });
    await pipeline.settle();
    expect(budgetOf(BOB, 'temporary')).toBeDefined();

    await pipeline.hub.deleteItem(BOB, 'temporary');
    await pipeline.settle();

    expect(budgetOf(BOB, 'temporary')).toBeUndefined();
    expect(await pipeline.hub.spokeParameter(BOB, 'temporary')).toBeUndefined();
  });

  it('shows FAILED with the Budgets error on the item, then APPLIED once the spoke can apply it', async () => {
    pipeline.hub.frontDoor.setFaults([
      {
        service: 'budgets',
        operation: 'CreateBudget',
        error: {
          code: 'AccessDeniedException',
          message: 'User is not authorized to perform budgets:ModifyBudget',
          httpStatus: 400,
        },
      },
    ]);
    await pipeline.hub.putItem({ accountId: BOB, budgetName: 'denied', amount: 75 });

    await pipeline.settle();

    expect(await pipeline.hub.getSync(BOB, 'denied')).toMatchObject({
      status: 'FAILED',
      stage: 'apply',
      message: expect.stringContaining('AccessDeniedException: User is not authorized to perform budgets:ModifyBudget'),
    });
    expect(pipeline.router.deadLetters).toEqual([expect.objectContaining({ target: 'applyBudget', attempts: 3 })]);
    expect(budgetOf(BOB, 'denied')).toBeUndefined();

    pipeline.hub.frontDoor.clearInjections();
    await pipeline.hub.ddb.send(
      new (await import('@aws-sdk/client-dynamodb')).UpdateItemCommand({
        TableName: pipeline.hub.tableName,
        Key: { accountId: { S: BOB }, budgetName: { S: 'denied' } },
        UpdateExpression: 'SET #sync.#status = :pending',
        ExpressionAttributeNames: { '#sync': 'sync', '#status': 'status' },
        ExpressionAttributeValues: { ':pending': { S: 'PENDING' } },
      }),
    );
    await pipeline.settle();

    expect(await pipeline.hub.getSync(BOB, 'denied')).toMatchObject({ status: 'APPLIED' });
    expect(Number(budgetOf(BOB, 'denied')?.budget.BudgetLimit?.Amount)).toBe(75);
    pipeline.router.deadLetters.length = 0;
  });

  it('never touches a budget of the same name that org-budgets does not manage', async () => {
    const budgets = new BudgetsClient({ region: 'us-east-1', credentials: await pipeline.hub.accountCredentials(BOB) });
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: BOB,
        Budget: {
          BudgetName: 'hand-made',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '999', Unit: 'USD' },
        },
      }),
    );
    await pipeline.hub.putItem({ accountId: BOB, budgetName: 'hand-made', amount: 10 });

    await pipeline.settle();

    expect(Number(budgetOf(BOB, 'hand-made')?.budget.BudgetLimit?.Amount)).toBe(999);
    expect(await pipeline.hub.getSync(BOB, 'hand-made')).toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining('org-budgets:managed'),
    });
    await pipeline.hub.deleteItem(BOB, 'hand-made');
    await pipeline.settle();
    expect(budgetOf(BOB, 'hand-made')).toBeDefined();
  });

  it('keeps the spoke’s report when the hub’s DELIVERED for the same revision arrives late', async () => {
    await pipeline.hub.putItem({ accountId: ALICE, budgetName: 'race', amount: 5 });
    await pipeline.settle();
    const sync = await pipeline.hub.getSync(ALICE, 'race');
    const store = createSyncStatusStore(pipeline.hub.ddb, pipeline.hub.tableName);

    const late = await store.write(
      { accountId: ALICE, budgetName: 'race' },
      {
        status: 'DELIVERED',
        stage: 'deliver',
        message: 'late',
        revision: String(sync?.['revision']),
        updatedAt: new Date().toISOString(),
      },
    );
    const older = await store.write(
      { accountId: ALICE, budgetName: 'race' },
      {
        status: 'FAILED',
        stage: 'apply',
        message: 'old',
        revision: String(BigInt(String(sync?.['revision'])) - 1n),
        updatedAt: new Date().toISOString(),
      },
    );

    expect([late, older]).toEqual(['superseded', 'superseded']);
    expect(await pipeline.hub.getSync(ALICE, 'race')).toMatchObject({ status: 'APPLIED' });
  });

  it('refuses a status report one account sends about another', async () => {
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const events = new EventBridgeClient({
      region: 'us-east-1',
      credentials: await pipeline.hub.accountCredentials(BOB),
    });
    const before = await pipeline.hub.getSync(ALICE, 'race');
    const records = deliveriesTo('recordSpokeStatus');

    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'org-budgets.spoke',
            DetailType: 'Budget Apply Status',
            Detail: JSON.stringify({
              accountId: ALICE,
              budgetName: 'race',
              revision: String(BigInt(String(before?.['revision'])) + 1n),
              status: 'FAILED',
              message: 'spoofed',
              at: new Date().toISOString(),
            }),
          },
        ],
      }),
    );
    await pipeline.settle();

    expect(deliveriesTo('recordSpokeStatus')).toBe(records + 1); // the hub did get the report
    expect(await pipeline.hub.getSync(ALICE, 'race')).toEqual(before);
  });
});
