import type { CurrentBudgetParameter } from '@org-budgets/aws';
import type { SpokeStatusDetail } from '@org-budgets/contracts';
import { BudgetVerificationError } from './errors';
import { verifyBudgets, type VerifyBudgetsDeps } from './verify-budgets';
import { ACCOUNT, budgetParameter, FakeBudgets, stored, TOPIC, unreadable } from './testing/fake-budgets';

const MANAGED = { Key: 'org-budgets:managed', Value: 'true' };
const revisionTag = (revision: string) => ({ Key: 'org-budgets:revision', Value: revision });

function setup(parameters: Record<string, CurrentBudgetParameter>, budgets = new FakeBudgets()) {
  const statuses: SpokeStatusDetail[] = [];
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown>) =>
    logs.push({ level, message, fields });
  const deps: VerifyBudgetsDeps = {
    accountId: ACCOUNT,
    alertTopicArn: TOPIC,
    readParameter: async (name) => parameters[name] ?? { exists: false },
    listParameterNames: async () => Object.keys(parameters),
    budgets,
    sendStatus: async (detail) => {
      statuses.push(detail);
    },
    now: () => new Date('2026-11-23T12:00:00Z'),
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  };
  return { deps, statuses, budgets, world: budgets.world, logs };
}

describe('verifyBudgets', () => {
  it('reports nothing for budgets that match their parameters, whatever their revision tag', async () => {
    const research = budgetParameter('10', { budgetName: 'research', emails: ['pi@example.org'] });
    const ops = budgetParameter('11', { budgetName: 'ops', amount: 40 });
    const { deps, statuses, budgets, world, logs } = setup({ research: stored(research), ops: stored(ops) });
    world.seed(research, [MANAGED, revisionTag('10')]);
    world.seed(ops, [MANAGED, revisionTag('999')]);

    const summary = await verifyBudgets(deps);

    expect(summary).toEqual({
      checked: 2,
      inSync: 2,
      leftAlone: 0,
      restored: [],
      deleted: [],
      reportedFailed: [],
      failed: [],
    });
    expect(budgets.plans).toEqual([]);
    expect(statuses).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'budget verification finished',
        fields: expect.objectContaining({ checked: 2 }),
      }),
    );
  });

  it('restores a budget changed by hand and reports APPLIED with what it found', async () => {
    const parameter = budgetParameter('12', { amount: 1000, alertAt: [80], forecastAlertAt: [100] });
    const { deps, statuses, world } = setup({ research: stored(parameter) });
    const budget = world.seed(parameter, [MANAGED, revisionTag('12')]);
    budget.budget.BudgetLimit = { Amount: '999.0', Unit: 'USD' };
    budget.notifications = budget.notifications.filter((n) => n.Notification.NotificationType !== 'FORECASTED');
    budget.notifications[0]?.Subscribers.push({ SubscriptionType: 'EMAIL', Address: 'intruder@example.org' });

    const summary = await verifyBudgets(deps);

    expect(summary).toMatchObject({ checked: 1, inSync: 0, restored: ['research'] });
    expect(world.amountOf('research')).toBe('1000');
    expect(world.get('research').notifications).toHaveLength(2);
    expect(statuses).toEqual([
      expect.objectContaining({
        budgetName: 'research',
        revision: '12',
        status: 'APPLIED',
        repaired:
          'amount was 999, restored to 1000; notification FORECASTED 100% was missing; ' +
          'email intruder@example.org on ACTUAL 80% was not in the parameter, removed',
        message: expect.stringContaining('budget 1000 USD monthly applied (restored'),
      }),
    ]);
  });

  it('recreates a managed budget deleted by hand', async () => {
    const parameter = budgetParameter('13');
    const { deps, statuses, world } = setup({ research: stored(parameter) });

    const summary = await verifyBudgets(deps);

    expect(summary.restored).toEqual(['research']);
    expect(world.amountOf('research')).toBe('100');
    expect(statuses).toEqual([
      expect.objectContaining({ status: 'APPLIED', revision: '13', repaired: 'the budget was missing, recreated' }),
    ]);
  });

  it('deletes a managed budget without a parameter and reports DELETED with repaired', async () => {
    const { deps, statuses, world } = setup({});
    world.seed(budgetParameter('14', { budgetName: 'orphan', amount: 75 }), [MANAGED, revisionTag('14')]);

    const summary = await verifyBudgets(deps);

    expect(summary).toMatchObject({ checked: 1, deleted: ['orphan'] });
    expect(world.budgets.has('orphan')).toBe(false);
    expect(statuses).toEqual([
      expect.objectContaining({
        budgetName: 'orphan',
        status: 'DELETED',
        revision: '14',
        repaired: 'the managed budget (75 USD monthly) had no parameter, deleted',
      }),
    ]);
  });

  it('never looks at a budget without the managed tag and without a parameter', async () => {
    const { deps, statuses, budgets, world } = setup({});
    world.seed(budgetParameter('1', { budgetName: 'hand-made', amount: 5 }), []);

    const summary = await verifyBudgets(deps);

    expect(summary.checked).toBe(0);
    expect(budgets.reads).toEqual([]);
    expect(world.amountOf('hand-made')).toBe('5');
    expect(statuses).toEqual([]);
  });

  it('reports FAILED, and changes nothing, for a budget whose managed tag was removed by hand', async () => {
    const parameter = budgetParameter('15', { amount: 100 });
    const { deps, statuses, budgets, world } = setup({ research: stored(parameter) });
    world.seed(budgetParameter('15', { amount: 5 }), [revisionTag('15')]);

    const summary = await verifyBudgets(deps);

    expect(summary.reportedFailed).toEqual(['research']);
    expect(budgets.plans).toEqual([]);
    expect(world.amountOf('research')).toBe('5');
    expect(statuses).toEqual([
      expect.objectContaining({ status: 'FAILED', revision: '15', message: expect.stringContaining('not managed') }),
    ]);
  });

  it('reports an unreadable parameter as FAILED and leaves its budget alone', async () => {
    const { deps, statuses, budgets, world } = setup({ research: unreadable('amount: must be > 0', '16') });
    world.seed(budgetParameter('15'), [MANAGED, revisionTag('15')]);

    const summary = await verifyBudgets(deps);

    expect(summary.reportedFailed).toEqual(['research']);
    expect(budgets.plans).toEqual([]);
    expect(world.budgets.has('research')).toBe(true);
    expect(statuses).toEqual([expect.objectContaining({ status: 'FAILED', revision: '16' })]);
  });

  it('goes on after a budget fails, then fails the run naming it', async () => {
    const a = budgetParameter('20', { budgetName: 'a', amount: 10 });
    const b = budgetParameter('21', { budgetName: 'b', amount: 20 });
    const c = budgetParameter('22', { budgetName: 'c', amount: 30 });
    const budgets = new FakeBudgets();
    budgets.failing.set('b', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { deps, statuses, world, logs } = setup({ a: stored(a), b: stored(b), c: stored(c) }, budgets);

    const error = await verifyBudgets(deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BudgetVerificationError);
    expect((error as Error).message).toBe(
      'budget verification failed for 1 of 3 budget(s): b: ThrottlingException: Rate exceeded',
    );
    expect((error as BudgetVerificationError).summary).toMatchObject({
      restored: ['a', 'c'],
      failed: [{ budgetName: 'b' }],
    });
    expect(world.amountOf('a')).toBe('10');
    expect(world.amountOf('c')).toBe('30');
    expect(statuses.map((s) => [s.budgetName, s.status])).toEqual([
      ['a', 'APPLIED'],
      ['b', 'FAILED'],
      ['c', 'APPLIED'],
    ]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'budget verification finished with failures' }),
    );
  });

  it('starts no budget when too little time is left, and fails the run naming those it did not check', async () => {
    const { deps, statuses } = setup({ a: stored(budgetParameter('1', { budgetName: 'a' })) });
    deps.remainingMs = () => 5_000;

    const error = await verifyBudgets(deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BudgetVerificationError);
    expect((error as BudgetVerificationError).summary.failed).toEqual([
      { budgetName: 'a', error: 'not checked: the run ran out of time' },
    ]);
    expect(statuses).toEqual([]);
  });

  it('fails at once when the budgets cannot be listed', async () => {
    const { deps } = setup({});
    deps.listParameterNames = () => Promise.reject(new Error('AccessDeniedException: ssm:GetParametersByPath'));

    await expect(verifyBudgets(deps)).rejects.toThrow('ssm:GetParametersByPath');
  });
});
