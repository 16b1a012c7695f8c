/**
 * Runs scripts/check-budgets-with-aws-cli.sh: the front door's Budgets checked with the AWS CLI,
 * a client this project did not write (botocore). Without the AWS CLI this test fails on purpose.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'check-budgets-with-aws-cli.sh');
// About 30 s on an idle machine, up to 111 s measured with both cores of a 2-core machine busy.
const TIMEOUT_MS = 300_000;

jest.setTimeout(TIMEOUT_MS + 10_000);

function awsCliVersion(): string | undefined {
  const result = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  return result.error || result.status !== 0 ? undefined : `${result.stdout}${result.stderr}`.trim();
}

/** The script while it runs: stopped after the test however it ends (a timeout included). */
let running: { child: ChildProcess; closed: Promise<void> } | undefined;

afterEach(async () => {
  const script = running;
  running = undefined;
  const child = script?.child;
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    // The script stops the front door and moto it started when it gets SIGTERM.
    child.kill('SIGTERM');
    await script?.closed;
  }
});

function runScript(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn('bash', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    running = { child, closed: new Promise((resolveClosed) => child.once('close', () => resolveClosed())) };
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The script stops the front door and moto it started when it gets SIGTERM.
    const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
    child.once('error', rejectRun);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

describe('check-budgets-with-aws-cli.sh', () => {
  it('passes with the AWS CLI as the client', async () => {
    const version = awsCliVersion();
    if (version === undefined) {
      throw new Error(
        'The AWS CLI (`aws`) is not installed, so the Budgets emulation cannot be checked against a client this ' +
          'project did not write. Install the AWS CLI (pip install awscli, or the AWS CLI v2 installer) and run again.',
      );
    }
    const { code, output } = await runScript();
    if (code !== 0)
      throw new Error(`check-budgets-with-aws-cli.sh exited with ${String(code)} (${version}):\n${output}`);
    expect(output).toMatch(/all \d+ checks passed/);
    expect(output).not.toContain('FAIL');
  });
});
