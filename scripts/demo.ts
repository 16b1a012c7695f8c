/**
 * pnpm demo — org-budgets deployed on this machine as it is on AWS, and a short scenario.
 *
 * Starts moto and the local-cloud front door on free loopback ports, creates an organization
 * with an OU of three member accounts, deploys the hub with `serverless deploy --stage local`
 * into the management account, rolls the spoke out to the OU with the StackSet code, and runs
 * the deployed bundles in the local Lambda runtime. Then finance sets budgets for the three
 * accounts and makes three edits (a typo, a raise, a deletion), and the demo shows what each
 * item says and what each member account holds. Last, the cost guardian: AWS Batch jobs in the
 * front door's simulator push a $10 budget past 80% (job queues disabled, a notice in the
 * outbox) and past 100% (300 jobs terminated), and finance's raise gives the queues back.
 *
 *   pnpm demo              play the scenario, then stop everything (exit code 0 when it all worked)
 *   pnpm demo -- --keep    keep running afterwards: edit items with the AWS CLI (Ctrl-C stops)
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  budgetOf,
  demoAccounts,
  describeBudget,
  LocalCloudInterruptedError,
  GUARDED_QUEUES,
  makeThreeEdits,
  playGuardianAct,
  playLockdownAct,
  playOrgDefaultsAct,
  ORG_DEFAULT_AMOUNT,
  ORG_DEFAULT_BUDGET,
  runGuardianNow,
  setInitialBudgets,
  UNGUARDED_QUEUE,
  startLocalCloud,
  type DemoAccounts,
  type DemoEdit,
  type LocalCloud,
} from '@org-budgets/sandbox';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// `pnpm demo -- --keep` passes the `--` on.
const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { keep: { type: 'boolean', default: false } },
});
const keep = values.keep;
const started = Date.now();
const clock = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;

function step(message: string): void {
  console.log(`\n▶ ${message}`);
}
function line(message: string): void {
  console.log(`  ${message}`);
}

class DemoCheckFailed extends Error {
  override readonly name = 'DemoCheckFailed';
}
function check(condition: boolean, message: string): void {
  if (!condition) throw new DemoCheckFailed(message);
}

let cloud: LocalCloud | undefined;

async function main(): Promise<void> {
  step('starting the local cloud: moto, the front door, an organization, the hub and the spokes');
  cloud = await startLocalCloud({
    memberAccounts: 3,
    // One account outside the spokes' OU, which joins it in the organization-defaults act.
    accountsOutsideOu: 1,
    keep,
    progress: (message) => line(`[${clock()}] ${message}`),
  });
  const local = cloud;
  const accounts = demoAccounts(local);
  const name = (accountId: string): string =>
    Object.entries(accounts).find(([, id]) => id === accountId)?.[0] ?? accountId;
  line(
    `member accounts: ${Object.entries(accounts)
      .map(([n, id]) => `${id} (${n})`)
      .join(', ')}`,
  );
  const deployedAt = Date.now();

  step('finance sets budgets for three accounts');
  const first = await setInitialBudgets(local);
  printItems(local, first, accounts);
  for (const edit of first) {
    check(
      edit.outcome.status === 'APPLIED',
      `${name(edit.key.accountId)}/${edit.key.budgetName} ended ${edit.outcome.status}: ${edit.outcome.message ?? ''}`,
    );
    check(budgetOf(local, edit.key) !== undefined, `no AWS Budget ${edit.key.budgetName} in ${edit.key.accountId}`);
  }
  line("each member account's spoke created its AWS Budget with the item's alerts, and reported APPLIED");

  step('finance makes three edits: one with a typo (amount -5000), one raise (1200 → 1500), one deletion');
  const second = await makeThreeEdits(local);
  printItems(local, second, accounts);
  const [typo, raise, deletion] = second as [DemoEdit, DemoEdit, DemoEdit];
  check(typo.outcome.status === 'REJECTED', `the typo ended ${typo.outcome.status}, not REJECTED`);
  check(
    Number(budgetOf(local, typo.key)?.budget.BudgetLimit?.Amount) === 5000,
    'the rejected edit changed the genomics budget',
  );
  check(raise.outcome.status === 'APPLIED', `the raise ended ${raise.outcome.status}: ${raise.outcome.message ?? ''}`);
  check(Number(budgetOf(local, raise.key)?.budget.BudgetLimit?.Amount) === 1500, 'the webshop budget is not 1500');
  check((await local.getItem(deletion.key)) === undefined, 'the deleted item is still in the table');
  check((await local.spokeParameter(deletion.key)) === undefined, 'the sandbox parameter was not deleted');
  check(budgetOf(local, deletion.key) === undefined, 'the sandbox budget was not deleted');
  line(`REJECTED: ${typo.outcome.message ?? ''}`);
  line('the rejected edit left the last good budget (5000 USD) in the genomics account;');
  line('the deletion removed the parameter and the AWS Budget in the sandbox account.');

  step('every edit, from the table to the member account and back');
  printEdits([...first, ...second], name);
  const stats = local.runtime.streamStats();
  const deadLettered = stats.reduce((n, s) => n + s.deadLettered + s.discarded, 0);
  check(deadLettered === 0 && (await local.hubDeadLetterCount()) === 0, 'records were dead-lettered');
  check(local.runtime.asyncFailures.length === 0 && local.runtime.deadLetters.length === 0, 'invocations failed');
  line(
    `stream records: ${stats.reduce((n, s) => n + s.recordsIn, 0)} in, ${stats.reduce((n, s) => n + s.processed, 0)} processed, ` +
      `${deadLettered} dead-lettered; hub dead-letter queue empty`,
  );
  const t = local.timings;
  const s = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  line(
    `timings: start ${s(t['total'])} (hub serverless deploy ${s(t['hub deploy'])}, spoke StackSet build ${s(t['spoke build'])} ` +
      `alongside, StackSet rollout ${s(t['spoke rollout'])}, runtime ${s(t['runtime start'])}); scenario ${s(Date.now() - deployedAt)}`,
  );

  step("the cost guardian: the genomics lab's AWS Batch jobs against a $10 budget (guardian mode enforce)");
  const guardianStart = Date.now();
  const act = await playGuardianAct(local, {
    accountId: accounts.genomics,
    progress: (message) => line(`[${clock()}] ${message}`),
  });
  const [disabled, terminated, raised] = act.steps;
  check(
    GUARDED_QUEUES.every((q) => disabled?.queues[q] === 'DISABLED') && disabled?.queues[UNGUARDED_QUEUE] === 'ENABLED',
    'past 80% the guarded queues were not disabled (or the unguarded one was)',
  );
  check(terminated?.jobs['FAILED'] === act.guardedJobIds.length, 'past 100% not every research job was terminated');
  check(
    GUARDED_QUEUES.every((q) => raised?.queues[q] === 'ENABLED'),
    'the guarded queues were not enabled again after the raise',
  );
  check(raised?.emails.length === 3, `the lab got ${raised?.emails.length ?? 0} notices, not 3`);
  check(local.runtime.asyncFailures.length === 0 && local.runtime.deadLetters.length === 0, 'invocations failed');
  line("the lab's mailbox (the local outbox), one notice per action:");
  for (const email of raised?.emails ?? []) line(`  ✉ ${email.subject}`);
  line(`guardian act: ${((Date.now() - guardianStart) / 1000).toFixed(1)} s`);

  step(
    `spend, states and lockdown: the webshop's cloud-spend budget, $1000/month, lockdown at Shutdown (mode enforce)`,
  );
  const lockdownStart = Date.now();
  const lockdown = await playLockdownAct(local, {
    accountId: accounts.webshop,
    progress: (message) => line(`[${clock()}] ${message}`),
  });
  const states = lockdown.steps.map((s) => s.state);
  check(
    ['On target', 'Over', 'Critical', 'Shutdown'].every((s) => states.includes(s)),
    `the budget did not move through On target, Over, Critical and Shutdown: ${states.join(', ')}`,
  );
  check(
    lockdown.steps.some((s) => s.lockdown === 'LOCKED' && s.policyAttached),
    'the account was not locked down',
  );
  const last = lockdown.steps.at(-1);
  check(last?.lockdown === 'LIFTED' && !last.policyAttached, 'the raise did not lift the lockdown');
  check(local.runtime.asyncFailures.length === 0 && local.runtime.deadLetters.length === 0, 'invocations failed');
  line("the owner's mailbox (the local outbox):");
  for (const email of lockdown.emails) line(`  ✉ ${email.subject ?? ''}`);
  line(`lockdown act: ${((Date.now() - lockdownStart) / 1000).toFixed(1)} s`);

  step('organization defaults: one item for the whole OU, and an account that joins it');
  const defaultsStart = Date.now();
  const newcomer = local.outsideAccounts[0];
  check(newcomer !== undefined, 'no account outside the OU to join it');
  const defaults = await playOrgDefaultsAct(local, {
    newcomer: newcomer as string,
    progress: (message) => line(`[${clock()}] ${message}`),
  });
  for (const accountId of [...defaults.accounts, defaults.newcomer]) {
    check(
      Number(budgetOf(local, { accountId, budgetName: ORG_DEFAULT_BUDGET })?.budget.BudgetLimit?.Amount) ===
        ORG_DEFAULT_AMOUNT,
      `account ${accountId} has no ${ORG_DEFAULT_BUDGET} budget of ${ORG_DEFAULT_AMOUNT} USD`,
    );
  }
  check(local.runtime.asyncFailures.length === 0 && local.runtime.deadLetters.length === 0, 'invocations failed');
  line(`organization-defaults act: ${((Date.now() - defaultsStart) / 1000).toFixed(1)} s`);

  if (!keep) {
    step('done: stopping everything');
    await local.stop();
    cloud = undefined;
    line(`all stopped (${clock()} in all)`);
    return;
  }
  await keepRunning(local, accounts, name);
}

function printItems(local: LocalCloud, edits: DemoEdit[], accounts: DemoAccounts): void {
  const rows = [['account', 'budget', 'item', 'sync.status', 'AWS Budget in the account']];
  for (const edit of edits) {
    const accountName = Object.entries(accounts).find(([, id]) => id === edit.key.accountId)?.[0] ?? '';
    rows.push([
      `${edit.key.accountId} (${accountName})`,
      edit.key.budgetName,
      edit.item ? `amount ${String(edit.item['amount'])}` : '(deleted)',
      edit.outcome.status === 'REMOVED' ? '- (item deleted)' : edit.outcome.status,
      describeBudget(budgetOf(local, edit.key)),
    ]);
  }
  printTable(rows);
}

function printEdits(edits: DemoEdit[], name: (accountId: string) => string): void {
  const rows = [['account', 'budget', 'amount', 'status', 'revision', 'seconds from edit to status']];
  for (const edit of edits) {
    rows.push([
      `${edit.key.accountId} (${name(edit.key.accountId)})`,
      edit.key.budgetName,
      edit.item ? String(edit.item['amount']) : '(deleted)',
      edit.outcome.status,
      edit.outcome.revision,
      edit.outcome.status === 'REMOVED' ? '-' : edit.seconds.toFixed(2),
    ]);
  }
  printTable(rows);
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  rows.forEach((row, i) => {
    line(
      row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) line(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

async function keepRunning(local: LocalCloud, accounts: DemoAccounts, name: (id: string) => string): Promise<void> {
  const { endpoint, tableName, credentials, region } = local;
  step('running: edit the table and watch the edits propagate (Ctrl-C stops everything)');
  line(`endpoint ${endpoint} (AWS_ENDPOINT_URL), management account ${local.managementAccountId}, table ${tableName}`);
  line(
    `member accounts ${Object.entries(accounts)
      .map(([n, id]) => `${id} (${n})`)
      .join(', ')}`,
  );
  line(
    `function logs ${local.runtime.workDir}/logs, emails ${local.runtime.outbox.dir}, moto log ${local.workDir}/moto.log`,
  );
  console.log(`
  export AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} AWS_DEFAULT_REGION=${region}
  aws dynamodb put-item --endpoint-url ${endpoint} --table-name ${tableName} \\
    --item '{"accountId":{"S":"${accounts.sandbox}"},"budgetName":{"S":"gpu"},"amount":{"N":"750"}}'
  aws dynamodb get-item --endpoint-url ${endpoint} --table-name ${tableName} \\
    --key '{"accountId":{"S":"${accounts.sandbox}"},"budgetName":{"S":"gpu"}}' --query Item.sync
  aws dynamodb delete-item --endpoint-url ${endpoint} --table-name ${tableName} \\
    --key '{"accountId":{"S":"${accounts.sandbox}"},"budgetName":{"S":"gpu"}}'
`);
  console.log(`  # the org-budgets command line (docs/cli.md), in another terminal of this checkout, with the exports above
  # (npm run -s org-budgets -- …, or pnpm -s org-budgets … where pnpm is installed):
  export AWS_ENDPOINT_URL=${endpoint} ORG_BUDGETS_TABLE=${tableName}
  npm run -s org-budgets -- list
  npm run -s org-budgets -- set ${accounts.sandbox} gpu --amount 750 --emails lab@example.org
  npm run -s org-budgets -- export budgets.csv      # edit it in a spreadsheet, then:
  npm run -s org-budgets -- import budgets.csv --dry-run
  npm run -s org-budgets -- import budgets.csv
  npm run -s org-budgets -- delete ${accounts.sandbox} gpu
  npm run -s org-budgets -- history ${accounts.sandbox} gpu
  npm run -s org-budgets -- report --out report.html   # one page of charts, opens offline
`);
  const lab = await local.accountCredentials.forAccount(accounts.genomics);
  console.log(`  # the cost guardian: the genomics account's lab (queues ${GUARDED_QUEUES.join(', ')} guarded, ${UNGUARDED_QUEUE} not;
  # budget batch-grant, now $20). Jobs run in the front door's Batch simulator; the guardian checks every 5 minutes.
  export AWS_ACCESS_KEY_ID=${lab.accessKeyId} AWS_SECRET_ACCESS_KEY=${lab.secretAccessKey} AWS_SESSION_TOKEN=${lab.sessionToken ?? ''} AWS_DEFAULT_REGION=${region}
  for i in $(seq 1 100); do aws batch submit-job --endpoint-url ${endpoint} --job-queue ${GUARDED_QUEUES[0]} \
    --job-definition simulate-16vcpu --job-name try-$i --container-overrides 'environment=[{name=LOCAL_CLOUD_JOB_SECONDS,value=3600}]' >/dev/null; done
  aws batch describe-job-queues --endpoint-url ${endpoint} --query 'jobQueues[].[jobQueueName,state]' --output text
  ls ${local.runtime.outbox.dir}/lab@example.org/
`);
  local.watcher.onChange((change) => {
    const item = `${change.key.accountId} (${name(change.key.accountId)}) ${change.key.budgetName}`;
    if (change.kind === 'propagation') {
      line(
        `[${new Date().toISOString().slice(11, 19)}] ${item}: ${change.propagation.kind}, revision ${change.propagation.revision}`,
      );
      return;
    }
    const after = ((change.status.seenAt - change.propagation.seenAt) / 1000).toFixed(2);
    line(
      `[${new Date().toISOString().slice(11, 19)}] ${item}: ${change.status.status} (${after} s)` +
        (change.status.status === 'APPLIED' ? '' : ` ${change.status.message ?? ''}`),
    );
  });
  console.log(`  # repairs on demand (instead of waiting for their hourly schedules), typed here and Enter:
  #   reconcile   the hub's reconcile-budgets: redelivers what is missing, stuck or failed; deletes orphan parameters
  #   verify      each spoke's check of its AWS Budgets against its parameters (restores budgets changed by hand)
  #   guardian    the cost guardian (enforce-spend) in every account
  #   lockdowns   the hub's lockdown sweep: lifts the lockdowns of deleted items, records those an item lost
`);
  // Commands on standard input; Ctrl-C: startLocalCloud's handler stops everything and exits.
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (input) => {
    const command = input.trim();
    if (command === '') return;
    const fired =
      command === 'reconcile'
        ? Promise.resolve(local.reconcileNow())
        : command === 'verify'
          ? Promise.resolve(local.verifySpokesNow())
          : command === 'guardian'
            ? runGuardianNow(local).catch((error: unknown) => {
                line(`guardian: ${String(error)}`);
                return 0;
              })
            : command === 'lockdowns'
              ? Promise.resolve(local.sweepLockdownsNow())
              : undefined;
    if (!fired) {
      line(`unknown command ${JSON.stringify(command)}: reconcile, verify, guardian or lockdowns`);
      return;
    }
    void fired.then((count) => line(`${command}: ${count} schedule(s) fired`));
  });
  await new Promise<never>(() => undefined);
}

main().catch(async (error: unknown) => {
  // Ctrl-C while starting: the local cloud's signal handler has stopped everything and exits.
  if (error instanceof LocalCloudInterruptedError) return;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`\n✗ the demo failed: ${message}`);
  if (!(error instanceof DemoCheckFailed) && error instanceof Error && error.stack) console.error(error.stack);
  if (cloud) {
    console.error(`  function logs, email outbox, moto's and serverless's logs are kept in ${cloud.workDir}`);
    await cloud
      .stop({ keepWorkDir: true })
      .catch((stopError: unknown) => console.error('  could not stop cleanly:', stopError));
  }
  process.exit(1);
});
