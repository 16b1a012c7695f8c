/**
 * Faults injected at the front door while a dozen accounts are edited at once: throttled and
 * refused STS AssumeRole, throttled and failing SSM, throttled DynamoDB write-backs and
 * EventBridge PutEvents. Retries carry the edits through; what cannot get through ends FAILED on
 * its item with the reason, its stream record in the hub's dead-letter queue. Every record is
 * counted in and out. One deploy for the file.
 */
import {
  itemKeyString,
  type CallInfo,
  type FaultRule,
  type ItemEdit,
  type ItemSync,
  type LocalCloud,
} from '@org-budgets/sandbox';
import { classifyDeadLetters, inBatch, report, startE2eCloud } from './support';

// Deploying takes some 20 s; a test may wait for retries.
jest.setTimeout(300_000);

const ACCOUNTS = 12;
const SPOKE_ROLE = ':role/org-budgets-spoke';
let cloud: LocalCloud;
let edits: ItemEdit[];
let broken: string;

const roleArnOf = (call: CallInfo): string => {
  const roleArn = (call.body as { RoleArn?: unknown } | undefined)?.RoleArn;
  return typeof roleArn === 'string' ? roleArn : '';
};

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: ACCOUNTS });
  broken = cloud.memberAccounts[0] as string;
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
});

