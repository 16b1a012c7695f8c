import { applyChange, BAD_BUDGET_ITEMS } from '@org-budgets/test-fixtures';
import { createPropagateHandler } from '../../services/hub/src/functions/propagate-budget-edits/create-handler';
import { HubSandbox, SPOKE_EXTERNAL_ID, SPOKE_ROLE_NAME } from '../support/hub-sandbox';

const ALICE = '111111111111';
const BOB = '222222222222';
const CAROL = '333333333333';
const NO_SPOKE = '999999999999';

let sandbox: HubSandbox;
const handler = () =>
  createPropagateHandler({
    tableName: sandbox.tableName,
    spokeRoleName: SPOKE_ROLE_NAME,
    spokeExternalId: SPOKE_EXTERNAL_ID,
    partition: 'aws',
    maxConcurrency: 8,
    alertsTopicArn: sandbox.alertsTopicArn,
  });

beforeAll(async () => {
  sandbox = await HubSandbox.start({ spokeAccounts: [ALICE, BOB, CAROL], tableName: 'org-budgets-it' });
});

afterAll(async () => {
  await sandbox?.stop();
});

afterEach(() => {
  sandbox.frontDoor.clearInjections();
});

describe('hub propagation on moto', () => {
  it('delivers edits to the SSM parameters of two spoke accounts and marks the items DELIVERED', async () => {
    await sandbox.putItem({ accountId: ALICE, budgetName: 'research', amount: 1500, emails: ['pi@example.org'] });
    await sandbox.putItem({ accountId: BOB, budgetName: 'web', amount: 300, period: 'QUARTERLY' });

    const result = await sandbox.processEdits(handler());

    expect(result.failedRecords).toEqual([]);
    const alice = await sandbox.spokeParameter(ALICE, 'research');
    const bob = await sandbox.spokeParameter(BOB, 'web');
    expect(alice).toMatchObject({
      valid: true,
      parameter: { amount: 1500, emails: ['pi@example.org'], period: 'MONTHLY' },
    });
    expect(bob).toMatchObject({ valid: true, parameter: { amount: 300, period: 'QUARTERLY' } });
    expect(await sandbox.spokeParameter(BOB, 'research')).toBeUndefined();
    expect(await sandbox.getSync(ALICE, 'research')).toMatchObject({
      status: 'DELIVERED',
      revision: BigInt(alice?.valid ? alice.parameter.revision : -1),
    });
  });

  it('does not propagate its own sync write-back (loop guard)', async () => {
    await sandbox.putItem({ accountId: CAROL, budgetName: 'loop', amount: 10 });
    await sandbox.processEdits(handler());
    sandbox.frontDoor.clearCalls();

    const writeBacks = await sandbox.processEdits(handler());

    expect(writeBacks.records).toBe(1); // the MODIFY of sync alone
    const calls = sandbox.frontDoor.calls().map((c) => `${c.service}:${c.operation}`);
    expect(calls.filter((c) => c.startsWith('ssm:') || c === 'dynamodb:UpdateItem')).toEqual([]);
    expect((await sandbox.processEdits(handler())).records).toBe(0);
  });

  it('never lets a stale or duplicate record overwrite a newer parameter', async () => {
    await sandbox.putItem({ accountId: ALICE, budgetName: 'ordering', amount: 100 });
    const [first] = await sandbox.readStream();
    await sandbox.runHandler(handler(), first ? [first] : []);
    await sandbox.putItem({ accountId: ALICE, budgetName: 'ordering', amount: 200 });
    await sandbox.processEdits(handler());

    const replay = await sandbox.runHandler(handler(), first ? [first, first] : []);

    expect(replay.failedRecords).toEqual([]);
    expect(await sandbox.spokeParameter(ALICE, 'ordering')).toMatchObject({ parameter: { amount: 200 } });
    expect(await sandbox.getSync(ALICE, 'ordering')).toMatchObject({ status: 'DELIVERED' });
  });

  it('deletes the spoke parameter when the item is deleted', async () => {
    await sandbox.putItem({ accountId: BOB, budgetName: 'short-lived', amount: 5 });
    await sandbox.processEdits(handler());
    expect(await sandbox.spokeParameter(BOB, 'short-lived')).toBeDefined();

    await sandbox.deleteItem(BOB, 'short-lived');
    const result = await sandbox.processEdits(handler());

    expect(result.failedRecords).toEqual([]);
    expect(await sandbox.spokeParameter(BOB, 'short-lived')).toBeUndefined();
    expect(await sandbox.getItem(BOB, 'short-lived')).toBeUndefined();
  });

  it(`rejects ${BAD_BUDGET_ITEMS.length} kinds of bad item with a clear message, touching no spoke, while the rest of the batch succeeds`, async () => {
    const storable = BAD_BUDGET_ITEMS.filter((bad) => bad.change['budgetName'] !== '');
    const items = storable.map((bad, i) =>
      applyChange({ accountId: CAROL, budgetName: `bad-${i}`, amount: 100 }, bad.change),
    );
    await sandbox.putItem({ accountId: ALICE, budgetName: 'good-before', amount: 1 });
    for (const item of items) await sandbox.putItem(item);
    await sandbox.putItem({ accountId: BOB, budgetName: 'good-after', amount: 2 });
    sandbox.frontDoor.clearCalls();

    const result = await sandbox.processEdits(handler());

    expect(result.records).toBe(items.length + 2);
    expect(result.failedRecords).toEqual([]);
    for (const [i, bad] of storable.entries()) {
      const item = items[i] as { accountId: string; budgetName: string };
      const sync = await sandbox.getSync(item.accountId, item.budgetName);
      expect({ name: bad.name, status: sync?.['status'] }).toEqual({ name: bad.name, status: 'REJECTED' });
      expect(sync?.['message']).toMatch(bad.reason);
      if (bad.attribute) expect(sync?.['message']).toContain(`${bad.attribute} `);
    }
    const spokeWrites = sandbox.frontDoor.calls().filter((c) => c.operation === 'PutParameter');
    expect(spokeWrites).toHaveLength(2);
    expect(await sandbox.spokeParameter(ALICE, 'good-before')).toMatchObject({ valid: true });
    expect(await sandbox.spokeParameter(BOB, 'good-after')).toMatchObject({ valid: true });
  });

  it('cannot even store an item with an empty budget name: DynamoDB refuses the key', async () => {
    await expect(sandbox.putItem({ accountId: CAROL, budgetName: '', amount: 1 })).rejects.toThrow(/empty/i);
  });

  it('keeps the last good parameter when an edit is rejected', async () => {
    await sandbox.putItem({ accountId: ALICE, budgetName: 'keep', amount: 700 });
    await sandbox.processEdits(handler());
    await sandbox.putItem({ accountId: ALICE, budgetName: 'keep', amount: -700 });

    await sandbox.processEdits(handler());

    expect(await sandbox.spokeParameter(ALICE, 'keep')).toMatchObject({ parameter: { amount: 700 } });
    expect(await sandbox.getSync(ALICE, 'keep')).toMatchObject({
      status: 'REJECTED',
      message: 'amount must be greater than 0, got -700',
    });
  });

  it('fails only the record of an account whose role cannot be assumed, and says why on the item', async () => {
    sandbox.frontDoor.setFaults([
      {
        service: 'sts',
        operation: 'AssumeRole',
        matchBody: { RoleArn: `arn:aws:iam::${NO_SPOKE}:role/${SPOKE_ROLE_NAME}` },
        error: { code: 'AccessDenied', message: 'User is not authorized to perform: sts:AssumeRole', httpStatus: 403 },
      },
    ]);
    await sandbox.putItem({ accountId: ALICE, budgetName: 'batch-a', amount: 1 });
    await sandbox.putItem({ accountId: NO_SPOKE, budgetName: 'orphan', amount: 1 });
    await sandbox.putItem({ accountId: BOB, budgetName: 'batch-b', amount: 1 });
    const records = await sandbox.readStream();
    const orphan = records.find((r) => r.dynamodb?.Keys?.['accountId']?.S === NO_SPOKE);

    const result = await sandbox.runHandler(handler(), records);

    expect(result.failedRecords).toEqual([orphan?.dynamodb?.SequenceNumber]);
    expect(await sandbox.spokeParameter(ALICE, 'batch-a')).toBeDefined();
    expect(await sandbox.spokeParameter(BOB, 'batch-b')).toBeDefined();
    expect(await sandbox.getSync(NO_SPOKE, 'orphan')).toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(/cannot assume arn:aws:iam::999999999999:role\/org-budgets-spoke.*AccessDenied/),
    });
  });

  it('fails only the throttled account’s record once the SDK’s retries are used up', async () => {
    const throttledRole = `arn:aws:iam::${CAROL}:role/${SPOKE_ROLE_NAME}`;
    sandbox.frontDoor.setFaults([
      {
        service: 'sts',
        operation: 'AssumeRole',
        matchBody: { RoleArn: throttledRole },
        error: { code: 'Throttling', message: 'Rate exceeded', httpStatus: 400 },
      },
    ]);
    await sandbox.putItem({ accountId: CAROL, budgetName: 'throttled', amount: 3 });
    await sandbox.putItem({ accountId: ALICE, budgetName: 'not-throttled', amount: 3 });

    const result = await sandbox.processEdits(handler());

    expect(result.failedRecords).toHaveLength(1);
    expect(await sandbox.getSync(CAROL, 'throttled')).toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining('Rate exceeded'),
    });
    expect(await sandbox.getSync(ALICE, 'not-throttled')).toMatchObject({ status: 'DELIVERED' });
    const attempts = sandbox.frontDoor.calls().filter((c) => c.fault === 'Throttling').length;
    expect(attempts).toBeGreaterThan(1); // the SDK retried before giving up

    sandbox.frontDoor.clearInjections();
    const retry = await sandbox.processEdits(handler()); // the write-backs, as Lambda's retry would see
    expect(retry.failedRecords).toEqual([]);
  });

  it('assumes each spoke role once for many budgets of the same account', async () => {
    for (const name of ['one', 'two', 'three', 'four'])
      await sandbox.putItem({ accountId: BOB, budgetName: name, amount: 9 });
    sandbox.frontDoor.clearCalls();

    await sandbox.processEdits(handler());

    expect(sandbox.frontDoor.calls().filter((c) => c.operation === 'AssumeRole')).toHaveLength(1);
  });
});
