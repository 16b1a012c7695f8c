import {
  BudgetsClient,
  CreateBudgetCommand,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  TagResourceCommand,
  UpdateBudgetCommand,
} from '@aws-sdk/client-budgets';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createSyncStatusStore } from '@org-budgets/aws';
import type { BusEvent } from '@org-budgets/local-lambda';
import type { Context } from 'aws-lambda';
import {
  createApplyBudgetHandler,
  type ScheduledEvent,
} from '../../services/spoke/src/functions/apply-budget/create-handler';
import { MANAGEMENT_ACCOUNT_ID } from '../support/hub-sandbox';
import { LocalPipeline, STATUS_BUS } from '../support/local-pipeline';

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

  it('plans against the budget as it is: a forged revision tag does not lock it, the next edit still applies', async () => {
    const budgets = new BudgetsClient({
      region: 'us-east-1',
      credentials: await pipeline.hub.accountCredentials(ALICE),
    });
    await budgets.send(
      new TagResourceCommand({
        ResourceARN: `arn:aws:budgets::${ALICE}:budget/research`,
        ResourceTags: [{ Key: 'org-budgets:revision', Value: '9'.repeat(38) }],
      }),
    );

    await pipeline.hub.putItem({ accountId: ALICE, budgetName: 'research', amount: 2600, period: 'QUARTERLY' });
    await pipeline.settle();

    const record = budgetOf(ALICE, 'research');
    const sync = await pipeline.hub.getSync(ALICE, 'research');
    expect(Number(record?.budget.BudgetLimit?.Amount)).toBe(2600);
    expect(sync).toMatchObject({ status: 'APPLIED', message: expect.stringContaining('2600 USD quarterly applied') });
    expect(record?.tags).toContainEqual({ Key: 'org-budgets:revision', Value: String(sync?.['revision']) });
    expect(pipeline.router.deadLetters).toEqual([]);
  });

  it('applies a parameter rewritten in the member account as it finds it, but the hub keeps its own revision and restores it', async () => {
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

    expect(deliveriesTo('applyBudget')).toBe(applies + 1);
    // The spoke cannot tell who wrote its parameter: it applies it, and reports it at that revision…
    expect(Number(budgetOf(ALICE, 'research')?.budget.BudgetLimit?.Amount)).toBe(1);
    // …which the hub never delivered: the item keeps its own revision's status.
    expect(await pipeline.hub.getSync(ALICE, 'research')).toMatchObject({
      status: 'APPLIED',
      revision: BigInt(applied.parameter.revision),
    });

    await pipeline.hub.reconcile();
    await pipeline.settle();

    // The reconciler redelivers the item (a new revision); the spoke applies it and the item shows it.
    const restored = await pipeline.hub.spokeParameter(ALICE, 'research');
    if (!restored?.valid) throw new Error('no restored parameter');
    expect(restored.parameter.amount).toBe(2600);
    expect(BigInt(restored.parameter.revision)).toBeGreaterThan(BigInt(applied.parameter.revision));
    expect(Number(budgetOf(ALICE, 'research')?.budget.BudgetLimit?.Amount)).toBe(2600);
    expect(await pipeline.hub.getSync(ALICE, 'research')).toMatchObject({
      status: 'APPLIED',
      revision: BigInt(restored.parameter.revision),
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

  it('holds a report that arrives before the hub records its delivery, and writes it with that record', async () => {
    await pipeline.hub.putItem({ accountId: ALICE, budgetName: 'early', amount: 5 });
    await pipeline.settle();
    const key = { accountId: ALICE, budgetName: 'early' };
    const store = createSyncStatusStore(pipeline.hub.ddb, pipeline.hub.tableName);
    const now = new Date().toISOString();
    const current = String((await pipeline.hub.getSync(ALICE, 'early'))?.['revision']);
    const next = String(BigInt(current) + 1n);
    const report = { status: 'APPLIED', stage: 'apply', message: 'early', revision: next, updatedAt: now } as const;

    // The spoke's report of the next revision, before the hub wrote `delivered`: not written, held.
    expect(await store.write(key, report, { onlyIfDelivered: true })).toBe('superseded');
    expect(await store.holdEarlyReport(key, report)).toBe('written');
    // A stale report (the revision the item already has from the spoke) is not held.
    expect(await store.holdEarlyReport(key, { ...report, revision: current })).toBe('superseded');
    expect(await pipeline.hub.getSync(ALICE, 'early')).toMatchObject({ status: 'APPLIED', revision: BigInt(current) });

    const recorded = await store.recordDelivery(
      key,
      { revision: next, digest: 'd', at: now },
      { status: 'DELIVERED', stage: 'deliver', message: 'delivered', revision: next, updatedAt: now },
    );
    expect(recorded).toEqual({ result: 'written', heldReport: report });
    expect(await store.write(key, report, { onlyIfDelivered: true })).toBe('written');
    expect(await pipeline.hub.getSync(ALICE, 'early')).toMatchObject({
      status: 'APPLIED',
      message: 'early',
      revision: BigInt(next),
    });
    // The delivery took the held report off the item; once delivered, nothing is held any more.
    const item = await pipeline.hub.ddb.send(
      new GetItemCommand({
        TableName: pipeline.hub.tableName,
        Key: { accountId: { S: ALICE }, budgetName: { S: 'early' } },
      }),
    );
    expect(item.Item?.['earlyReport']).toBeUndefined();
    expect(await store.holdEarlyReport(key, report)).toBe('superseded');
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

describe('spoke: the hourly verification of the managed budgets', () => {
  /** Status events as the hub's status bus receives them. */
  const received: BusEvent[] = [];

  beforeAll(() => {
    pipeline.router.addRule({
      name: 'test-capture-status',
      account: MANAGEMENT_ACCOUNT_ID,
      region: pipeline.hub.region,
      busName: STATUS_BUS,
      pattern: { source: ['org-budgets.spoke'] },
      targets: [{ kind: 'function', id: 'capture', invoke: async (event) => void received.push(event) }],
    });
  });

  /** Fires the spoke's VerifyBudgetsSchedule in an account, as EventBridge would, and lets the reports arrive. */
  async function verifyNow(accountId: string) {
    const handler = createApplyBudgetHandler(
      { alertTopicArn: pipeline.alertTopics.get(accountId) ?? '', partition: 'aws', statusEventBus: 'default' },
      { credentials: await pipeline.hub.accountCredentials(accountId) },
    );
    const event: ScheduledEvent = {
      version: '0',
      id: `verify-${Date.now()}`,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: accountId,
      time: new Date().toISOString(),
      region: pipeline.hub.region,
      resources: [`arn:aws:events:${pipeline.hub.region}:${accountId}:rule/org-budgets-local-verify-budgets`],
      detail: {},
    };
    const context = {
      functionName: 'org-budgets-spoke-local-applyBudget',
      invokedFunctionArn: `arn:aws:lambda:${pipeline.hub.region}:${accountId}:function:org-budgets-spoke-local-applyBudget`,
      awsRequestId: 'verify',
      getRemainingTimeInMillis: () => 300_000,
    } as unknown as Context;
    const summary = await handler(event, context);
    await pipeline.settle();
    return summary;
  }

  const reports = () =>
    received.map((e) => {
      const detail = e.detail as { budgetName: string; status: string; repaired?: string };
      return { account: e.account, budgetName: detail.budgetName, status: detail.status, repaired: detail.repaired };
    });

  it('restores budgets changed or deleted by hand, deletes managed ones without parameter, leaves the others alone', async () => {
    await pipeline.hub.putItem({
      accountId: ALICE,
      budgetName: 'edited',
      amount: 1000,
      alertAt: [80],
      forecastAlertAt: [100],
    });
    await pipeline.hub.putItem({ accountId: ALICE, budgetName: 'removed', amount: 200 });
    await pipeline.settle();
    const budgets = new BudgetsClient({
      region: 'us-east-1',
      credentials: await pipeline.hub.accountCredentials(ALICE),
    });
    // People in the member account change one budget, delete another, and make two of their own,
    // one of them tagged as if org-budgets managed it.
    await budgets.send(
      new UpdateBudgetCommand({
        AccountId: ALICE,
        NewBudget: {
          BudgetName: 'edited',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '999', Unit: 'USD' },
        },
      }),
    );
    await budgets.send(
      new DeleteNotificationCommand({
        AccountId: ALICE,
        BudgetName: 'edited',
        Notification: {
          NotificationType: 'FORECASTED',
          ComparisonOperator: 'GREATER_THAN',
          Threshold: 100,
          ThresholdType: 'PERCENTAGE',
        },
      }),
    );
    await budgets.send(new DeleteBudgetCommand({ AccountId: ALICE, BudgetName: 'removed' }));
    const handMade = (name: string, amount: string, managed: boolean) =>
      new CreateBudgetCommand({
        AccountId: ALICE,
        Budget: {
          BudgetName: name,
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: amount, Unit: 'USD' },
        },
        ...(managed ? { ResourceTags: [{ Key: 'org-budgets:managed', Value: 'true' }] } : {}),
      });
    await budgets.send(handMade('orphan', '5', true));
    await budgets.send(handMade('team-own', '7', false));
    const editedRevision = String((await pipeline.hub.getSync(ALICE, 'edited'))?.['revision']);
    received.length = 0;

    const summary = await verifyNow(ALICE);

    expect(summary).toMatchObject({ restored: ['edited', 'removed'], deleted: ['orphan'], failed: [] });
    expect(Number(budgetOf(ALICE, 'edited')?.budget.BudgetLimit?.Amount)).toBe(1000);
    const topic = pipeline.alertTopics.get(ALICE);
    expect(notificationsOf(ALICE, 'edited')).toEqual([
      { type: 'ACTUAL', threshold: 80, subscribers: [`SNS:${topic}`] },
      { type: 'FORECASTED', threshold: 100, subscribers: [`SNS:${topic}`] },
    ]);
    expect(Number(budgetOf(ALICE, 'removed')?.budget.BudgetLimit?.Amount)).toBe(200);
    expect(budgetOf(ALICE, 'orphan')).toBeUndefined();
    expect(Number(budgetOf(ALICE, 'team-own')?.budget.BudgetLimit?.Amount)).toBe(7);
    // Only what was repaired is reported; the budgets in sync (research, race) are not.
    expect(reports()).toEqual([
      {
        account: ALICE,
        budgetName: 'edited',
        status: 'APPLIED',
        repaired: 'amount was 999, restored to 1000; notification FORECASTED 100% was missing',
      },
      {
        account: ALICE,
        budgetName: 'orphan',
        status: 'DELETED',
        repaired: 'the managed budget (5 USD monthly) had no parameter, deleted',
      },
      { account: ALICE, budgetName: 'removed', status: 'APPLIED', repaired: 'the budget was missing, recreated' },
    ]);
    expect(await pipeline.hub.getSync(ALICE, 'edited')).toMatchObject({
      status: 'APPLIED',
      revision: BigInt(editedRevision),
      message: expect.stringContaining('restored'),
    });
    expect(pipeline.router.deadLetters).toEqual([]);
  });

  it('reports nothing when every budget matches its parameter', async () => {
    received.length = 0;

    const summary = await verifyNow(ALICE);

    expect(summary).toMatchObject({ restored: [], deleted: [], reportedFailed: [], failed: [] });
    expect(received).toEqual([]);
    expect(Number(budgetOf(ALICE, 'team-own')?.budget.BudgetLimit?.Amount)).toBe(7);
  });
});
