import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SPOKE_SERVICE_DIR = join(REPO_ROOT, 'services', 'spoke');

export interface PackageServiceOptions {
  /** The service directory (services/spoke). */
  serviceDir: string;
  /** Where `serverless package` writes the templates and zips (its --package option). */
  outDir: string;
  stage: string;
  region?: string;
  /** `--param=name=value` for each entry. */
  params: Readonly<Record<string, string>>;
  /** How long packaging may take; 3 minutes by default. */
  timeoutMs?: number;
}

/** Where the packaged service's CloudFormation template is, inside outDir. */
export const PACKAGED_TEMPLATE_FILE = 'cloudformation-template-update-stack.json';

/**
 * Runs `serverless package` (osls, offline) in a service with the given params, writing into
 * outDir instead of the service's .serverless, so that a build never disturbs someone else's
 * package of the same service. Rejects with serverless's output when it fails.
 */
export async function packageService(options: PackageServiceOptions): Promise<void> {
  const bin = join(options.serviceDir, 'node_modules', '.bin', 'serverless');
  try {
    await access(bin);
  } catch {
    throw new Error(`${bin} is missing: run \`pnpm install\` at the repository root`);
  }
  const empty = Object.keys(options.params).filter((name) => options.params[name] === '');
  if (empty.length > 0) {
    // serverless refuses `--param=name=`; leave such params to the service's defaults.
    throw new Error(
      `serverless cannot take an empty --param (${empty.join(', ')}): leave it out to use the service's default`,
    );
  }
  const args = [
    'package',
    '--stage',
    options.stage,
    '--region',
    options.region ?? 'us-east-1',
    '--package',
    options.outDir,
    ...Object.entries(options.params).map(([name, value]) => `--param=${name}=${value}`),
  ];
  const timeoutMs = options.timeoutMs ?? 180_000;
  await withServiceLock(options.serviceDir, timeoutMs, () => runServerless(bin, args, options.serviceDir, timeoutMs));
}

function runServerless(bin: string, args: string[], serviceDir: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolveRun, rejectRun) => {
    const child = spawn(bin, args, {
      cwd: serviceDir,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-16_384);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      rejectRun(new Error(`cannot run ${bin}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun();
      else {
        const how = signal
          ? `was killed (${signal}${signal === 'SIGKILL' ? `, after ${timeoutMs} ms` : ''})`
          : `exited with ${code}`;
        rejectRun(new Error(`serverless package in ${serviceDir} ${how}:\n${output.trim()}`));
      }
    });
  });
}

/**
 * One `serverless package` of a service at a time across processes (jest workers, a build next
 * to a test): serverless-esbuild works in the service's own .esbuild folder and clears it.
 */
async function withServiceLock<T>(serviceDir: string, timeoutMs: number, task: () => Promise<T>): Promise<T> {
  const lock = join(
    tmpdir(),
    `org-budgets-package-${createHash('sha256').update(serviceDir).digest('hex').slice(0, 16)}.lock`,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than a packaging may take is left by a killed process.
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > timeoutMs) await rm(lock, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`${serviceDir} is being packaged by another process (lock ${lock})`, { cause: error });
      else await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    }
  }
  try {
    return await task();
  } finally {
    await rm(lock, { force: true });
  }
}
