/**
 * End to end on the local cloud, deployed as on AWS: the hub with `serverless deploy --stage
 * local` in the management account, the spoke rolled out to an OU of three member accounts with
 * the StackSet code, the deployed bundles run by the local Lambda runtime. Plays the scenario of
 * `pnpm demo`, then onboards an account that had no spoke when its budget was set.
 * One deploy for the whole file (some 20 s).
 */
import {
  budgetOf,
  demoAccounts,
  makeThreeEdits,
  setInitialBudgets,
  type DemoEdit,
  type ItemKey,
  type LocalCloud,
} from '@org-budgets/sandbox';
import { classifyDeadLetters, inBatch, report, startE2eCloud } from './support';

// Deploying takes some 20 s; a test may wait for retries.
jest.setTimeout(300_000);

let cloud: LocalCloud;
/** The limit of the managed budget of an item in its account. */
const amountOf = (key: ItemKey): number | undefined => {
  const amount = budgetOf(cloud, key)?.budget.BudgetLimit?.Amount;
  return amount === undefined ? undefined : Number(amount);
};

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: 3, accountsOutsideOu: 1 });
  report(
    `pipeline: local cloud up in ${cloud.timings['total']} ms (hub deploy ${cloud.timings['hub deploy']} ms, StackSet rollout ${cloud.timings['spoke rollout']} ms)`,
  );
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
});

