/**
 * Removing a spoke gives back what the cost guardian holds, on the local cloud: the guardian
 * disables a lab's guarded job queues, then the account leaves the spokes' OU, so that the
 * StackSet's auto-deployment deletes its stack instance. CloudFormation's Delete to the custom
 * resource GuardianQueuesRelease (sent by the local cloud, as moto sends none) runs the deployed
 * release-guardian-queues bundle in the member account: the queues are enabled again, the ledger
 * table stays, with a REMOVAL run. A queue that cannot be re-enabled stops the removal until the
 * deletion is tried again.
 */
import {
  GUARDED_QUEUES,
  UNGUARDED_QUEUE,
  guardianBudget,
  guardianLedger,
  queueStates,
  runGuardianNow,
  setUpLabBatch,
  type LocalCloud,
} from '@org-budgets/sandbox';
import { startE2eCloud } from './support';

jest.setTimeout(300_000);

let cloud: LocalCloud;
let account: string;

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: 1 });
  account = cloud.memberAccounts[0] as string;
  await setUpLabBatch(cloud, account);
  const edit = await cloud.putItem(guardianBudget(account));
  const outcomes = await cloud.waitForSync([edit.key], { since: edit.at, statuses: ['APPLIED', 'REJECTED', 'FAILED'] });
  expect([...outcomes.values()].map((o) => o.status)).toEqual(['APPLIED']);
  await cloud.settled(60_000);
  // AWS Budgets knew of $8.50 of the $10 an hour ago: past 80%, below 100%. The guardian disables
  // the guarded queues and terminates nothing.
  cloud.frontDoor.setBudgetSpend({
    accountId: account,
    budgetName: guardianBudget(account).budgetName,
    actual: 8.5,
    calculatedAt: new Date(Date.now() - 3_600_000),
  });
  await runGuardianNow(cloud, account);
}, 290_000);

afterAll(async () => {
  await cloud?.stop();
});

const spokeFunctions = () =>
  cloud.runtime
    .functions()
    .filter((f) => f.account === account)
    .map((f) => f.functionName);

describe('removing a spoke on the local cloud', () => {
  it('starts from the guardian holding the guarded queues disabled', async () => {
    expect(await queueStates(cloud, account)).toEqual({
      [GUARDED_QUEUES[0]]: 'DISABLED',
      [GUARDED_QUEUES[1]]: 'DISABLED',
      [UNGUARDED_QUEUE]: 'ENABLED',
    });
    expect(spokeFunctions()).toContain('org-budgets-spoke-local-releaseGuardianQueues');
  });

  it('stops the removal, naming the queues, when they cannot be re-enabled; the spoke stays', async () => {
    cloud.frontDoor.setFaults([
      {
        service: 'batch',
        operation: 'UpdateJobQueue',
        accountId: account,
        error: { code: 'ClientException', message: 'the job queue cannot be updated now', httpStatus: 400 },
      },
    ]);
    try {
      await expect(cloud.leaveSpokeOu(account)).rejects.toThrow(
        /Delete of custom resource GuardianQueuesRelease failed: .*queue research-a \(budget batch-grant\) is still DISABLED: ClientException/,
      );
    } finally {
      cloud.frontDoor.setFaults([]);
    }
    expect(await queueStates(cloud, account)).toMatchObject({
      [GUARDED_QUEUES[0]]: 'DISABLED',
      [GUARDED_QUEUES[1]]: 'DISABLED',
    });
    expect(spokeFunctions()).toContain('org-budgets-spoke-local-enforceSpend');
  });

  it('once tried again, re-enables exactly the queues the guardian disabled and removes the spoke', async () => {
    await cloud.leaveSpokeOu(account);

    expect(await queueStates(cloud, account)).toEqual({
      [GUARDED_QUEUES[0]]: 'ENABLED',
      [GUARDED_QUEUES[1]]: 'ENABLED',
      [UNGUARDED_QUEUE]: 'ENABLED',
    });
    expect(spokeFunctions()).toEqual([]);
    expect(cloud.memberAccounts).not.toContain(account);
  });

  it('keeps the ledger table, with a REMOVAL run of each attempt and the state released', async () => {
    const ledger = await guardianLedger(cloud, account);

    const removals = ledger
      .filter((item) => item['level'] === 'REMOVAL')
      .sort((a, b) => String(a['at']).localeCompare(String(b['at'])));
    expect(removals.map((run) => run['actionCounts'])).toEqual([
      { ENABLE_QUEUE: { FAILED: 2 } },
      { ENABLE_QUEUE: { DONE: 2 } },
    ]);
    const state = ledger.find((item) => item['sk'] === 'GUARDIAN' && item['budgetName'] === 'batch-grant');
    expect(state?.['summary']).toMatchObject({ heldQueues: [] });
    expect(state?.['lease']).toMatchObject({ owner: expect.stringMatching(/^stack-removal:/) });
  });
});
