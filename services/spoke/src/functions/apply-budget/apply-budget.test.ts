import type { CurrentBudgetParameter } from '@org-budgets/aws';
import type { BudgetParameter, SpokeStatusDetail } from '@org-budgets/contracts';
import { applyBudget, NotificationHints, type ApplyBudgetDeps } from './apply-budget';
import { ParameterKeptChangingError } from './errors';
import {
  ACCOUNT,
  budgetParameter,
  BudgetsWorld,
  FakeBudgets,
  gate,
  stored,
  TOPIC,
  unreadable,
} from './testing/fake-budgets';

const MANAGED = { Key: 'org-budgets:managed', Value: 'true' };
const revisionTag = (revision: string) => ({ Key: 'org-budgets:revision', Value: revision });

/** The parameter store of the account: one budget parameter, changed by the test as the hub would. */
class ParameterStore {
  reads = 0;
  constructor(public current: CurrentBudgetParameter) {}
  async read(): Promise<CurrentBudgetParameter> {
    this.reads += 1;
    return this.current;
  }
}

function setup(current: CurrentBudgetParameter | ParameterStore, budgets = new FakeBudgets()) {
  const store = current instanceof ParameterStore ? current : new ParameterStore(current);
  const statuses: SpokeStatusDetail[] = [];
  const deps: ApplyBudgetDeps = {
    accountId: ACCOUNT,
    alertTopicArn: TOPIC,
    readParameter: () => store.read(),
    budgets,
    sendStatus: async (detail) => {
      statuses.push(detail);
    },
    now: () => new Date('2026-11-23T12:00:00Z'),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { deps, statuses, budgets, world: budgets.world, store };
}

const operations = (budgets: FakeBudgets) =>
  budgets.plans.flatMap((plan) => (plan.action === 'apply' ? plan.calls.map((c) => c.operation) : []));

describe('applyBudget', () => {
  it('creates a missing budget tagged with the revision and reports APPLIED', async () => {
    const { deps, statuses, budgets } = setup(stored(budgetParameter('10', { emails: ['pi@example.org'] })));

    const outcome = await applyBudget('research', deps);

    expect(outcome).toMatchObject({ result: 'applied', revision: '10' });
    expect(operations(budgets)).toEqual(['CreateBudget']);
    const plan = budgets.plans[0];
    const create = plan?.action === 'apply' ? plan.calls[0] : undefined;
    expect(create?.operation === 'CreateBudget' && create.input.ResourceTags).toEqual(
      expect.arrayContaining([MANAGED, revisionTag('10')]),
    );
    // No TagResource after it: CreateBudget carries the revision tag.
    expect(budgets.revisions).toEqual([]);
    expect(statuses).toEqual([
      expect.objectContaining({ accountId: ACCOUNT, budgetName: 'research', revision: '10', status: 'APPLIED' }),
    ]);
    expect(statuses[0]).not.toHaveProperty('repaired');
  });

  it('updates a managed budget whose amount differs', async () => {
    const { deps, budgets, world } = setup(stored(budgetParameter('11', { amount: 250 })));
    world.seed(budgetParameter('10'), [MANAGED, revisionTag('10')]);

    await applyBudget('research', deps);

    expect(operations(budgets)).toContain('UpdateBudget');
    expect(world.amountOf('research')).toBe('250');
    expect(world.tag('research', 'org-budgets:revision')).toBe('11');
  });

  it('changes nothing for a budget that already matches, but reports APPLIED again', async () => {
    const { deps, statuses, budgets, world } = setup(stored(budgetParameter('12')));
    world.seed(budgetParameter('12'), [MANAGED, revisionTag('12')]);

    const outcome = await applyBudget('research', deps);

    expect(outcome).toEqual({ result: 'already-applied', revision: '12' });
    expect(budgets.plans).toEqual([]);
    expect(budgets.revisions).toEqual([]);
    expect(statuses).toEqual([
      expect.objectContaining({
        status: 'APPLIED',
        revision: '12',
        message: expect.stringContaining('already applied'),
      }),
    ]);
  });

  it('plans against the budget as it is, never skipping for its revision tag: a forged huge tag locks nothing', async () => {
    const forged = '9'.repeat(38);
    const { deps, statuses, world } = setup(stored(budgetParameter('9', { amount: 100 })));
    world.seed(budgetParameter('8', { amount: 5 }), [MANAGED, revisionTag(forged)]);

    const outcome = await applyBudget('research', deps);

    expect(outcome).toMatchObject({ result: 'applied', revision: '9' });
    expect(world.amountOf('research')).toBe('100');
    expect(world.tag('research', 'org-budgets:revision')).toBe('9');
    expect(statuses).toEqual([expect.objectContaining({ status: 'APPLIED', revision: '9' })]);
  });

  it('reports a matching budget with a wrong revision tag as already applied, and corrects the tag', async () => {
    const { deps, statuses, budgets, world } = setup(stored(budgetParameter('9')));
    world.seed(budgetParameter('9'), [MANAGED, revisionTag('12')]);

    await expect(applyBudget('research', deps)).resolves.toEqual({ result: 'already-applied', revision: '9' });

    expect(budgets.plans).toEqual([]);
    expect(world.tag('research', 'org-budgets:revision')).toBe('9');
    expect(statuses.map((s) => [s.status, s.revision])).toEqual([['APPLIED', '9']]);
  });

  it('never touches an untagged budget of the same name, and reports FAILED with the reason', async () => {
    const { deps, statuses, budgets, world } = setup(stored(budgetParameter('13')));
    world.seed(budgetParameter('1', { amount: 999 }), []);

    const outcome = await applyBudget('research', deps);

    expect(outcome.result).toBe('refused');
    expect(budgets.plans).toEqual([]);
    expect(world.amountOf('research')).toBe('999');
    expect(statuses).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        revision: '13',
        message: expect.stringMatching(/org-budgets:managed/),
      }),
    ]);
  });

  it('reports FAILED with the Budgets error and rethrows it for a retry', async () => {
    const budgets = new FakeBudgets();
    budgets.failWith = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { deps, statuses } = setup(stored(budgetParameter('14')), budgets);

    await expect(applyBudget('research', deps)).rejects.toThrow('Rate exceeded');

    expect(statuses).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        revision: '14',
        message: expect.stringContaining('ThrottlingException: Rate exceeded'),
      }),
    ]);
    expect(statuses[0]).not.toHaveProperty('deletion');
    expect(budgets.revisions).toEqual([]);
  });

  it('reads the budget expecting the notifications the parameter asks for (their subscribers in the first round)', async () => {
    const { deps, budgets } = setup(stored(budgetParameter('16', { alertAt: [50, 80], forecastAlertAt: [100] })));

    await applyBudget('research', deps);

    expect(budgets.hintedNotifications).toEqual([
      [
        'ACTUAL|GREATER_THAN|50|PERCENTAGE',
        'ACTUAL|GREATER_THAN|80|PERCENTAGE',
        'FORECASTED|GREATER_THAN|100|PERCENTAGE',
      ],
    ]);
  });

  describe('in a warm container (notification hints kept)', () => {
    /** Runs with hints kept, recording the order of parameter and budget reads. */
    function warmSetup(first: BudgetParameter) {
      const store = new ParameterStore(stored(first));
      const budgets = new FakeBudgets();
      const { deps, statuses, world } = setup(store, budgets);
      deps.notificationHints = new NotificationHints();
      const reads: string[] = [];
      const readBudget = budgets.readBudget.bind(budgets);
      budgets.readBudget = (name, hints) => {
        reads.push('budget');
        return readBudget(name, hints);
      };
      deps.readParameter = () => {
        reads.push('parameter');
        return store.read();
      };
      return { deps, statuses, world, budgets, store, reads };
    }

    it('keeps the hints of the 100 budgets planned last', () => {
      const hints = new NotificationHints();
      for (let i = 0; i <= 100; i++) hints.set(`budget-${i}`, []);
      hints.set('budget-1', []);
      hints.set('budget-101', []);

      expect(hints.get('budget-0')).toBeUndefined();
      expect(hints.get('budget-1')).toEqual([]);
      expect(hints.get('budget-2')).toBeUndefined();
      expect(hints.get('budget-101')).toEqual([]);
    });

    it('reads the budget while the parameter is read, with the notifications it planned last', async () => {
      const { deps, budgets, store, reads } = warmSetup(budgetParameter('20', { alertAt: [50] }));
      await applyBudget('research', deps);
      expect(reads).toEqual(['parameter', 'budget', 'parameter']);

      store.current = stored(budgetParameter('21', { alertAt: [50], amount: 400 }));
      reads.length = 0;
      await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'applied', revision: '21' });

      // The budget's read went out before the parameter's, with the last plan's notifications.
      expect(reads).toEqual(['budget', 'parameter', 'parameter']);
      expect(budgets.hintedNotifications[1]).toEqual(budgets.hintedNotifications[0]);
    });

    it('applies what the parameter says when the hints are out of date', async () => {
      const { deps, store, world, budgets } = warmSetup(budgetParameter('22', { alertAt: [50, 80] }));
      await applyBudget('research', deps);

      store.current = stored(budgetParameter('23', { alertAt: [60] }));
      await applyBudget('research', deps);

      expect(budgets.hintedNotifications[1]).toEqual([
        'ACTUAL|GREATER_THAN|50|PERCENTAGE',
        'ACTUAL|GREATER_THAN|80|PERCENTAGE',
        'FORECASTED|GREATER_THAN|100|PERCENTAGE',
      ]);
      const actual = world.read('research');
      expect(
        actual.exists &&
          actual.notifications
            .filter((n) => n.Notification.NotificationType === 'ACTUAL')
            .map((n) => n.Notification.Threshold),
      ).toEqual([60]);
    });

    it('reports FAILED when the budget read made beside the parameter fails', async () => {
      const { deps, statuses, budgets, store } = warmSetup(budgetParameter('24'));
      await applyBudget('research', deps);
      store.current = stored(budgetParameter('25', { amount: 500 }));
      budgets.failing.set('research', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

      await expect(applyBudget('research', deps)).rejects.toThrow('Rate exceeded');
      expect(statuses.at(-1)).toMatchObject({ status: 'FAILED', revision: '25' });
    });

    it('leaves the budget read unused when the parameter is unreadable, its failure unheard', async () => {
      const { deps, statuses, budgets, store } = warmSetup(budgetParameter('26'));
      await applyBudget('research', deps);
      store.current = unreadable('not JSON', '27');
      budgets.failing.set('research', new Error('budgets down'));

      await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'unreadable', revision: '27' });
      expect(statuses.at(-1)).toMatchObject({ status: 'FAILED', revision: '27' });
    });
  });

  describe('guardianIdle on the APPLIED report (the spoke’s enforce-spend does not run for it)', () => {
    const warnings: string[] = [];
    function withGuardian(mode: 'off' | 'notify', holds: () => Promise<boolean>) {
      const { deps, statuses } = setup(stored(budgetParameter('30', { guardian: { mode } })));
      const asked: string[] = [];
      deps.guardianHoldsState = (name) => {
        asked.push(name);
        return holds();
      };
      deps.logger = { ...deps.logger, warn: (message: string) => void warnings.push(message) };
      return { deps, statuses, asked };
    }

    it('is set when the guardian is off and holds no state for the budget', async () => {
      const { deps, statuses, asked } = withGuardian('off', async () => false);

      await applyBudget('research', deps);

      expect(asked).toEqual(['research']);
      expect(statuses).toEqual([expect.objectContaining({ status: 'APPLIED', guardianIdle: true })]);
    });

    it('is not set while the guardian holds state from when it was on (enforce-spend lets go of it)', async () => {
      const { deps, statuses } = withGuardian('off', async () => true);

      await applyBudget('research', deps);

      expect(statuses).toEqual([expect.objectContaining({ status: 'APPLIED' })]);
      expect(statuses[0]).not.toHaveProperty('guardianIdle');
    });

    it('is not set, nor asked, while the guardian is on', async () => {
      const { deps, statuses, asked } = withGuardian('notify', async () => false);

      await applyBudget('research', deps);

      expect(asked).toEqual([]);
      expect(statuses[0]).not.toHaveProperty('guardianIdle');
    });

    it('is not set when the question fails (never skipped on a guess), and says so', async () => {
      const { deps, statuses } = withGuardian('off', () => Promise.reject(new Error('throttled')));

      await applyBudget('research', deps);

      expect(statuses).toEqual([expect.objectContaining({ status: 'APPLIED' })]);
      expect(statuses[0]).not.toHaveProperty('guardianIdle');
      expect(warnings).toContain('could not tell whether the cost guardian holds state; enforce-spend will run');
    });

    it('is asked by the hourly check only when it reports (not for a budget in sync)', async () => {
      const { deps, statuses, asked } = withGuardian('off', async () => false);
      await applyBudget('research', deps);
      expect(asked).toEqual(['research']);

      await expect(applyBudget('research', deps, { verify: true })).resolves.toMatchObject({ result: 'in-sync' });
      expect(asked).toEqual(['research']);

      (deps.budgets as FakeBudgets).world.budgets.delete('research');
      await expect(applyBudget('research', deps, { verify: true })).resolves.toMatchObject({ result: 'applied' });
      expect(asked).toEqual(['research', 'research']);
      expect(statuses.at(-1)).toMatchObject({ status: 'APPLIED', guardianIdle: true, repaired: expect.any(String) });
    });

    it('is not set when the function cannot ask (no guardian ledger)', async () => {
      const { deps, statuses } = setup(stored(budgetParameter('31')));

      await applyBudget('research', deps);

      expect(statuses[0]).not.toHaveProperty('guardianIdle');
    });
  });

  it('writes the revision tag alongside an update, and fails the round when the update fails', async () => {
    const budgets = new FakeBudgets();
    const { deps, statuses, world } = setup(stored(budgetParameter('17', { amount: 300 })), budgets);
    world.seed(budgetParameter('16'), [MANAGED, revisionTag('16')]);
    budgets.failWith = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    await expect(applyBudget('research', deps)).rejects.toThrow('Rate exceeded');

    // The tag is a hint (it may name a revision whose change failed): the round reports FAILED and
    // Lambda's retry plans from the budget's content, not from the tag.
    expect(budgets.revisions).toEqual(['17']);
    expect(statuses).toEqual([expect.objectContaining({ status: 'FAILED', revision: '17' })]);
    budgets.failWith = undefined;
    await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'applied', revision: '17' });
    expect(world.amountOf('research')).toBe('300');
  });

  it('rethrows the Budgets error even when the failure report cannot be sent', async () => {
    const budgets = new FakeBudgets();
    budgets.failWith = new Error('boom');
    const { deps } = setup(stored(budgetParameter('15')), budgets);
    deps.sendStatus = () => Promise.reject(new Error('events down'));

    await expect(applyBudget('research', deps)).rejects.toThrow('boom');
  });

  it('fails when the APPLIED report cannot be sent, so that Lambda retries', async () => {
    const { deps, world } = setup(stored(budgetParameter('15')));
    deps.sendStatus = () => Promise.reject(new Error('events down'));

    await expect(applyBudget('research', deps)).rejects.toThrow('events down');
    expect(world.amountOf('research')).toBe('100');
  });

  it('deletes the managed budget when the parameter is gone and reports DELETED at its revision tag', async () => {
    const { deps, budgets, statuses, world } = setup({ exists: false });
    world.seed(budgetParameter('16'), [MANAGED, revisionTag('16')]);

    const outcome = await applyBudget('research', deps);

    expect(outcome).toEqual({ result: 'deleted', revision: '16' });
    expect(operations(budgets)).toEqual(['DeleteBudget']);
    expect(world.budgets.has('research')).toBe(false);
    expect(statuses).toEqual([
      expect.objectContaining({
        status: 'DELETED',
        deletion: true,
        revision: '16',
        message: expect.stringContaining('deleted'),
      }),
    ]);
    expect(statuses[0]).not.toHaveProperty('repaired');
  });

  it.each([
    ['no revision tag', [MANAGED]],
    ['a revision tag that is no number', [MANAGED, revisionTag('latest')]],
    ['a revision tag of 39 digits', [MANAGED, revisionTag('1'.repeat(39))]],
  ])('reports DELETED at revision 0 for a managed budget with %s', async (_case, tags) => {
    const { deps, statuses, world } = setup({ exists: false });
    world.seed(budgetParameter('16'), tags);

    await expect(applyBudget('research', deps)).resolves.toEqual({ result: 'deleted', revision: '0' });

    expect(statuses).toEqual([expect.objectContaining({ status: 'DELETED', revision: '0' })]);
  });

  it('reports FAILED as the outcome of a deletion and rethrows when the managed budget cannot be deleted', async () => {
    const budgets = new FakeBudgets();
    const { deps, statuses, world } = setup({ exists: false }, budgets);
    world.seed(budgetParameter('16'), [MANAGED, revisionTag('16')]);
    budgets.failWith = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });

    await expect(applyBudget('research', deps)).rejects.toThrow('denied');

    expect(statuses).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        deletion: true,
        revision: '16',
        message: expect.stringMatching(
          /^could not delete the budget in account \d{12}: AccessDeniedException: denied$/,
        ),
      }),
    ]);
  });

  it('leaves an unmanaged budget alone when the parameter is gone', async () => {
    const { deps, budgets, statuses, world } = setup({ exists: false });
    world.seed(budgetParameter('1'), []);

    await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'refused' });
    expect(budgets.plans).toEqual([]);
    expect(world.budgets.has('research')).toBe(true);
    expect(statuses).toEqual([]);
  });

  it('does nothing when neither parameter nor budget exists', async () => {
    const { deps, statuses } = setup({ exists: false });

    await expect(applyBudget('research', deps)).resolves.toEqual({ result: 'absent' });
    expect(statuses).toEqual([]);
  });

  it('reports an unreadable parameter as FAILED at its revision, leaving the budget as it is', async () => {
    const { deps, statuses, budgets, world } = setup(unreadable('amount: must be > 0', '17'));
    world.seed(budgetParameter('16'), [MANAGED, revisionTag('16')]);

    const outcome = await applyBudget('research', deps);

    expect(outcome).toMatchObject({ result: 'unreadable', revision: '17' });
    expect(budgets.plans).toEqual([]);
    expect(world.budgets.has('research')).toBe(true);
    expect(statuses).toEqual([
      expect.objectContaining({ status: 'FAILED', revision: '17', message: expect.stringContaining('unreadable') }),
    ]);
  });

  it('reports an unreadable parameter without a revision as FAILED at revision 0', async () => {
    const { deps, statuses } = setup(unreadable('parameter is not JSON'));

    await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'unreadable', revision: '0' });
    expect(statuses).toEqual([expect.objectContaining({ status: 'FAILED', revision: '0' })]);
  });
});