describe('org-budgets deployed on the local cloud', () => {
  it('runs the hub deployed with serverless and a spoke in each account of the OU, from the StackSet', () => {
    const inventory = cloud.runtime.inventory();
    const names = (account: string) =>
      inventory.functions.filter((f) => f.account === account).map((f) => f.functionName);

    expect(names(cloud.managementAccountId).sort()).toEqual([
      'org-budgets-hub-local-expandOrgDefaults',
      'org-budgets-hub-local-propagateBudgetEdits',
      'org-budgets-hub-local-reconcileBudgets',
      'org-budgets-hub-local-recordBudgetSpend',
      'org-budgets-hub-local-recordSpokeStatus',
    ]);
    for (const account of cloud.memberAccounts) {
      expect(names(account).sort()).toEqual([
        'org-budgets-spoke-local-applyBudget',
        'org-budgets-spoke-local-delayGuardianCheck',
        'org-budgets-spoke-local-enforceSpend',
        'org-budgets-spoke-local-releaseGuardianQueues',
        'org-budgets-spoke-local-trackBatchJobs',
      ]);
      // What moto's CloudFormation skipped (EventInvokeConfig) was put in place from the template.
      expect(cloud.runtime.findFunction('org-budgets-spoke-local-applyBudget', account).eventInvokeConfig).toEqual({
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 21600,
        onFailure: `arn:aws:sqs:${cloud.region}:${account}:org-budgets-local-spoke-dlq`,
      });
    }
    expect(names(cloud.outsideAccounts[0] as string)).toEqual([]);
    // propagate-budget-edits and expand-org-defaults read the table's stream.
    expect(inventory.streamMappings).toHaveLength(2);
    expect(cloud.hub.stackName).toBe('org-budgets-hub-local');
  });

  describe('the demo scenario', () => {
    let first: DemoEdit[];
    let second: DemoEdit[];

    it('sets budgets for three accounts: each spoke creates its AWS Budget with the alerts and reports APPLIED', async () => {
      first = await setInitialBudgets(cloud);

      expect(first.map((e) => e.outcome.status)).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);
      const [genomics, webshop, sandbox] = first as [DemoEdit, DemoEdit, DemoEdit];
      const budget = budgetOf(cloud, genomics.key);
      expect(amountOf(genomics.key)).toBe(5000);
      expect(budget?.budget).toMatchObject({ BudgetLimit: { Unit: 'USD' }, TimeUnit: 'MONTHLY' });
      expect(budget?.tags).toEqual(expect.arrayContaining([{ Key: 'org-budgets:managed', Value: 'true' }]));
      // ACTUAL 50, 80, 100 and FORECASTED 100 (the defaults), each to the item's email and the topic.
      expect(budget?.notifications).toHaveLength(4);
      for (const { Subscribers } of budget?.notifications ?? []) {
        expect(Subscribers).toEqual(
          expect.arrayContaining([
            { SubscriptionType: 'EMAIL', Address: 'pi@example.org' },
            expect.objectContaining({ SubscriptionType: 'SNS' }),
          ]),
        );
      }
      expect(
        budgetOf(cloud, webshop.key)
          ?.notifications.map((n) => n.Notification.Threshold)
          .sort(),
      ).toEqual([100, 100, 80]);
      expect(amountOf(sandbox.key)).toBe(100);
      expect(await cloud.getSync(genomics.key)).toMatchObject({
        status: 'APPLIED',
        revision: genomics.outcome.revision,
      });
      for (const edit of first) expect(edit.seconds).toBeLessThan(15);
    });

    it('rejects the typo with a message naming the attribute and keeps the last good budget', async () => {
      second = await makeThreeEdits(cloud);
      const typo = second[0] as DemoEdit;

      expect(typo.outcome).toMatchObject({ status: 'REJECTED', message: 'amount must be greater than 0, got -5000' });
      expect(await cloud.getSync(typo.key)).toMatchObject({ status: 'REJECTED', stage: 'validate' });
      expect(amountOf(typo.key)).toBe(5000);
      expect(await cloud.spokeParameter(typo.key)).toMatchObject({ amount: 5000 });
    });

    it('applies the raise in the member account', async () => {
      const raise = second[1] as DemoEdit;

      expect(raise.outcome.status).toBe('APPLIED');
      expect(amountOf(raise.key)).toBe(1500);
      expect(await cloud.spokeParameter(raise.key)).toMatchObject({ amount: 1500, revision: raise.outcome.revision });
    });

    it('deletes the parameter and the AWS Budget of the deleted item', async () => {
      const deletion = second[2] as DemoEdit;

      expect(deletion.outcome.status).toBe('REMOVED');
      expect(await cloud.getItem(deletion.key)).toBeUndefined();
      expect(await cloud.spokeParameter(deletion.key)).toBeUndefined();
      expect(budgetOf(cloud, deletion.key)).toBeUndefined();
      expect(cloud.budgets(demoAccounts(cloud).sandbox)).toEqual([]);
    });

    it('loses nothing on the way: every stream record processed, nothing dead-lettered', async () => {
      const [stats] = cloud.runtime.streamStats();

      // 6 edits, 5 DELIVERED/REJECTED write-backs… each sync write is a stream record too.
      expect(stats).toMatchObject({ deadLettered: 0, discarded: 0, pending: 0 });
      expect(stats?.processed).toBe(stats?.recordsIn);
      expect(await cloud.hubDeadLetterCount()).toBe(0);
      expect(cloud.runtime.asyncFailures).toEqual([]);
      expect(cloud.runtime.deadLetters).toEqual([]);
    });
  });

  describe('an account without its spoke', () => {
    it('gets FAILED, saying the spoke role cannot be assumed, and the record goes to the hub dead-letter queue', async () => {
      const newcomer = cloud.outsideAccounts[0] as string;
      const edit = await cloud.putItem({ accountId: newcomer, budgetName: 'compute', amount: 250 });

      const outcome = (await cloud.waitForSync([edit.key], { since: edit.at, statuses: ['FAILED'] }))
        .values()
        .next().value;
      await cloud.settled();

      expect(outcome?.message).toMatch(
        new RegExp(`cannot assume arn:aws:iam::${newcomer}:role/org-budgets-spoke.*AccessDenied`),
      );
      expect(await cloud.getSync(edit.key)).toMatchObject({ status: 'FAILED', stage: 'deliver' });
      const [stats] = cloud.runtime.streamStats();
      expect(stats).toMatchObject({ deadLettered: 1, discarded: 0, pending: 0 });
      const ledger = classifyDeadLetters(await cloud.readHubDeadLetters(1));
      expect(ledger).toMatchObject({ streamRecords: 1, invocations: 0, events: 0, other: [] });
      expect(inBatch(outcome?.revision ?? '0', ledger.streamBatches[0] ?? { start: '1', end: '0' })).toBe(true);
    });

    it('gets APPLIED once the account joins the OU, the StackSet rolls its spoke out and the reconciler runs', async () => {
      const newcomer = cloud.outsideAccounts[0] as string;
      const key = { accountId: newcomer, budgetName: 'compute' };

      await cloud.joinSpokeOu(newcomer);
      const since = Date.now();
      expect(cloud.reconcileNow()).toBe(1);
      const outcome = (await cloud.waitForSync([key], { since })).values().next().value;
      await cloud.settled();

      expect(cloud.memberAccounts).toContain(newcomer);
      expect(outcome).toMatchObject({ kind: 'redeliver', status: 'APPLIED' });
      expect(amountOf(key)).toBe(250);
      const emails = await cloud.outbox('cloud-team@example.org');
      expect(emails.map((e) => e.body).join('\n')).toContain(`redelivered ${newcomer}/compute: parameter missing`);
    });
  });
});