describe('faults at the front door', () => {
  it('ends every edit APPLIED, or FAILED with the reason when its account stays unreachable', async () => {
    const faults: FaultRule[] = [
      // One account refuses the hub for good (a spoke role that no longer trusts it).
      {
        service: 'sts',
        operation: 'AssumeRole',
        matchBody: { RoleArn: `arn:aws:iam::${broken}${SPOKE_ROLE}` },
        error: { code: 'AccessDenied', message: 'not authorized to perform: sts:AssumeRole', httpStatus: 403 },
      },
      // Transient faults: the first calls of each kind fail, then the service recovers.
      {
        service: 'sts',
        operation: 'AssumeRole',
        match: (call) => roleArnOf(call).endsWith(SPOKE_ROLE),
        times: 8,
        error: { code: 'Throttling', message: 'Rate exceeded', httpStatus: 400 },
      },
      {
        service: 'ssm',
        operation: 'PutParameter',
        times: 6,
        error: { code: 'ThrottlingException', message: 'Rate exceeded', httpStatus: 400 },
      },
      {
        service: 'ssm',
        operation: 'GetParameter',
        times: 6,
        error: { code: 'InternalServerError', message: 'We encountered an internal error', httpStatus: 500 },
      },
      {
        service: 'dynamodb',
        operation: 'UpdateItem',
        times: 6,
        error: {
          code: 'ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded',
          httpStatus: 400,
        },
      },
      {
        service: 'events',
        operation: 'PutEvents',
        times: 4,
        error: { code: 'ThrottlingException', message: 'Rate exceeded', httpStatus: 400 },
      },
    ];
    cloud.frontDoor.setFaults(faults);
    cloud.frontDoor.clearCalls();
    const started = Date.now();

    edits = await Promise.all(
      cloud.memberAccounts.map((accountId, i) => cloud.putItem({ accountId, budgetName: 'compute', amount: 10 + i })),
    );
    // Quiet: every retry done, every failure recorded where it goes.
    await cloud.settled(180_000);
    await cloud.watcher.poll();

    const finals = await Promise.all(edits.map(async (e) => ({ key: e.key, sync: await cloud.getSync(e.key) })));
    const byStatus = (status: string) => finals.filter((f) => f.sync?.status === status);
    const injected = cloud.frontDoor.calls().filter((c) => c.fault !== undefined);
    report(
      `faults: ${injected.length} faults injected (${summarize(injected.map((c) => `${c.service}:${c.operation} ${c.fault ?? ''}`))}); ` +
        `${byStatus('APPLIED').length} APPLIED, ${byStatus('FAILED').length} FAILED in ${Date.now() - started} ms`,
    );

    expect(injected.length).toBeGreaterThan(20);
    expect(
      byStatus('APPLIED')
        .map((f) => f.key.accountId)
        .sort(),
    ).toEqual(cloud.memberAccounts.filter((a) => a !== broken).sort());
    expect(byStatus('FAILED')).toEqual([
      {
        key: { accountId: broken, budgetName: 'compute' },
        sync: expect.objectContaining<Partial<ItemSync>>({
          stage: 'deliver',
          message: expect.stringMatching(/cannot assume .*AccessDenied/) as string,
        }),
      },
    ]);
    // Each item's status is about its edit (the revision the watcher saw), not an older one.
    for (const { key, sync } of finals) {
      expect(sync?.revision).toBe(cloud.watcher.item(key)?.propagation?.revision);
    }
  });

  it('counts every record in and out: processed, or in a dead-letter queue', async () => {
    const stats = cloud.runtime.streamStats();
    const recordsIn = stats.reduce((n, s) => n + s.recordsIn, 0);
    const out = stats.reduce((n, s) => n + s.processed + s.filtered + s.deadLettered + s.discarded, 0);
    const deadLettered = stats.reduce((n, s) => n + s.deadLettered, 0);
    const ledger = classifyDeadLetters(await cloud.readHubDeadLetters(1));
    const spokeDeadLetters = (
      await Promise.all(cloud.memberAccounts.map((account) => cloud.spokeDeadLetterCount(account)))
    ).reduce((a, b) => a + b, 0);
    report(
      `faults: stream records ${recordsIn} in, ${out} out (${deadLettered} dead-lettered); hub DLQ ${JSON.stringify({ ...ledger, other: ledger.other.length })}; spoke DLQs ${spokeDeadLetters}`,
    );

    expect(stats.every((s) => s.pending === 0 && s.discarded === 0 && s.destinationErrors === 0)).toBe(true);
    expect(out).toBe(recordsIn);
    // The batch holding the broken account's edit, given up on after the mapping's retries (with
    // ReportBatchItemFailures, Lambda retries and gives up on the batch from the failed record
    // on: the records after it were processed, and are in the failure record's range too).
    const brokenRevision = cloud.watcher.item({ accountId: broken, budgetName: 'compute' })?.propagation?.revision;
    expect(deadLettered).toBeGreaterThanOrEqual(1);
    expect(ledger).toMatchObject({ streamRecords: deadLettered, invocations: 0, events: 0, other: [] });
    expect(ledger.streamBatches.some((batch) => inBatch(brokenRevision ?? '0', batch))).toBe(true);
    expect(spokeDeadLetters).toBe(0);
    expect(cloud.runtime.asyncFailures).toEqual([]);
    expect(cloud.runtime.deadLetters).toEqual([]);
    // Every edit is accounted for on its item.
    const seen = new Set(cloud.watcher.items().map((p) => itemKeyString(p.key)));
    expect(edits.filter((e) => !seen.has(itemKeyString(e.key)))).toEqual([]);
  });

  it('applies the failed edit once the account lets the hub in again and the reconciler runs', async () => {
    cloud.frontDoor.clearInjections();
    const key = { accountId: broken, budgetName: 'compute' };
    const since = Date.now();

    expect(cloud.reconcileNow()).toBe(1);
    const outcome = (await cloud.waitForSync([key], { since })).get(itemKeyString(key));
    await cloud.settled();

    expect(outcome).toMatchObject({ kind: 'redeliver', status: 'APPLIED' });
    expect(Number(cloud.budgets(broken)[0]?.budget.BudgetLimit?.Amount)).toBe(10);
    const finals = await Promise.all(edits.map((e) => cloud.getSync(e.key)));
    expect(finals.map((s) => s?.status)).toEqual(edits.map(() => 'APPLIED'));
  });
});

function summarize(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].map(([label, n]) => `${n}× ${label}`).join(', ');
}