describe('applyBudget when the parameter changes while it applies', () => {
  it('two interleaved runs leave the budget at the newer revision, and the older one is never reported APPLIED', async () => {
    // The budget is at rev0; the hub writes rev1, then rev2 while run A (for rev1) is held after
    // reading the budget: run B (for rev2) applies rev2, then A applies rev1 over it.
    const world = new BudgetsWorld();
    world.seed(budgetParameter('0', { amount: 100 }), [MANAGED, revisionTag('0')]);
    const store = new ParameterStore(stored(budgetParameter('1', { amount: 200 })));
    const runA = setup(store, new FakeBudgets(world));
    const runB = setup(store, new FakeBudgets(world));
    const heldA = gate();
    const readByA = gate();
    const readBudgetA = runA.budgets.readBudget.bind(runA.budgets);
    let readsA = 0;
    runA.budgets.readBudget = async (name) => {
      const state = await readBudgetA(name);
      readsA += 1;
      if (readsA === 1) {
        readByA.open();
        await heldA.promise;
      }
      return state;
    };

    const a = applyBudget('research', runA.deps);
    await readByA.promise; // A has read rev1 and the budget at rev0
    store.current = stored(budgetParameter('2', { amount: 300 }));
    const b = await applyBudget('research', runB.deps);
    expect(b).toMatchObject({ result: 'applied', revision: '2' });
    expect(world.amountOf('research')).toBe('300');
    heldA.open(); // A applies rev1 over rev2, reads the parameter again, and applies rev2
    const outcomeA = await a;

    expect(outcomeA).toMatchObject({ result: 'applied', revision: '2' });
    expect(world.amountOf('research')).toBe('300');
    expect(world.tag('research', 'org-budgets:revision')).toBe('2');
    expect(runA.budgets.revisions).toEqual(['1', '2']);
    const reported = [...runA.statuses, ...runB.statuses].map((s) => [s.status, s.revision]);
    expect(reported).toEqual([
      ['APPLIED', '2'],
      ['APPLIED', '2'],
    ]);
  });

  it('applies again when the content changed under the same revision', async () => {
    const store = new ParameterStore(stored(budgetParameter('5', { amount: 100 })));
    const { deps, statuses, budgets, world } = setup(store);
    const apply = budgets.applyPlan.bind(budgets);
    budgets.applyPlan = async (plan) => {
      await apply(plan);
      store.current = stored(budgetParameter('5', { amount: 150 }));
    };

    await applyBudget('research', deps);

    expect(world.amountOf('research')).toBe('150');
    expect(statuses.map((s) => s.status)).toEqual(['APPLIED']);
  });

  it('deletes the budget it just created when the parameter was deleted meanwhile, and reports DELETED', async () => {
    const store = new ParameterStore(stored(budgetParameter('6')));
    const { deps, statuses, budgets, world } = setup(store);
    const apply = budgets.applyPlan.bind(budgets);
    budgets.applyPlan = async (plan) => {
      await apply(plan);
      store.current = { exists: false };
    };

    await expect(applyBudget('research', deps)).resolves.toEqual({ result: 'deleted', revision: '6' });

    expect(world.budgets.has('research')).toBe(false);
    expect(statuses.map((s) => [s.status, s.revision])).toEqual([['DELETED', '6']]);
  });

  it('creates the budget again when the parameter came back while it was being deleted', async () => {
    const store = new ParameterStore({ exists: false });
    const { deps, statuses, budgets, world } = setup(store);
    world.seed(budgetParameter('6'), [MANAGED, revisionTag('6')]);
    const apply = budgets.applyPlan.bind(budgets);
    budgets.applyPlan = async (plan) => {
      await apply(plan);
      store.current = stored(budgetParameter('7', { amount: 70 }));
    };

    await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'applied', revision: '7' });

    expect(world.amountOf('research')).toBe('70');
    expect(statuses.map((s) => [s.status, s.revision])).toEqual([['APPLIED', '7']]);
  });

  it('gives up with ParameterKeptChangingError after 5 rounds, reporting nothing APPLIED', async () => {
    const store = new ParameterStore(stored(budgetParameter('1')));
    const { deps, statuses, budgets } = setup(store);
    let revision = 1;
    const read = store.read.bind(store);
    store.read = async () => {
      const current = await read();
      revision += 1;
      store.current = stored(budgetParameter(String(revision), { amount: revision }));
      return current;
    };

    const error = await applyBudget('research', deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ParameterKeptChangingError);
    expect(error).toMatchObject({ name: 'ParameterKeptChangingError', budgetName: 'research', rounds: 5 });
    expect(budgets.plans).toHaveLength(5);
    expect(statuses).toEqual([]);
  });
});

