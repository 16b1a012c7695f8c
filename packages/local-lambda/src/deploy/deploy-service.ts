import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionEventInvokeConfigCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  eventInvokeConfigsToApply,
  findSkippedResources,
  resolveOutputs,
  subscriptionsToApply,
  type SkippedResource,
  type StackContext,
  type StackResource,
  type Template,
} from './template-gaps';

export interface DeployCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface DeployServiceOptions {
  /** The Serverless service (with serverless.yml and node_modules/.bin/serverless). */
  serviceDir: string;
  /** `local` by default. */
  stage?: string;
  /** `us-east-1` by default. */
  region?: string;
  /** Credentials acting in the account to deploy to (e.g. AccountCredentials.forAccount). */
  accountCredentials: DeployCredentials;
  /** The front door (AWS_ENDPOINT_URL of serverless). */
  endpoint: string;
  /** `--param="name=value"` for each. */
  params?: Record<string, string>;
  /** Each line serverless prints, as it comes; to stderr with a prefix by default. Give `() => {}` for quiet. */
  progress?: (line: string) => void;
  /** serverless --verbose (CloudFormation events as they come); true by default. */
  verbose?: boolean;
  /** Give up (and kill serverless) after this long; 10 minutes by default. */
  timeoutMs?: number;
}

export interface DeployServiceResult {
  service: string;
  stage: string;
  region: string;
  account: string;
  stackName: string;
  /** Wall time of `serverless deploy`, and of the whole call (with the checks and fixes after it). */
  deployMs: number;
  totalMs: number;
  outputs: Record<string, string>;
  resources: StackResource[];
  /** Template resources moto did not create (`not-created`) or that a false Condition left out. */
  skipped: SkippedResource[];
  /** What this function put in place itself because moto skipped it (see template-gaps.ts). */
  applied: string[];
  /** Everything serverless printed. */
  log: string;
}

export class ServiceDeployError extends Error {
  override readonly name = 'ServiceDeployError';
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

/** Deploys to one service directory at a time: serverless writes .serverless/ and .esbuild/ there. */
const serviceLocks = new Map<string, Promise<unknown>>();

/**
 * Deploys a Serverless Framework service to the local cloud with its own `serverless deploy`
 * (osls, from the service's node_modules/.bin), pointed at the front door through
 * AWS_ENDPOINT_URL and acting in the account of `accountCredentials`. Then reads the stack back,
 * reports what moto did not create, and puts in place the EventInvokeConfigs moto's
 * CloudFormation skips (through the Lambda API, exactly as the template says).
 */
export async function deployService(options: DeployServiceOptions): Promise<DeployServiceResult> {
  const serviceDir = resolve(options.serviceDir);
  const previous = serviceLocks.get(serviceDir) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => deployNow({ ...options, serviceDir }));
  serviceLocks.set(serviceDir, run);
  try {
    return await run;
  } finally {
    if (serviceLocks.get(serviceDir) === run) serviceLocks.delete(serviceDir);
  }
}

