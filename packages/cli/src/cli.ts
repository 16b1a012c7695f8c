import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DELIMITERS, type Delimiter } from './budget-csv';
import { exportBudgets } from './commands/export';
import { showHistory, type HistoryOptions } from './commands/history';
import { importBudgets, type ImportOptions } from './commands/import';
import { listBudgets, type ListOptions } from './commands/list';
import { deleteBudget, setBudget, type DeleteOptions, type SetOptions } from './commands/set';
import { CliContext, CliError, type CliIo, type GlobalOptions } from './context';
import { describeError } from './propagation';
import { writeReport, type ReportOptions } from './report/report-command';
import packageJson from '../package.json';

export interface RunOptions {
  /** Called by `import` after its plan and before it writes (tests make a concurrent edit here). */
  beforeImportWrite?: () => Promise<void>;
}

const positiveSeconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of seconds greater than 0');
  return n;
};
const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};
const delimiter = (value: string): Delimiter => {
  const named: Record<string, Delimiter> = { comma: ',', semicolon: ';', tab: '\t', '\\t': '\t' };
  const d = named[value.toLowerCase()] ?? value;
  if (!(DELIMITERS as readonly string[]).includes(d)) throw new InvalidArgumentError('must be comma, semicolon or tab');
  return d as Delimiter;
};
const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== ''),
];

/**
 * The org-budgets command line. Returns the exit code: 0 when everything asked for went through,
 * 1 when something did not (a bad row, REJECTED, FAILED, a concurrent edit, no final status in
 * time), 2 for a usage error.
 */
