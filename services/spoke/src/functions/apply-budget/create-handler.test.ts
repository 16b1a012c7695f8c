import {
  BudgetsClient,
  CreateBudgetCommand,
  DeleteBudgetCommand,
  DescribeBudgetCommand,
  DescribeBudgetsCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  ListTagsForResourceCommand,
  NotFoundException,
  TagResourceCommand,
} from '@aws-sdk/client-budgets';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetParameterCommand, GetParametersByPathCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { serializeBudgetParameter } from '@org-budgets/contracts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createApplyBudgetHandler, type ParameterChangeEvent, type ScheduledEvent } from './create-handler';
import { ACCOUNT, budgetParameter, TOPIC } from './testing/fake-budgets';

const ssm = mockClient(SSMClient);
const budgets = mockClient(BudgetsClient);
const events = mockClient(EventBridgeClient);
const ledger = mockClient(DynamoDBClient);

const config = { alertTopicArn: TOPIC, partition: 'aws', statusEventBus: 'default' };
const context = {
  functionName: 'org-budgets-spoke-test-applyBudget',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:org-budgets-spoke-test-applyBudget`,
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;
const credentials = { accessKeyId: 'AKIA', secretAccessKey: 's' };

const schedule = (account = ACCOUNT): ScheduledEvent => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account,
  time: '2026-11-23T12:00:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:events:us-east-1:${account}:rule/org-budgets-test-verify-budgets`],
  detail: {},
});

const parameterChange = (name: string, account = ACCOUNT): ParameterChangeEvent => ({
  version: '0',
  id: 'e-2',
  'detail-type': 'Parameter Store Change',
  source: 'aws.ssm',
  account,
  time: '2026-11-23T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { name, operation: 'Update' },
});

const notFound = () => new NotFoundException({ message: 'no such budget', $metadata: {} });
const sentDetails = () =>
  events.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? '{}') as object);

beforeEach(() => {
  ssm.reset();
  budgets.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  budgets.on(DescribeBudgetCommand).rejects(notFound());
  // Read together with the budget: a missing budget has neither tags nor notifications.
  budgets.on(ListTagsForResourceCommand).rejects(notFound());
  budgets.on(DescribeNotificationsForBudgetCommand).rejects(notFound());
  budgets.on(DescribeSubscribersForNotificationCommand).rejects(notFound());
  budgets.on(DescribeBudgetsCommand).resolves({ Budgets: [] });
  budgets.on(CreateBudgetCommand).resolves({});
  budgets.on(DeleteBudgetCommand).resolves({});
  budgets.on(TagResourceCommand).resolves({});
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'none', $metadata: {} }));
  ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
});

