import type { StoredEmail } from '@org-budgets/local-lambda';
import type { BudgetItemInput, LocalCloud } from './local-cloud';
import { eventually } from './eventually';
import { lockdownPolicyOf } from './lockdown-view';

/**
 * The lockdown act `pnpm demo` plays (docs/budget-states.md): AWS Budgets' figures rise in one
 * member account, the item moves through the states, the account is locked down at Shutdown (its
 * service control policy attached in the management account), and finance's raise lifts it.
 */

export const LOCKDOWN_BUDGET = 'cloud-spend';
export const LOCKDOWN_OWNER = 'owner@example.org';
export const LOCKDOWN_APIS = ['ec2:RunInstances', 'ec2:StartInstances', 'sagemaker:Create*'];

type Cloud = Pick<
  LocalCloud,
  'putItem' | 'getItem' | 'waitForSync' | 'frontDoor' | 'verifySpokesNow' | 'outbox' | 'endpoint' | 'region'
>;

export interface LockdownActStep {
  what: string;
  state: string;
  actual: number;
  forecasted?: number;
  /** The item's `lockdownStatus.status`, if any. */
  lockdown?: string;
  /** The account's lockdown policy is attached. */
  policyAttached: boolean;
}

export interface LockdownActResult {
  steps: LockdownActStep[];
  emails: StoredEmail[];
}

interface ItemView {
  state?: string;
  spend?: { actual?: number; forecasted?: number; actualPercent?: number; forecastedPercent?: number };
  lockdownStatus?: { status?: string; message?: string };
}

export async function playLockdownAct(
  cloud: Cloud,
  options: { accountId: string; progress?: (message: string) => void },
): Promise<LockdownActResult> {
  const { accountId } = options;
  const progress = options.progress ?? (() => undefined);
  const key = { accountId, budgetName: LOCKDOWN_BUDGET };
  const steps: LockdownActStep[] = [];
  const item = (amount: number): BudgetItemInput => ({
    ...key,
    amount,
    emails: [LOCKDOWN_OWNER],
    lockdown: { mode: 'enforce', at: 'Shutdown', apis: LOCKDOWN_APIS },
  });
  const view = async (): Promise<ItemView> => {
    const current: ItemView | undefined = await cloud.getItem(key);
    return current ?? {};
  };
  const record = async (what: string, expect: (current: ItemView) => boolean): Promise<void> => {
    const current = await eventually(what, async () => {
      const got = await view();
      return expect(got) ? got : undefined;
    });
    const policy = await lockdownPolicyOf(cloud, accountId);
    const step: LockdownActStep = {
      what,
      state: current.state ?? 'Unknown',
      actual: current.spend?.actual ?? 0,
      ...(current.spend?.forecasted === undefined ? {} : { forecasted: current.spend.forecasted }),
      ...(current.lockdownStatus?.status ? { lockdown: current.lockdownStatus.status } : {}),
      policyAttached: policy?.attached === true,
    };
    steps.push(step);
    const forecast =
      current.spend?.forecasted === undefined
        ? ''
        : `, forecast $${current.spend.forecasted} (${current.spend.forecastedPercent ?? '?'}%)`;
    progress(
      `${what} → state ${step.state}: actual $${step.actual} (${current.spend?.actualPercent ?? 0}%)${forecast}; ` +
        `lockdown ${step.lockdown ?? 'none'}, SCP org-budgets-lockdown-${accountId} ${step.policyAttached ? 'ATTACHED' : 'not attached'}`,
    );
  };
  const awsReports = async (what: string, actual: number, forecasted: number, state: string, lockdown?: string) => {
    cloud.frontDoor.setBudgetSpend({ accountId, budgetName: LOCKDOWN_BUDGET, actual, forecasted });
    cloud.verifySpokesNow(accountId);
    await record(
      what,
      (current) =>
        current.state === state &&
        current.spend?.actual === actual &&
        (lockdown === undefined || current.lockdownStatus?.status === lockdown),
    );
  };

  await cloud.putItem(item(1000));
  await cloud.waitForSync([key]);
  await record(
    'finance sets $1000/month with lockdown at Shutdown (mode enforce)',
    (current) => current.spend !== undefined,
  );
  await awsReports('AWS Budgets: $500 spent, $850 forecast', 500, 850, 'On target');
  await awsReports('AWS Budgets: $640 spent, $1,120 forecast', 640, 1120, 'Over');
  await awsReports('AWS Budgets: $930 spent', 930, 1180, 'Critical');
  await awsReports('AWS Budgets: $1,040 spent: the hub locks the account down', 1040, 1250, 'Shutdown', 'LOCKED');
  await cloud.putItem(item(1500));
  await cloud.waitForSync([key]);
  await record('finance raises the budget to $1500', (current) => current.lockdownStatus?.status === 'LIFTED');
  await awsReports('AWS Budgets recalculates: $1,040 spent, $1,250 forecast', 1040, 1250, 'On target');
  const emails = await eventually('the owner’s lockdown emails', async () => {
    const all = await cloud.outbox(LOCKDOWN_OWNER);
    return all.filter((email) => /lockdown/.test(email.subject ?? '')).length >= 2 ? all : undefined;
  });
  return { steps, emails };
}
