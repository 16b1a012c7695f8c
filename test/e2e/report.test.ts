/**
 * `org-budgets report` on the local cloud: after a few edits (an APPLIED budget that AWS Budgets
 * reports over its amount, so that the hub locks the account down; a REJECTED one; an OU default
 * with its copies), the command writes the page, which then opens in Chromium (Debian's, driven by
 * playwright-core) without an error or a request, with its charts drawn from what the table holds.
 * The page itself, with every kind of data, is tested in packages/cli/src/report/ (a fixed model,
 * much quicker); this is the whole way from the table to the page, once, and the bundled binary.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '@org-budgets/cli';
import { checkReportInBrowser, outputSink, type ReportPageCheck } from '@org-budgets/cli/testing';
import { eventually, type ItemKey, type LocalCloud } from '@org-budgets/sandbox';
import { report, startE2eCloud } from './support';

jest.setTimeout(300_000);

const REPO_ROOT = resolve(__dirname, '..', '..');
let cloud: LocalCloud;
let dir: string;
let lab: string;
let shop: string;
const savedEnv = { ...process.env };

const statusOf = async (key: ItemKey): Promise<string | undefined> =>
  ((await cloud.getItem(key))?.['sync'] as { status?: string } | undefined)?.status;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = outputSink();
  const err = outputSink();
  const code = await runCli(['--endpoint-url', cloud.endpoint, '--table', cloud.tableName, ...args], {
    stdout: out.stream,
    stderr: err.stream,
    env: { AWS_REGION: cloud.region },
    cwd: dir,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: 2 });
  [lab, shop] = cloud.memberAccounts as [string, string];
  dir = mkdtempSync(join(tmpdir(), 'org-budgets-report-'));
  process.env['AWS_ACCESS_KEY_ID'] = cloud.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = cloud.credentials.secretAccessKey;
  report(`report: local cloud up in ${cloud.timings['total']} ms`);

  // An APPLIED budget; AWS Budgets then reports it over its amount: Shutdown, and a lockdown.
  const compute = { accountId: lab, budgetName: 'compute' };
  await cloud.putItem({ ...compute, amount: 1000, lockdown: { mode: 'enforce', at: 'Shutdown' } });
  await cloud.waitForSync([compute]);
  cloud.frontDoor.setBudgetSpend({ ...compute, actual: 1037, forecasted: 1200 });
  cloud.verifySpokesNow(lab);
  // A REJECTED edit, and an organization default for the spokes' OU (a copy in each account).
  const typo = { accountId: shop, budgetName: 'typo', amount: -5 };
  const baseline = { accountId: cloud.organization.spokeOuId, budgetName: 'baseline' };
  await cloud.putItem(typo);
  await cloud.putItem({ ...baseline, amount: 100 });
  await eventually('the lockdown', async () => {
    const item = await cloud.getItem(compute);
    return (item?.['lockdownStatus'] as { status?: string } | undefined)?.status === 'LOCKED' ? item : undefined;
  });
  await eventually('REJECTED', async () => ((await statusOf(typo)) === 'REJECTED' ? true : undefined));
  await eventually('the default APPLIED in both accounts', async () =>
    (await statusOf(baseline)) === 'APPLIED' ? true : undefined,
  );
}, 280_000);

afterAll(async () => {
  process.env = savedEnv;
  if (dir) rmSync(dir, { recursive: true, force: true });
  await cloud?.stop();
});

describe('report', () => {
  let check: ReportPageCheck;

  it('writes the page and says what it holds', async () => {
    const run = await cli(['report', '--out', 'report.html']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(
      `wrote report.html: 4 budget(s) of 2 account(s), 1 organization default(s), 1 REJECTED or FAILED`,
    );
  });

  it('opens in Chromium without an error or a request, every chart drawn', async () => {
    check = await checkReportInBrowser(join(dir, 'report.html'), {
      screenshot: join(REPO_ROOT, 'artifacts', 'report-e2e.png'),
    });

    expect(check.consoleErrors).toEqual([]);
    expect(check.pageErrors).toEqual([]);
    expect(check.failedRequests).toEqual([]);
    expect(check.requests).toEqual([]);
    expect(check.chartsDrawn).toBe(check.charts.length);
    for (const chart of check.charts) expect(chart.paintedPixels).toBeGreaterThan(1000);
  });

  it('charts the budget AWS reported over its amount, and the OU default by OU', () => {
    const accounts = check.charts.find((c) => c.id === 'chart-accounts-0');
    const row = accounts?.labels.indexOf('member-1 · compute') ?? -1;
    const ous = check.charts.find((c) => c.id === 'chart-ous-0');

    expect(accounts?.datasets.map((d) => d.data[row])).toEqual([1000, 1037, 1200]);
    expect(ous?.labels).toContain('Root/budgets · baseline (2 budgets, 2 reporting)');
  });

  it('shows the states, the lockdown, the REJECTED edit with its message and the default’s roll-up', () => {
    expect(check.charts.find((c) => c.id === 'chart-states')?.labels).toContain('Shutdown');
    expect(check.text).toMatch(/LOCKED\s+yes\s+enforce\s+Shutdown/);
    expect(check.text).toContain('amount must be greater than 0, got -5');
    expect(check.text).toMatch(/OU budgets \(Root\/budgets\)\s+baseline\s+100 USD\s+APPLIED\s+2\s+2/);
  });

  it('is written the same by the bundled binary, with the chart library inside', async () => {
    await run('node', [join(REPO_ROOT, 'packages', 'cli', 'build.mjs')], {});
    const code = await run(
      'node',
      [join(REPO_ROOT, 'packages', 'cli', 'dist', 'org-budgets.cjs'), 'report', '--out', 'binary.html'],
      {
        AWS_ENDPOINT_URL: cloud.endpoint,
        AWS_REGION: cloud.region,
        ORG_BUDGETS_TABLE: cloud.tableName,
      },
    );

    expect(code).toBe(0);
    const page = readFileSync(join(dir, 'binary.html'), 'utf8');
    expect(page).toContain('Chart.js v4.6.1');
    const binary = await checkReportInBrowser(join(dir, 'binary.html'));
    expect(binary).toMatchObject({ consoleErrors: [], pageErrors: [], requests: [], chartsDrawn: check.chartsDrawn });
  });
});

function run(command: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
}