describe('applyBudget reports the budget’s spend', () => {
  it('after an apply, after its status, for the revision applied', async () => {
    const { deps, statuses } = setup(stored(budgetParameter('10')));
    const reported: string[] = [];
    deps.reportSpend = async (budgetName, revision) => {
      reported.push(`${budgetName}@${revision} after ${statuses.length} status(es)`);
    };
    await applyBudget('research', deps);
    expect(reported).toEqual(['research@10 after 1 status(es)']);
  });

  it('at the scheduled check of a budget in sync (which sends no status)', async () => {
    const { deps, statuses } = setup(stored(budgetParameter('10')));
    await applyBudget('research', deps);
    const reported: string[] = [];
    deps.reportSpend = async (budgetName, revision) => void reported.push(`${budgetName}@${revision}`);
    await expect(applyBudget('research', deps, { verify: true })).resolves.toMatchObject({ result: 'in-sync' });
    expect(reported).toEqual(['research@10']);
    expect(statuses).toHaveLength(1);
  });

  it('keeps the apply’s outcome when the report fails, and fails the scheduled check', async () => {
    const { deps } = setup(stored(budgetParameter('10')));
    deps.reportSpend = async () => {
      throw new Error('Budgets throttled');
    };
    await expect(applyBudget('research', deps)).resolves.toMatchObject({ result: 'applied' });
    await expect(applyBudget('research', deps, { verify: true })).rejects.toThrow('Budgets throttled');
  });
});
