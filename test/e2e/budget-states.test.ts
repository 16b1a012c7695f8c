/**
 * Spend, states and lockdown on the local cloud (docs/budget-states.md): the spoke reports AWS
 * Budgets' figures after each apply and at its hourly check; the hub writes `spend`, `state` and
 * `stateDetail` onto the item; at Shutdown it attaches the account's lockdown policy (a service
 * control policy in the management account, as moto stores it), and after a raise it detaches it.
 * The figures are set in the front door's Budgets, as AWS calculates them a few times a day.
 */
import {
  lockdownPolicyOf as policyOf,
  playLockdownAct,
  type BudgetItemInput,
  type LocalCloud,
  eventually,
} from '@org-budgets/sandbox';
import { report, startE2eCloud } from './support';

jest.setTimeout(300_000);

let cloud: LocalCloud;
let account: string;

const BUDGET = 'compute';
const OWNER = 'owner@example.org';
const APIS = ['ec2:RunInstances', 'sagemaker:Create*'];

interface StateView {
  state?: string;
  spend?: Record<string, unknown>;
  stateDetail?: Record<string, unknown>;
  lockdownStatus?: Record<string, unknown>;
}

const key = () => ({ accountId: account, budgetName: BUDGET });
const view = async (): Promise<StateView> => {
  const current: StateView | undefined = await cloud.getItem(key());
  return current ?? {};
};

/** AWS Budgets calculates new figures; the spoke's hourly check reports them; the hub records them. */
async function awsReports(actual: number, forecasted: number | null, expectedState: string): Promise<StateView> {
  cloud.frontDoor.setBudgetSpend({ accountId: account, budgetName: BUDGET, actual, forecasted });
  cloud.verifySpokesNow(account);
  return eventually(`state ${expectedState} at actual ${actual}`, async () => {
    const item = await view();
    return item.state === expectedState && item.spend?.['actual'] === actual ? item : undefined;
  });
}

/** The account's lockdown policy while it is attached. */
async function lockdownPolicyOf(accountId: string) {
  const policy = await policyOf(cloud, accountId);
  return policy?.attached ? policy : undefined;
}

const item = (amount: number): BudgetItemInput => ({
  accountId: account,
  budgetName: BUDGET,
  amount,
  emails: [OWNER],
  lockdown: { mode: 'enforce', at: 'Shutdown', apis: APIS },
});

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: 1 });
  account = cloud.memberAccounts[0] as string;
  report(`budget-states: local cloud up in ${cloud.timings['total']} ms`);
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
});

describe('spend and states on the items', () => {
  it('shows the figures AWS reported after the apply, and the state they put the budget in', async () => {
    await cloud.putItem(item(1000));
    const outcome = await cloud.waitForSync([key()]);
    expect([...outcome.values()][0]).toMatchObject({ status: 'APPLIED' });
    const applied = await eventually('spend after the apply', async () => {
      const current = await view();
      return current.spend ? current : undefined;
    });
    expect(applied).toMatchObject({ state: 'Unused', spend: { actual: 0, currency: 'USD', actualPercent: 0 } });
  });

  it('moves through the states as AWS reports more spend', async () => {
    const onTarget = await awsReports(500, 850, 'On target');
    expect(onTarget.spend).toMatchObject({ actual: 500, forecasted: 850, actualPercent: 50, forecastedPercent: 85 });
    expect(onTarget.spend?.['awsUpdatedAt']).toEqual(expect.any(String));
    expect(onTarget.stateDetail?.['reason']).toBe('forecast 85% of the amount, at or above onTargetAt 80%');
    expect((await awsReports(600, 1100, 'Over')).spend).toMatchObject({ forecastedPercent: 110 });
    const critical = await awsReports(920, 1100, 'Critical');
    expect(critical.lockdownStatus).toBeUndefined();
    expect(await lockdownPolicyOf(account)).toBeUndefined();
  });
});