async function deployNow(options: DeployServiceOptions & { serviceDir: string }): Promise<DeployServiceResult> {
  const started = Date.now();
  const stage = options.stage ?? 'local';
  const region = options.region ?? 'us-east-1';
  const serverless = join(options.serviceDir, 'node_modules', '.bin', 'serverless');
  if (!existsSync(serverless)) {
    throw new Error(`${serverless} is missing: install the workspace (pnpm install) first`);
  }
  const clientConfig = { region, endpoint: options.endpoint, credentials: options.accountCredentials };
  const sts = new STSClient(clientConfig);
  const { Account: account } = await sts.send(new GetCallerIdentityCommand({})).finally(() => sts.destroy());
  if (!account) throw new Error('GetCallerIdentity returned no account');
  const label = `${basename(options.serviceDir)}@${account}`;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`[deploy ${label}] ${line}\n`));

  const args = ['deploy', '--stage', stage, '--region', region];
  for (const [name, value] of Object.entries(options.params ?? {})) args.push(`--param=${name}=${value}`);
  if (options.verbose ?? true) args.push('--verbose');
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const log = await withServiceDirLock(options.serviceDir, timeoutMs, progress, () =>
    runServerless(serverless, args, {
      cwd: options.serviceDir,
      env: deployEnvironment(options, region),
      progress,
      timeoutMs,
    }),
  );
  const deployMs = Date.now() - started;

  const cloudFormation = new CloudFormationClient(clientConfig);
  const lambda = new LambdaClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  try {
    const stackName = stackNameFrom(log) ?? (await guessStackName(options.serviceDir, stage));
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (!stack) throw new ServiceDeployError(`stack ${stackName} not found after deploy`, log);
    const summaries: StackResourceSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await cloudFormation.send(
        new ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }),
      );
      summaries.push(...(page.StackResourceSummaries ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    const { TemplateBody } = await cloudFormation.send(new GetTemplateCommand({ StackName: stackName }));
    const template = JSON.parse(TemplateBody ?? '{"Resources":{}}') as Template;
    const context: StackContext = {
      stackName,
      account,
      region,
      partition: 'aws',
      parameters: Object.fromEntries(
        (stack.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
      ),
      resources: summaries
        .filter((s) => s.LogicalResourceId)
        .map((s) => ({
          logicalId: s.LogicalResourceId as string,
          type: s.ResourceType ?? '',
          physicalId: s.PhysicalResourceId ?? '',
        })),
    };
    context.attributes = await lookUpAttributes(context.resources, clientConfig);
    const skipped = findSkippedResources(template, context);
    const applied: string[] = [];
    for (const config of eventInvokeConfigsToApply(template, context)) {
      const { logicalId, ...input } = config;
      // moto appends on every put and answers with the first: clear it so a redeploy's settings win.
      await lambda
        .send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: input.FunctionName }))
        .catch(() => undefined);
      await lambda.send(new PutFunctionEventInvokeConfigCommand(input));
      applied.push(
        `${logicalId} (AWS::Lambda::EventInvokeConfig) via PutFunctionEventInvokeConfig ${input.FunctionName}`,
      );
    }
    for (const subscription of subscriptionsToApply(template, context)) {
      const { logicalId, ...input } = subscription;
      await sns.send(new SubscribeCommand({ ...input, ReturnSubscriptionArn: true }));
      applied.push(`${logicalId} (AWS::SNS::Subscription) via Subscribe ${input.Protocol} ${input.Endpoint}`);
    }
    for (const line of applied) progress(`local cloud: put ${line}`);
    // moto forgets a stack's Outputs when a change set updates it (as serverless deploys).
    const resolved = resolveOutputs(template, context);
    const outputs = {
      ...resolved.outputs,
      ...Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    };
    for (const line of resolved.unresolved) progress(`local cloud: output not resolved: ${line}`);
    const filled = new Set(['AWS::Lambda::EventInvokeConfig', 'AWS::SNS::Subscription']);
    for (const s of skipped.filter((r) => r.reason === 'not-created' && !filled.has(r.type))) {
      progress(`local cloud: moto did not create ${s.logicalId} (${s.type})`);
    }
    return {
      service: stackName.replace(new RegExp(`-${stage}$`), ''),
      stage,
      region,
      account,
      stackName,
      deployMs,
      totalMs: Date.now() - started,
      outputs,
      resources: context.resources,
      skipped,
      applied,
      log,
    };
  } finally {
    cloudFormation.destroy();
    lambda.destroy();
    sns.destroy();
  }
}

/** Attributes the template may use that only the service knows: tables' StreamArn. */
async function lookUpAttributes(
  resources: StackResource[],
  clientConfig: { region: string; endpoint: string; credentials: DeployCredentials },
): Promise<Record<string, string>> {
  const attributes: Record<string, string> = {};
  const tables = resources.filter((r) => r.type === 'AWS::DynamoDB::Table');
  if (tables.length === 0) return attributes;
  const dynamodb = new DynamoDBClient(clientConfig);
  try {
    for (const table of tables) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table.physicalId }));
      if (Table?.LatestStreamArn) attributes[`${table.logicalId}.StreamArn`] = Table.LatestStreamArn;
      if (Table?.TableArn) attributes[`${table.logicalId}.Arn`] = Table.TableArn;
    }
  } finally {
    dynamodb.destroy();
  }
  return attributes;
}

