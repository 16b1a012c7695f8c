/**
 * npm start — the hub of org-budgets on this machine, no AWS account needed.
 *
 * Starts moto (a local AWS) behind the local-cloud front door, creates the budgets table in a
 * management account and three member accounts with their spoke role, then plays a short
 * scenario through the real propagate-budget-edits handler: budgets set, one rejected, one
 * raised, one deleted. Prints what finance would see on each item and what each member
 * account holds in Parameter Store.
 *
 *   npm start              play the scenario, then stop everything
 *   npm start -- --keep    keep running afterwards: edit items with the AWS CLI and watch
 *                          them propagate (Ctrl-C stops)
 */
import { parseArgs } from 'node:util';
import { createPropagateHandler } from '../services/hub/src/functions/propagate-budget-edits/create-handler';
import { HubSandbox, MANAGEMENT_ACCOUNT_ID, SPOKE_EXTERNAL_ID, SPOKE_ROLE_NAME } from '../test/support/hub-sandbox';

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const ACCOUNTS = { genomics: '111111111111', webshop: '222222222222', sandbox: '333333333333' };
const TABLE = 'org-budgets-local';

let sandbox: HubSandbox | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    step('stopping moto and the front door');
    await sandbox?.stop().catch((error: unknown) => console.error('could not stop cleanly:', error));
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
  sandbox = await HubSandbox.start({ spokeAccounts: Object.values(ACCOUNTS), tableName: TABLE });
  const hub = sandbox;
  console.log(`  endpoint ${hub.frontDoor.endpoint}; management account ${MANAGEMENT_ACCOUNT_ID}`);
  console.log(
    `  member accounts ${Object.entries(ACCOUNTS)
      .map(([n, a]) => `${a} (${n})`)
      .join(', ')}, each with role ${SPOKE_ROLE_NAME}`,
  );

  const handler = createPropagateHandler({
    tableName: TABLE,
    spokeRoleName: SPOKE_ROLE_NAME,
    spokeExternalId: SPOKE_EXTERNAL_ID,
    partition: 'aws',
    maxConcurrency: 32,
  });
  const propagate = async () => {
    const result = await hub.processEdits(handler);
    if (result.records > 0) {
      console.log(`  propagate-budget-edits: ${result.records} stream records, ${result.failedRecords.length} failed`);
    }
    for (const error of result.batchErrors) console.log(`  batch failed: ${error}`);
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
  await propagate(); // the sync write-backs: seen and ignored by the loop guard
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
  const rows: string[][] = [['account', 'budget', 'item amount', 'sync.status', 'sync.message', 'spoke parameter']];
  const keys: [string, string][] = [
    [ACCOUNTS.genomics, 'research-compute'],
    [ACCOUNTS.webshop, 'production'],
    [ACCOUNTS.sandbox, 'experiments'],
  ];
  for (const [accountId, budgetName] of keys) {
    const item = await hub.getItem(accountId, budgetName);
    const sync = item?.['sync'] as { status?: string; message?: string } | undefined;
    const parameter = await hub.spokeParameter(accountId, budgetName);
    rows.push([
      accountId,
      budgetName,
      item ? String(item['amount']) : '(deleted)',
      sync?.status ?? '-',
      sync?.message ?? '-',
      parameter === undefined
        ? '(none)'
        : parameter.valid
          ? `amount ${parameter.parameter.amount}, revision …${parameter.parameter.revision.slice(-4)}`
          : 'unreadable',
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