describe('lockdown', () => {
  it('attaches the account’s lockdown policy at Shutdown, and tells the budget’s addresses', async () => {
    await awsReports(1037, 1200, 'Shutdown');
    const locked = await eventually('lockdownStatus LOCKED', async () => {
      const current = await view();
      return current.lockdownStatus?.['status'] === 'LOCKED' ? current : undefined;
    });
    expect(locked.lockdownStatus).toMatchObject({ status: 'LOCKED', locked: true, state: 'Shutdown', apis: APIS });
    const policy = await lockdownPolicyOf(account);
    expect(policy).toBeDefined();
    expect(JSON.parse(policy?.content ?? '{}')).toMatchObject({
      Statement: [{ Effect: 'Deny', Action: APIS, Resource: '*' }],
    });
    expect(policy?.tags).toMatchObject({ 'org-budgets:managed': 'true', 'org-budgets:account': account });
    const mail = await eventually('the lockdown email', async () => {
      const emails = await cloud.outbox(OWNER);
      return emails.find((email) => /lockdown applied at Shutdown/.test(JSON.stringify(email)));
    });
    expect(JSON.stringify(mail)).toContain('actual 1037.00 USD (103.7%)');
  });

  it('keeps it while AWS still reports the same spend', async () => {
    await awsReports(1037, 1200, 'Shutdown');
    expect(await lockdownPolicyOf(account)).toBeDefined();
  });

  it('detaches it after finance raises the budget (a whole-item put, as the console’s edit)', async () => {
    await cloud.putItem(item(2000));
    await cloud.waitForSync([key()]);
    const lifted = await eventually('lockdownStatus LIFTED', async () => {
      const current = await view();
      return current.lockdownStatus?.['status'] === 'LIFTED' ? current : undefined;
    });
    expect(lifted.lockdownStatus).toMatchObject({ locked: false });
    expect(await lockdownPolicyOf(account)).toBeUndefined();
    // Detached and deleted: the account holds no lockdown policy any more.
    expect(await policyOf(cloud, account)).toBeUndefined();
    // AWS recalculates the period's spend against the raised amount.
    await awsReports(1037, 1200, 'Under');
    await eventually('the lift email', async () => {
      const emails = await cloud.outbox(OWNER);
      return emails.find((email) => /lockdown lifted/.test(JSON.stringify(email)));
    });
  });
});

describe('lockdown against a whole-item put and a deletion', () => {
  it('keeps the lockdown when finance replaces the item whole with a raise below the spend that locked it', async () => {
    await awsReports(2100, 2300, 'Shutdown');
    await eventually('lockdownStatus LOCKED', async () => {
      const current = await view();
      return current.lockdownStatus?.['status'] === 'LOCKED' ? current : undefined;
    });
    // The console's "edit item": the whole item put again, system attributes dropped, $2,050.
    // The spoke's UpdateBudget zeroes AWS's figure, and it reports 0.
    await cloud.putItem(item(2050));
    await cloud.waitForSync([key()]);
    const after = await eventually('the report after the raise', async () => {
      // delivered.revision is a Number (a bigint once unmarshalled), spend.revision a String.
      const current: (StateView & { delivered?: { revision?: bigint } }) | undefined = await cloud.getItem(key());
      const delivered = current?.delivered?.revision;
      // The lockdown status is written after the figures: wait for both.
      return delivered !== undefined && current?.spend?.['revision'] === String(delivered) && current.lockdownStatus
        ? current
        : undefined;
    });
    expect(after).toMatchObject({ state: 'Shutdown', spend: { actual: 2100 } });
    expect(after.stateDetail?.['reason']).toContain('the lockdown policy records 2100 spent this period');
    expect(after.lockdownStatus).toMatchObject({ status: 'LOCKED', locked: true });
    expect(await lockdownPolicyOf(account)).toBeDefined();
  });

  it('lifts the lockdown of a deleted item at the hourly sweep', async () => {
    await cloud.deleteItem(key());
    expect(cloud.sweepLockdownsNow()).toBe(1);
    await eventually('the policy detached and deleted', async () =>
      (await policyOf(cloud, account)) === undefined ? true : undefined,
    );
  });
});

describe('the demo’s lockdown act', () => {
  it('moves a budget through the states, locks the account down at Shutdown and lifts it after the raise', async () => {
    const act = await playLockdownAct(cloud, { accountId: account, progress: report });
    expect(act.steps.map((step) => [step.state, step.lockdown ?? '-', step.policyAttached])).toEqual([
      ['Unused', '-', false],
      ['On target', '-', false],
      ['Over', '-', false],
      ['Critical', '-', false],
      ['Shutdown', 'LOCKED', true],
      ['Under', 'LIFTED', false],
      ['On target', 'LIFTED', false],
    ]);
    expect(act.emails.map((email) => email.subject)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('lockdown applied at Shutdown'),
        expect.stringContaining('lockdown lifted'),
      ]),
    );
  });
});