/** The caller's environment without its AWS settings, plus the local cloud's. */
function deployEnvironment(options: DeployServiceOptions, region: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_')) env[name] = value;
  const { accessKeyId, secretAccessKey, sessionToken } = options.accountCredentials;
  return {
    ...env,
    AWS_ENDPOINT_URL: options.endpoint,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    ...(sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: sessionToken }),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    NO_COLOR: '1',
  };
}

/** How long serverless may take to exit after it printed that the deploy failed. */
const FAILED_EXIT_GRACE_MS = 5_000;

function runServerless(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; progress: (line: string) => void; timeoutMs: number },
): Promise<string> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const partial = { stdout: '', stderr: '' };
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log += text;
      const lines = (partial[stream] + text).split(/\r?\n/);
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') options.progress(line);
      // osls can hang after it reported a failed deploy (an esbuild build error keeps its esbuild
      // service alive): give it a few seconds to exit, then end it.
      if (!failedTimer && /^× .*failed/m.test(text)) {
        failedTimer = setTimeout(() => {
          killedAfterFailure = true;
          child.kill('SIGKILL');
        }, FAILED_EXIT_GRACE_MS);
      }
    };
    let failedTimer: NodeJS.Timeout | undefined;
    let killedAfterFailure = false;
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      rejectRun(error);
    });
    // A grandchild that inherited the output pipes (esbuild's service) may keep them open after
    // serverless has exited: do not wait for them for long.
    child.once('exit', (code, signal) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        child.emit('close', code, signal);
      }, 1_000).unref();
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      clearTimeout(failedTimer);
      for (const rest of [partial.stdout, partial.stderr]) if (rest.trim() !== '') options.progress(rest);
      if (code === 0) resolveRun(log);
      else {
        const why =
          signal === null
            ? `exit code ${String(code)}`
            : killedAfterFailure
              ? `a failure it did not exit after (killed ${FAILED_EXIT_GRACE_MS} ms later)`
              : `signal ${signal} (timeout ${options.timeoutMs} ms?)`;
        rejectRun(
          new ServiceDeployError(
            `serverless ${args.join(' ')} in ${options.cwd} failed with ${why}:\n${tail(log)}`,
            log,
          ),
        );
      }
    });
  });
}

/**
 * One serverless run in a service directory at a time across processes (a test, the demo, a
 * StackSet build): serverless-esbuild works in the service's .esbuild/ folder and clears it, so
 * two at once fail ("Failed to create output directory"). The same lock file as
 * stacksets/src/package-service.ts; holds this process's pid, so that a lock left by a killed
 * process is taken over at once (an empty one, from a packaging, after `timeoutMs`).
 */
async function withServiceDirLock<T>(
  serviceDir: string,
  timeoutMs: number,
  progress: (line: string) => void,
  task: () => Promise<T>,
): Promise<T> {
  const lock = join(
    tmpdir(),
    `org-budgets-package-${createHash('sha256').update(serviceDir).digest('hex').slice(0, 16)}.lock`,
  );
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if ((holder > 0 && !isAlive(holder)) || age > timeoutMs) await rm(lock, { force: true });
      else if (Date.now() > deadline) {
        throw new Error(`${serviceDir} is being deployed or packaged by another process (lock ${lock})`, {
          cause: error,
        });
      } else {
        if (!told) progress(`waiting for another serverless run in ${serviceDir} to end (lock ${lock})`);
        told = true;
        await new Promise((resolveWait) => setTimeout(resolveWait, 200));
      }
    }
  }
  try {
    return await task();
  } finally {
    await rm(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stackNameFrom(log: string): string | undefined {
  return /Service deployed to stack (\S+)/.exec(log)?.[1];
}

async function guessStackName(serviceDir: string, stage: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const yaml = await readFile(join(serviceDir, 'serverless.yml'), 'utf8');
  const service = /^service:\s*(\S+)/m.exec(yaml)?.[1];
  if (!service) throw new Error(`cannot tell the stack name of ${serviceDir}`);
  return `${service}-${stage}`;
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}
