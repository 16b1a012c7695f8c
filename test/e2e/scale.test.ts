/**
 * Fifty member accounts, their spokes rolled out by the StackSet, edited at once: every edit
 * reaches its account's AWS Budget and comes back APPLIED. One deploy for the file.
 */
import { itemKeyString, type ItemEdit, type LocalCloud } from '@org-budgets/sandbox';
import { percentile, report, startE2eCloud } from './support';

// Deploying takes some 20 s; a test may wait for retries.
jest.setTimeout(300_000);

const ACCOUNTS = 50;
let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: ACCOUNTS });
  report(
    `scale: ${ACCOUNTS} accounts up in ${cloud.timings['total']} ms (StackSet rollout ${cloud.timings['spoke rollout']} ms, runtime ${cloud.timings['runtime start']} ms)`,
  );
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
});

it(`applies an edit in each of ${ACCOUNTS} accounts made at once`, async () => {
  expect(cloud.stackSet.stackSetName).toBe('org-budgets-spoke-local');
  const started = Date.now();
  const edits: ItemEdit[] = await Promise.all(
    cloud.memberAccounts.map((accountId, i) =>
      cloud.putItem({ accountId, budgetName: 'compute', amount: 100 + i, emails: [`lab-${i}@example.org`] }),
    ),
  );

  const outcomes = await cloud.waitForSync(
    edits.map((e) => e.key),
    { since: started, timeoutMs: 180_000 },
  );
  const allAppliedMs = Date.now() - started;
  await cloud.settled();

  expect([...outcomes.values()].filter((o) => o.status !== 'APPLIED')).toEqual([]);
  for (const [i, accountId] of cloud.memberAccounts.entries()) {
    const budgets = cloud.budgets(accountId);
    expect(budgets).toHaveLength(1);
    expect(Number(budgets[0]?.budget.BudgetLimit?.Amount)).toBe(100 + i);
  }
  const [stats] = cloud.runtime.streamStats();
  // Each edit, then its DELIVERED and its APPLIED write-back, and at least one write of the spend
  // and state the spoke reports after applying (record-budget-spend writes again when a later
  // report changes them): every record processed, none dead-lettered.
  expect(stats).toMatchObject({ deadLettered: 0, pending: 0 });
  expect(stats?.recordsIn).toBeGreaterThanOrEqual(4 * ACCOUNTS);
  expect(stats?.processed).toBe(stats?.recordsIn);
  expect(await cloud.hubDeadLetterCount()).toBe(0);
  expect(cloud.runtime.asyncFailures).toEqual([]);
  expect(cloud.runtime.deadLetters).toEqual([]);
  const latencies = edits.map((e) => (outcomes.get(itemKeyString(e.key))?.statusSeenAt ?? 0) - e.at);
  report(
    `scale: ${ACCOUNTS} edits at once all APPLIED in ${allAppliedMs} ms; edit→APPLIED p50 ${percentile(latencies, 50)} ms, max ${Math.max(...latencies)} ms`,
  );
});