export async function runCli(argv: readonly string[], io: CliIo, run: RunOptions = {}): Promise<number> {
  let exitCode = 0;
  const contexts: CliContext[] = [];
  const contextOf = (command: Command): CliContext => {
    const context = new CliContext(command.optsWithGlobals<GlobalOptions>(), io);
    contexts.push(context);
    return context;
  };

  const program = new Command('org-budgets')
    .description(
      'List, set, delete, import and export the AWS Budgets of an AWS Organization (the org-budgets hub table), and show their history.',
    )
    .addOption(
      new Option('--region <region>', 'AWS region of the hub (else AWS_REGION, AWS_DEFAULT_REGION, the profile)'),
    )
    .addOption(
      new Option('--profile <name>', 'AWS profile of the management account (else AWS_PROFILE, the default chain)'),
    )
    .addOption(new Option('--endpoint-url <url>', 'AWS endpoint, e.g. the local cloud (else AWS_ENDPOINT_URL)'))
    .addOption(new Option('--table <name>', 'the hub table (else ORG_BUDGETS_TABLE, else org-budgets-<stage>)'))
    .addOption(new Option('--stage <stage>', "the hub's stage (else ORG_BUDGETS_STAGE, else prod)"))
    .version(packageJson.version)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });

  const listCommand = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .option('--ou <ou>', 'only accounts in this OU or below it (name, path or id; repeat or comma-separate)', list)
      .option('--account <account>', 'only these accounts (id or name; repeat or comma-separate)', list)
      .option('--status <status>', 'only these statuses: APPLIED, REJECTED, FAILED, PENDING, DELIVERED, none', list)
      .option('--state <state>', 'only these states of the budget (as the hub writes them)', list)
      .option('--json', 'JSON instead of a table')
      .option('--csv', 'CSV instead of a table')
      .action(async (options: ListOptions, command: Command) => {
        exitCode = await listBudgets(contextOf(command), options);
      });
  listCommand('list', 'every budget: account (name, OU), budget, amount, period, status, spend, state, last change');
  listCommand('status', 'the same as list');

  program
    .command('set')
    .description('create a budget or change the attributes given, then wait for it to apply')
    .argument('<account>', 'account id (or exact account name), or an OU or root id for an organization default')
    .argument('<budget>', 'budget name')
    .option('--amount <amount>', 'amount per period, a plain number such as 1500 or 1500.50')
    .option('--currency <code>', 'currency code (USD by default)')
    .option('--period <period>', 'MONTHLY, QUARTERLY or ANNUALLY')
    .option('--emails <emails>', 'alert addresses separated by "," or ";" ("none": no addresses)')
    .option('--alert-at <percents>', 'ACTUAL alert thresholds in percent, e.g. 50,80,100 ("none": no alerts)')
    .option('--forecast-alert-at <percents>', 'FORECASTED alert thresholds in percent, e.g. 100')
    .option('--notes <text>', 'free text kept with the budget')
    .option('--opt-out', "the account's opt-out of the organization default of this name (no budget attributes)")
    .option('--no-wait', 'do not wait for the outcome')
    .option('--timeout <seconds>', 'how long to wait for the outcome', positiveSeconds, 120)
    .action(async (account: string, budget: string, options: SetOptions, command: Command) => {
      exitCode = await setBudget(contextOf(command), account, budget, options);
    });

  program
    .command('delete')
    .description("delete a budget, then wait until the member account's AWS Budget is deleted")
    .argument('<account>', 'account id (or exact account name)')
    .argument('<budget>', 'budget name')
    .option('--no-wait', 'do not wait for the outcome')
    .option('--timeout <seconds>', 'how long to wait for the outcome', positiveSeconds, 120)
    .action(async (account: string, budget: string, options: DeleteOptions, command: Command) => {
      exitCode = await deleteBudget(contextOf(command), account, budget, options);
    });

  program
    .command('history')
    .description('every recorded edit of a budget, newest first: when, revision, what changed, who, outcome')
    .argument('<account>', 'account id (or exact account name), OU or root id')
    .argument('<budget>', 'budget name')
    .option('--json', 'JSON instead of a table')
    .option('--csv', 'CSV instead of a table')
    .action(async (account: string, budget: string, options: HistoryOptions, command: Command) => {
      exitCode = await showHistory(contextOf(command), account, budget, options);
    });

  program
    .command('import')
    .description(
      'apply a CSV of budgets (the format of export, docs/cli.md): check every row, show the plan, write, follow',
    )
    .argument('<file>', 'the CSV file')
    .option('--dry-run', 'check and show the plan, write nothing')
    .option('--prune', 'also delete the budgets the file does not have')
    .option('--skip-invalid', 'write the good rows even if some are bad (by default nothing is written then)')
    .option('--delimiter <delimiter>', 'comma, semicolon or tab (by default detected from the header row)', delimiter)
    .option('--no-wait', 'do not wait for the outcomes')
    .option('--timeout <seconds>', 'how long to wait for the outcomes', positiveSeconds, 600)
    .option('--concurrency <n>', 'writes at once', positiveInteger, 10)
    .option('--show <n>', 'rows of each kind listed in the plan', positiveInteger, 20)
    .action(async (file: string, options: Omit<ImportOptions, 'showPlan'> & { show: number }, command: Command) => {
      exitCode = await importBudgets(contextOf(command), file, {
        dryRun: options.dryRun ?? false,
        prune: options.prune ?? false,
        skipInvalid: options.skipInvalid ?? false,
        ...(options.delimiter ? { delimiter: options.delimiter } : {}),
        wait: options.wait,
        timeout: options.timeout,
        concurrency: options.concurrency,
        showPlan: options.show,
        ...(run.beforeImportWrite ? { beforeWrite: run.beforeImportWrite } : {}),
      });
    });

  program
    .command('export')
    .description('write every budget to a CSV in the import format ("-": standard output)')
    .argument('<file>', 'the CSV file to write')
    .option('--no-bom', 'no UTF-8 byte order mark (by default there is one, for spreadsheets)')
    .option('--delimiter <delimiter>', 'comma (default), semicolon or tab', delimiter)
    .action(async (file: string, options: { bom: boolean; delimiter?: Delimiter }, command: Command) => {
      exitCode = await exportBudgets(contextOf(command), file, options);
    });

  program
    .command('report')
    .description(
      'write one self-contained HTML page with charts: budget, actual and forecast per account and OU, states, lockdowns, guardian estimates, REJECTED and FAILED',
    )
    .requiredOption('--out <file>', 'the HTML file to write, e.g. report.html')
    .action(async (options: ReportOptions, command: Command) => {
      exitCode = await writeReport(contextOf(command), options);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; a usage error was printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.stderr.write(`org-budgets: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`org-budgets: ${describeError(error)}\n`);
    return 1;
  } finally {
    for (const context of contexts) context.close();
  }
}
