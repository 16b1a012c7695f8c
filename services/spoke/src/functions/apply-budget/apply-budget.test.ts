import type { CurrentBudgetParameter } from '@org-budgets/aws';
import type { BudgetPlan, CurrentBudgetState, SpokeBudgets } from '@org-budgets/budgets';
import { toBudgetParameter, validateBudgetItem, type SpokeStatusDetail } from '@org-budgets/contracts';
import { applyBudget, type ApplyBudgetDeps } from './apply-budget';

const ACCOUNT = '111111111111';
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:org-budgets-test-budget-alerts';

function parameter(revision: string, overrides: Record<string, unknown> = {}): CurrentBudgetParameter {
  const result = validateBudgetItem({ accountId: ACCOUNT, budgetName: 'research', amount: 100, ...overrides });
  if (!result.valid) throw new Error(result.message);
  return {
    exists: true,
    valid: true,
    parameter: toBudgetParameter(result.item, revision, new Date('2026-11-23T00:00:00Z')),
  };
}

function managedBudget(revision?: string, managed = true): CurrentBudgetState {
  return {
    exists: true,
    budget: {
      BudgetName: 'research',
      BudgetType: 'COST',
      BudgetLimit: { Amount: '100', Unit: 'USD' },
      TimeUnit: 'MONTHLY',
      CostFilters: {},
    },
    tags: [
      ...(managed ? [{ Key: 'org-budgets:managed', Value: 'true' }] : []),
      ...(revision ? [{ Key: 'org-budgets:revision', Value: revision }] : []),
    ],
    notifications: [],
  };
}

class FakeBudgets implements SpokeBudgets {
  readonly plans: BudgetPlan[] = [];
  readonly revisions: string[] = [];
  failWith: Error | undefined;
  constructor(public state: CurrentBudgetState = { exists: false }) {}
  async readBudget() {
    return this.state;
  }
  async applyPlan(plan: BudgetPlan) {
    if (this.failWith) throw this.failWith;
    this.plans.push(plan);
  }
  async readSpend(): Promise<never> {
    throw new Error('not used');
  }
  async recordAppliedRevision(_name: string, revision: string) {
    this.revisions.push(revision);
  }
}

function setup(current: CurrentBudgetParameter, budgets = new FakeBudgets()) {
  const statuses: SpokeStatusDetail[] = [];
  const deps: ApplyBudgetDeps = {
    accountId: ACCOUNT,
    alertTopicArn: TOPIC,
    readParameter: async () => current,
    budgets,
    sendStatus: async (detail) => {
      statuses.push(detail);
    },
    now: () => new Date('2026-11-23T12:00:00Z'),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { deps, statuses, budgets };
}

describe('applyBudget', () => {
  it('creates a missing budget tagged with the revision and reports APPLIED', async () => {
    const { deps, statuses, budgets } = setup(parameter('10', { emails: ['pi@example.org'] }));

    const outcome = await applyBudget('research', deps);

    expect(outcome).toMatchObject({ result: 'applied', revision: '10' });
    const plan = budgets.plans[0];
    expect(plan?.action === 'apply' && plan.calls.map((c) => c.operation)).toEqual(['CreateBudget']);
    const create = plan?.action === 'apply' ? plan.calls[0] : undefined;
    expect(create?.operation === 'CreateBudget' && create.input.ResourceTags).toEqual(
      expect.arrayContaining([
        { Key: 'org-budgets:managed', Value: 'true' },
        { Key: 'org-budgets:revision', Value: '10' },
      ]),
    );
    expect(budgets.revisions).toEqual(['10']);
    expect(statuses).toEqual([
      expect.objectContaining({ accountId: ACCOUNT, budgetName: 'research', revision: '10', status: 'APPLIED' }),
    ]);
  });

  it('updates a managed budget whose amount differs', async () => {
    const { deps, budgets } = setup(parameter('11', { amount: 250 }), new FakeBudgets(managedBudget('10')));

    await applyBudget('research', deps);

    const plan = budgets.plans[0];
    expect(plan?.action === 'apply' && plan.calls.map((c) => c.operation)).toContain('UpdateBudget');
  });

  it('changes nothing for the revision already applied, but reports it again', async () => {
    const { deps, statuses, budgets } = setup(parameter('12'), new FakeBudgets(managedBudget('12')));

    const outcome = await applyBudget('research', deps);

    expect(outcome).toEqual({ result: 'already-applied', revision: '12' });
    expect(budgets.plans).toEqual([]);
    expect(statuses.map((s) => s.status)).toEqual(['APPLIED']);
  });

  it('ignores a revision older than the one applied, without a report', async () => {
    const { deps, statuses, budgets } = setup(parameter('9'), new FakeBudgets(managedBudget('12')));

    const outcome = await applyBudget('research', deps);

    expect(outcome).toEqual({ result: 'stale', revision: '9', appliedRevision: '12' });
    expect(budgets.plans).toEqual([]);
    expect(statuses).toEqual([]);
  });

  it('never touches an untagged budget of the same name, and reports FAILED with the reason', async () => {
    const { deps, statuses, budgets } = setup(parameter('13'), new FakeBudgets(managedBudget(undefined, false)));

    const outcome = await applyBudget('research', deps);

    expect(outcome.result).toBe('refused');
    expect(budgets.plans).toEqual([]);
    expect(statuses).toEqual([
      expect.objectContaining({ status: 'FAILED', message: expect.stringMatching(/org-budgets:managed/) }),
    ]);
  });

  it('reports FAILED with the Budgets error and rethrows it for a retry', async () => {
    const budgets = new FakeBudgets();
    budgets.failWith = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { deps, statuses } = setup(parameter('14'), budgets);

    await expect(applyBudget('research', deps)).rejects.toThrow('Rate exceeded');

    expect(statuses).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        revision: '14',
        message: expect.stringContaining('ThrottlingException: Rate exceeded'),
      }),
    ]);
    expect(budgets.revisions).toEqual([]);
  });

  it('rethrows the Budgets error even when the failure report cannot be sent', async () => {
    const budgets = new FakeBudgets();
    budgets.failWith = new Error('boom');
    const { deps } = setup(parameter('15'), budgets);
    deps.sendStatus = () => Promise.reject(new Error('events down'));

    await expect(applyBudget('research', deps)).rejects.toThrow('boom');
  });

  it('deletes the managed budget when the parameter is gone', async () => {
    const { deps, budgets, statuses } = setup({ exists: false }, new FakeBudgets(managedBudget('16')));

    const outcome = await applyBudget('research', deps);

    expect(outcome).toEqual({ result: 'deleted' });
    const plan = budgets.plans[0];
    expect(plan?.action === 'apply' && plan.calls.map((c) => c.operation)).toEqual(['DeleteBudget']);
    expect(statuses).toEqual([]);
  });

  it('leaves an unmanaged budget alone when the parameter is gone', async () => {
    const { deps, budgets } = setup({ exists: false }, new FakeBudgets(managedBudget(undefined, false)));

    await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'refused' });
    expect(budgets.plans).toEqual([]);
  });

  it('does nothing when neither parameter nor budget exists', async () => {
    const { deps } = setup({ exists: false });

    await expect(applyBudget('research', deps)).resolves.toEqual({ result: 'absent' });
  });

  it('reports an unreadable parameter as FAILED at its revision', async () => {
    const { deps, statuses } = setup({ exists: true, valid: false, message: 'amount: must be > 0', revision: '17' });

    const outcome = await applyBudget('research', deps);

    expect(outcome.result).toBe('unreadable');
    expect(statuses).toEqual([expect.objectContaining({ status: 'FAILED', revision: '17' })]);
  });
});
