/**
 * The project's own Budgets adapter and reconciliation planner (@org-budgets/budgets) against the
 * emulation: a plan applied once must leave nothing to do, through creation, changes of amount,
 * thresholds and subscribers, spend reading and deletion.
 */
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { createSpokeBudgets, type SpokeBudgets } from '@org-budgets/aws';
import { appliedRevisionOf, desiredBudget, planBudgetDeletion, planBudgetReconciliation } from '@org-budgets/budgets';
import { toBudgetParameter, validateBudgetItem, type BudgetItemInput } from '@org-budgets/contracts';
import { startFrontDoor, startMotoServer, type FrontDoor, type MotoServer } from '@org-budgets/aws-emulator';
import { stopAll } from '@org-budgets/aws-emulator/testing';

jest.setTimeout(60_000);

const ACCOUNT = '123456789012';
const ALERT_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:org-budgets-alerts`;

function desired(input: Partial<BudgetItemInput>, revision: string) {
  const result = validateBudgetItem({ accountId: ACCOUNT, budgetName: 'team-a', amount: 250, ...input });
  if (!result.valid) throw new Error(result.message);
  return desiredBudget(toBudgetParameter(result.item, revision, new Date('2026-11-23T10:00:00Z')), {
    alertTopicArn: ALERT_TOPIC,
  });
}

describe('@org-budgets/budgets adapter on the emulated Budgets', () => {
  let moto: MotoServer;
  let door: FrontDoor;
  let client: BudgetsClient;
  let spoke: SpokeBudgets;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint, env: {} });
    client = new BudgetsClient({
      endpoint: door.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    spoke = createSpokeBudgets(client, ACCOUNT, 'aws');
  });

  afterAll(() =>
    stopAll(
      () => client?.destroy(),
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  /**
   * Applies the plan for `wanted`, then checks that the next plan has nothing left to do. The first
   * read is told which notifications to expect (as apply-budget reads: their subscribers at once,
   * NotFound for those the budget lacks), the second is not.
   */
  async function converge(wanted: ReturnType<typeof desired>): Promise<string[]> {
    const hints = { notifications: wanted.notifications.map((entry) => entry.Notification) };
    const plan = planBudgetReconciliation(wanted, await spoke.readBudget('team-a', hints));
    if (plan.action !== 'apply') throw new Error(plan.reason);
    await spoke.applyPlan(plan);
    const again = planBudgetReconciliation(wanted, await spoke.readBudget('team-a'));
    expect(again).toEqual({ action: 'apply', calls: [] });
    return plan.calls.map((call) => call.operation);
  }

  it('converges through creation, changes and deletion', async () => {
    expect(await converge(desired({ emails: ['a@example.com'] }, '1'))).toEqual(['CreateBudget']);
    await spoke.recordAppliedRevision('team-a', '1');
    const created = await spoke.readBudget('team-a');
    expect(appliedRevisionOf(created)).toBe('1');
    expect(created.exists && created.notifications).toHaveLength(4);

    // Amount, thresholds and subscribers change at once.
    const operations = await converge(
      desired({ amount: 300, emails: ['b@example.com', 'c@example.com'], alertAt: [60, 80], forecastAlertAt: [] }, '2'),
    );
    expect(operations).toContain('UpdateBudget');
    expect(operations).toContain('DeleteNotification');
    expect(operations).toContain('UpdateNotification');
    expect(operations).toContain('CreateSubscriber');
    expect(operations).toContain('DeleteSubscriber');
    const [record] = door.budgets();
    expect(record?.budget.BudgetLimit).toEqual({ Amount: '300.0', Unit: 'USD' });
    expect(
      record?.notifications.map((n) => [n.Notification.Threshold, n.Subscribers.map((s) => s.Address).sort()]),
    ).toEqual([
      [60, [ALERT_TOPIC, 'b@example.com', 'c@example.com']],
      [80, [ALERT_TOPIC, 'b@example.com', 'c@example.com']],
    ]);

    door.setBudgetSpend({ accountId: ACCOUNT, budgetName: 'team-a', actual: '123.45', forecasted: 310 });
    const spend = await spoke.readSpend('team-a');
    expect(spend).toMatchObject({ actual: 123.45, forecasted: 310, unit: 'USD' });
    expect(spend.lastUpdated).toBeInstanceOf(Date);

    const deletion = planBudgetDeletion(await spoke.readBudget('team-a'));
    await spoke.applyPlan(deletion);
    expect(await spoke.readBudget('team-a')).toEqual({ exists: false });
  });

  it('refuses to touch a budget without the managed tag', async () => {
    await converge(desired({}, '1'));
    door.resetBudgets();
    await spoke.applyPlan({
      action: 'apply',
      calls: [
        {
          operation: 'CreateBudget',
          input: { Budget: desired({}, '1').budget, NotificationsWithSubscribers: [], ResourceTags: [] },
        },
      ],
    });
    expect(planBudgetReconciliation(desired({}, '2'), await spoke.readBudget('team-a'))).toMatchObject({
      action: 'refuse',
    });
  });
});