describe('apply-budget handler', () => {
  it('on its schedule, lists every parameter page and every managed budget, restores and deletes, and reports', async () => {
    const x = budgetParameter('7', { budgetName: 'x', amount: 70 });
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: [], NextToken: 'page-2' })
      .resolvesOnce({ Parameters: [{ Name: '/org-budgets/budgets/x', Value: serializeBudgetParameter(x) }] });
    ssm
      .on(GetParameterCommand, { Name: '/org-budgets/budgets/x' })
      .resolves({ Parameter: { Name: '/org-budgets/budgets/x', Value: serializeBudgetParameter(x) } });
    budgets
      .on(DescribeBudgetsCommand)
      .resolves({ Budgets: [{ BudgetName: 'orphan', BudgetType: 'COST', TimeUnit: 'MONTHLY' }] });
    budgets.on(DescribeBudgetCommand, { BudgetName: 'orphan' }).resolves({
      Budget: {
        BudgetName: 'orphan',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: '5.0', Unit: 'USD' },
      },
    });
    // Missing when read, there once recreated: its spend is reported after its status.
    budgets
      .on(DescribeBudgetCommand, { BudgetName: 'x' })
      .rejectsOnce(notFound())
      .resolves({
        Budget: {
          BudgetName: 'x',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '70', Unit: 'USD' },
          CalculatedSpend: { ActualSpend: { Amount: '0', Unit: 'USD' } },
        },
      });
    budgets.on(ListTagsForResourceCommand).resolves({
      ResourceTags: [
        { Key: 'org-budgets:managed', Value: 'true' },
        { Key: 'org-budgets:revision', Value: '3' },
      ],
    });
    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [] });
    const handler = createApplyBudgetHandler(config, { credentials, now: () => new Date('2026-11-23T12:00:00Z') });

    const summary = await handler(schedule(), context);

    expect(summary).toMatchObject({ checked: 2, restored: ['x'], deleted: ['orphan'], failed: [] });
    expect(ssm).toHaveReceivedNthSpecificCommandWith(2, GetParametersByPathCommand, {
      Path: '/org-budgets/budgets',
      NextToken: 'page-2',
    });
    expect(budgets).toHaveReceivedCommandWith(DeleteBudgetCommand, { AccountId: ACCOUNT, BudgetName: 'orphan' });
    expect(budgets).toHaveReceivedCommandWith(CreateBudgetCommand, {
      Budget: expect.objectContaining({ BudgetName: 'x', BudgetLimit: { Amount: '70', Unit: 'USD' } }),
    });
    expect(sentDetails()).toEqual([
      expect.objectContaining({
        budgetName: 'orphan',
        status: 'DELETED',
        revision: '3',
        repaired: 'the managed budget (5 USD monthly) had no parameter, deleted',
      }),
      expect.objectContaining({
        budgetName: 'x',
        status: 'APPLIED',
        revision: '7',
        repaired: 'the budget was missing, recreated',
      }),
      {
        accountId: ACCOUNT,
        budgetName: 'x',
        revision: '7',
        actual: 0,
        unit: 'USD',
        readAt: '2026-11-23T12:00:00.000Z',
      },
    ]);
  });

  it('applies the budget of a Parameter Store Change event, and reports it', async () => {
    const research = budgetParameter('8');
    ssm.on(GetParameterCommand, { Name: '/org-budgets/budgets/research' }).resolves({
      Parameter: { Value: serializeBudgetParameter(research) },
    });
    const handler = createApplyBudgetHandler(config, { credentials });

    await expect(handler(parameterChange('/org-budgets/budgets/research'), context)).resolves.toMatchObject({
      result: 'applied',
      revision: '8',
    });
    expect(sentDetails()).toEqual([expect.objectContaining({ status: 'APPLIED', revision: '8' })]);
    expect(budgets).not.toHaveReceivedCommand(DescribeBudgetsCommand);
  });

  it('sends the guardian’s latest estimate with a guarded budget’s spend', async () => {
    const guarded = budgetParameter('9', { guardian: { mode: 'enforce', disableQueuesAt: 80, terminateJobsAt: 100 } });
    ssm.on(GetParameterCommand, { Name: '/org-budgets/budgets/research' }).resolves({
      Parameter: { Value: serializeBudgetParameter(guarded) },
    });
    budgets
      .on(DescribeBudgetCommand, { BudgetName: 'research' })
      .rejectsOnce(notFound())
      .resolves({
        Budget: {
          BudgetName: 'research',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '100', Unit: 'USD' },
          CalculatedSpend: { ActualSpend: { Amount: '2.5', Unit: 'USD' } },
        },
      });
    ledger.reset();
    ledger.on(QueryCommand).resolves({
      Items: [{ at: { S: '2026-11-23T11:59:00.000Z' }, estimate: { M: { total: { N: '8.41' } } } }],
    });
    const handler = createApplyBudgetHandler({ ...config, ledgerTableName: 'ledger' }, { credentials });

    await handler(parameterChange('/org-budgets/budgets/research'), context);

    expect(sentDetails()).toContainEqual(
      expect.objectContaining({ actual: 2.5, guardianEstimate: { amount: 8.41, at: '2026-11-23T11:59:00.000Z' } }),
    );
    expect(ledger).toHaveReceivedCommandWith(QueryCommand, { TableName: 'ledger' });
  });

  it('ignores a schedule or a change from another account', async () => {
    const handler = createApplyBudgetHandler(config, { credentials });

    await expect(handler(schedule('222222222222'), context)).resolves.toMatchObject({ result: 'ignored' });
    await expect(
      handler(parameterChange('/org-budgets/budgets/research', '222222222222'), context),
    ).resolves.toMatchObject({ result: 'ignored' });
    expect(ssm.calls()).toHaveLength(0);
    expect(budgets.calls()).toHaveLength(0);
  });

  it('builds its clients with timeouts and retries, Budgets with adaptive retries, and the given credentials', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    const handler = createApplyBudgetHandler(config, { credentials });

    await handler(schedule(), context);

    const clientOf = (mock: { send: { getCall(n: number): { thisValue: unknown } } }) =>
      mock.send.getCall(0).thisValue as {
        config: {
          maxAttempts: () => Promise<number>;
          retryStrategy: () => Promise<{ mode: string }>;
          requestHandler: { constructor: { name: string } };
          credentials: () => Promise<{ accessKeyId: string }>;
        };
      };
    const budgetsClient = clientOf(budgets);
    const ssmClient = clientOf(ssm);
    expect(await budgetsClient.config.maxAttempts()).toBe(4);
    expect((await budgetsClient.config.retryStrategy()).mode).toBe('adaptive');
    expect((await ssmClient.config.retryStrategy()).mode).toBe('standard');
    expect(ssmClient.config.requestHandler.constructor.name).toBe('NodeHttpHandler');
    expect((await ssmClient.config.credentials()).accessKeyId).toBe('AKIA');
  });
});
