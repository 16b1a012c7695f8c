import { DeleteParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { HubSandbox } from '../support/hub-sandbox';

const ALICE = '111111111111';
const LATECOMER = '444444444444';

let sandbox: HubSandbox;

const propagate = () => sandbox.propagateHandler();
const reconcile = () => sandbox.reconcile();

beforeAll(async () => {
  sandbox = await HubSandbox.start({ spokeAccounts: [ALICE], tableName: 'org-budgets-reconcile' });
});

afterAll(async () => {
  await sandbox?.stop();
});

afterEach(() => sandbox.frontDoor.clearInjections());

describe('reconcile-budgets on moto', () => {
  it('finds nothing to repair while a delivered item waits for its spoke, and redelivers it after 15 minutes', async () => {
    await sandbox.putItem({ accountId: ALICE, budgetName: 'steady', amount: 10 });
    await sandbox.processEdits(propagate());
    await sandbox.processEdits(propagate());

    const report = await reconcile();
    const later = await sandbox.reconcile({ now: () => new Date(Date.now() + 16 * 60_000) });

    // The sandbox has no spoke functions: DELIVERED is never followed by APPLIED here.
    expect(report).toMatchObject({ items: 1, inSync: 0, onTheirWay: 1, repaired: [], errors: [] });
    expect(later.repaired).toEqual([{ accountId: ALICE, budgetName: 'steady', reason: 'stuck DELIVERED', attempt: 1 }]);
    expect((await sandbox.getItem(ALICE, 'steady'))?.['repair']).toMatchObject({ attempts: 1 });
    await sandbox.processEdits(propagate());
    await sandbox.processEdits(propagate());
  });

  it('redelivers a parameter that disappeared from the spoke, through the stream', async () => {
    await sandbox.putItem({ accountId: ALICE, budgetName: 'lost', amount: 20 });
    await sandbox.processEdits(propagate());
    const ssm = new SSMClient({ credentials: await sandbox.accountCredentials(ALICE) });
    await ssm.send(new DeleteParameterCommand({ Name: '/org-budgets/budgets/lost' }));

    const report = await reconcile();
    expect(report.repaired).toEqual([
      { accountId: ALICE, budgetName: 'lost', reason: 'parameter missing', attempt: 1 },
    ]);
    expect(await sandbox.getSync(ALICE, 'lost')).toMatchObject({ status: 'PENDING' });
    const redelivery = await sandbox.processEdits(propagate());

    expect(redelivery.failedRecords).toEqual([]);
    expect(await sandbox.spokeParameter(ALICE, 'lost')).toMatchObject({ valid: true, parameter: { amount: 20 } });
    expect(await sandbox.getSync(ALICE, 'lost')).toMatchObject({ status: 'DELIVERED' });
    await sandbox.processEdits(propagate()); // the write-back: ignored
    expect((await reconcile()).repaired).toEqual([]);
  });

  it('delivers the items of an account once its spoke exists', async () => {
    // LATECOMER has no spoke role yet: the front door refuses AssumeRole as AWS would.
    await sandbox.putItem({ accountId: LATECOMER, budgetName: 'early', amount: 30 });
    await sandbox.putItem({ accountId: LATECOMER, budgetName: 'earlier', amount: 40 });
    const first = await sandbox.processEdits(propagate());
    expect(first.failedRecords).toHaveLength(2);
    expect(await sandbox.getSync(LATECOMER, 'early')).toMatchObject({ status: 'FAILED' });
    await sandbox.processEdits(propagate()); // FAILED write-backs

    const whileMissing = await reconcile();
    expect(whileMissing.spokesUnreachable).toEqual([
      { accountId: LATECOMER, items: 2, reason: expect.stringContaining('AccessDenied') },
    ]);
    expect(whileMissing.repaired).toEqual([]);

    await sandbox.addSpokeAccounts([LATECOMER]); // the StackSet rolled the spoke out
    const afterRollout = await reconcile();
    await sandbox.processEdits(propagate());

    expect(afterRollout.repaired.map((r) => r.budgetName).sort()).toEqual(['earlier', 'early']);
    expect(await sandbox.spokeParameter(LATECOMER, 'early')).toMatchObject({ parameter: { amount: 30 } });
    expect(await sandbox.spokeParameter(LATECOMER, 'earlier')).toMatchObject({ parameter: { amount: 40 } });
    expect(await sandbox.getSync(LATECOMER, 'earlier')).toMatchObject({ status: 'DELIVERED' });
  });

  it('is harmless when it runs while an edit is still on its way through the stream', async () => {
    await sandbox.putItem({ accountId: ALICE, budgetName: 'racing', amount: 1 });
    await sandbox.processEdits(propagate());
    await sandbox.processEdits(propagate());
    await sandbox.putItem({ accountId: ALICE, budgetName: 'racing', amount: 2 }); // not yet propagated

    const report = await reconcile();
    const delivery = await sandbox.processEdits(propagate()); // the edit, then the redundant request
    await sandbox.processEdits(propagate());

    // finance's put replaced the whole item, sync included: the reconciler sees it never delivered.
    expect(report.repaired).toEqual([
      { accountId: ALICE, budgetName: 'racing', reason: 'never delivered', attempt: 1 },
    ]);
    expect(delivery.failedRecords).toEqual([]);
    expect(await sandbox.spokeParameter(ALICE, 'racing')).toMatchObject({ parameter: { amount: 2 } });
    expect(await sandbox.getSync(ALICE, 'racing')).toMatchObject({ status: 'DELIVERED' });
    expect((await reconcile()).repaired).toEqual([]);
  });
});
