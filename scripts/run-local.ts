/**
 * npm start — org-budgets on this machine, no AWS account needed.
 *
 * Starts moto (a local AWS) behind the local-cloud front door, creates the budgets table in a
 * management account and three member accounts with their spoke, then plays a short scenario
 * through the real handlers (propagate-budget-edits, apply-budget, record-spoke-status): budgets
 * set, one rejected, one raised, one deleted. Prints what finance sees on each item and what
 * each member account holds: its parameter and its AWS Budget.
 *
 *   npm start              play the scenario, then stop everything
 *   npm start -- --keep    keep running afterwards: edit items with the AWS CLI and watch
 *                          them propagate (Ctrl-C stops)
 */
import { parseArgs } from 'node:util';
import { MANAGEMENT_ACCOUNT_ID, SPOKE_ROLE_NAME, type HubSandbox } from '../test/support/hub-sandbox';
import { LocalPipeline } from '../test/support/local-pipeline';

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const ACCOUNTS = { genomics: '111111111111', webshop: '222222222222', sandbox: '333333333333' };
const TABLE = 'org-budgets-local';

let pipeline: LocalPipeline | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    step('stopping moto and the front door');
    await pipeline?.stop().catch((error: unknown) => console.error('could not stop cleanly:', error));
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

function step(message: string) {
  console.log(`\n▶ ${message}`);
}

async function main() {
  step('starting moto and the local-cloud front door on free loopback ports');
  pipeline = await LocalPipeline.start({ spokeAccounts: Object.values(ACCOUNTS), tableName: TABLE });
  const local = pipeline;
  const hub = pipeline.hub;
  console.log(`  endpoint ${hub.frontDoor.endpoint}; management account ${MANAGEMENT_ACCOUNT_ID}`);
  console.log(
    `  member accounts ${Object.entries(ACCOUNTS)
      .map(([n, a]) => `${a} (${n})`)
      .join(', ')}, each with role ${SPOKE_ROLE_NAME}`,
  );

  const handler = local.propagateHandler();
  const propagate = async () => {
    const result = await local.settle(handler);
    if (result.records > 0) {
      console.log(
        `  ${result.records} stream records propagated (${result.failedRecords.length} failed), spokes applied and reported`,
      );
    }
    for (const dead of local.router.deadLetters.splice(0)) console.log(`  dead letter: ${dead.target}: ${dead.error}`);
  };

  step('finance sets budgets for three accounts');
  await hub.putItem({
    accountId: ACCOUNTS.genomics,
    budgetName: 'research-compute',
    amount: 5000,
    emails: ['pi@example.org'],
  });
  await hub.putItem({ accountId: ACCOUNTS.webshop, budgetName: 'production', amount: 1200, alertAt: [80, 100] });
  await hub.putItem({ accountId: ACCOUNTS.sandbox, budgetName: 'experiments', amount: 100, period: 'MONTHLY' });
  await propagate();
  await printState(hub);

  step('finance makes three edits: one with a typo (amount "-5000"), one raise, one deletion');
  await hub.putItem({
    accountId: ACCOUNTS.genomics,
    budgetName: 'research-compute',
    amount: -5000,
    emails: ['pi@example.org'],
  });
  await hub.putItem({ accountId: ACCOUNTS.webshop, budgetName: 'production', amount: 1500, alertAt: [80, 100] });
  await hub.deleteItem(ACCOUNTS.sandbox, 'experiments');
  await propagate();
  await printState(hub);
  console.log('  The rejected edit left the last good budget (5000) in the genomics account.');

  if (!values.keep) {
    step('done');
    return shutdown(0);
  }

  step('running; edit the table and watch the edits propagate (Ctrl-C stops)');
  console.log(`
  export AWS_ACCESS_KEY_ID=management-account AWS_SECRET_ACCESS_KEY=management-account AWS_DEFAULT_REGION=us-east-1
  aws dynamodb put-item --endpoint-url ${hub.frontDoor.endpoint} --table-name ${TABLE} \\
    --item '{"accountId":{"S":"${ACCOUNTS.sandbox}"},"budgetName":{"S":"gpu"},"amount":{"N":"750"}}'
  aws dynamodb get-item --endpoint-url ${hub.frontDoor.endpoint} --table-name ${TABLE} \\
    --key '{"accountId":{"S":"${ACCOUNTS.sandbox}"},"budgetName":{"S":"gpu"}}' --query Item.sync`);
  for (;;) {
    await propagate();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function printState(hub: HubSandbox) {
  const rows: string[][] = [
    ['account', 'budget', 'item amount', 'sync.status', 'sync.message', 'AWS Budget in the account'],
  ];
  const keys: [string, string][] = [
    [ACCOUNTS.genomics, 'research-compute'],
    [ACCOUNTS.webshop, 'production'],
    [ACCOUNTS.sandbox, 'experiments'],
  ];
  for (const [accountId, budgetName] of keys) {
    const item = await hub.getItem(accountId, budgetName);
    const sync = item?.['sync'] as { status?: string; message?: string } | undefined;
    const budget = hub.frontDoor.budgets().find((b) => b.accountId === accountId && b.budget.BudgetName === budgetName);
    const message = sync?.message ?? '-';
    rows.push([
      accountId,
      budgetName,
      item ? String(item['amount']) : '(deleted)',
      sync?.status ?? '-',
      message.length > 60 ? `${message.slice(0, 59)}…` : message,
      budget
        ? `${Number(budget.budget.BudgetLimit?.Amount)} ${budget.budget.BudgetLimit?.Unit} ${budget.budget.TimeUnit?.toLowerCase()}, ${budget.notifications.length} alerts`
        : '(none)',
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`);
    if (i === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
}

main().catch(async (error: unknown) => {
  console.error('\nthe local run failed:', error);
  await shutdown(1);
});
