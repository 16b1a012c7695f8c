import { join } from 'node:path';
import {
  GetFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  LambdaClient,
  paginateListFunctions,
  ResourceNotFoundException,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { AccountCredentials } from './account-credentials';
import type { ColdStartGate } from './cold-start-gate';
import { type ColdStartRecord, type FunctionSpec, type WorkerSlotPool } from './function-container';
import { DEFAULT_FUNCTION_CONCURRENCY, FunctionContainerPool, type InvocationRecord } from './function-container-pool';
import { fetchFunctionCode, unzipCode } from './function-code';
import type { RuntimeLog } from './runtime-log';

/** A function the runtime found deployed. */
export interface DeployedFunction {
  account: string;
  functionName: string;
  functionArn: string;
  handler: string;
  codeDir: string;
  codeSha256: string;
  logFile: string;
  timeoutSeconds: number;
  roleArn: string;
  eventInvokeConfig: EventInvokeSettings;
  /**
   * How many invocations run at once (containers): the function's ReservedConcurrentExecutions,
   * else the runtime's default (LocalLambdaRuntimeOptions.defaultConcurrency).
   */
  concurrency: number;
}

export interface EventInvokeSettings {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
  onSuccess?: string;
  onFailure?: string;
}

export class FunctionNotFoundError extends Error {
  override readonly name = 'FunctionNotFoundError';
}

/** A deployed function and the containers that run it. */
export interface LoadedFunction {
  info: DeployedFunction;
  containers: FunctionContainerPool;
}

export interface FunctionLoaderOptions {
  /** Where the runtime reads deployments and the functions' SDK calls go. */
  endpoint: string;
  region: string;
  /** functions/ (unzipped code) and logs/ are under it. */
  workDir: string;
  credentials: AccountCredentials;
  /** Buckets of other accounts that may hold function code (LocalLambdaRuntimeOptions.codeBuckets). */
  codeBuckets?: readonly string[] | undefined;
  nodePath?: string | undefined;
  slots?: WorkerSlotPool | undefined;
  coldStarts?: ColdStartGate | undefined;
  onColdStart?: ((record: ColdStartRecord) => void) | undefined;
  onInvocation?: ((record: InvocationRecord) => void) | undefined;
  /** See FunctionContainerOptions.clockOffsetMs. */
  clockOffsetMs?: (() => number) | undefined;
  /** Concurrency of a function without ReservedConcurrentExecutions; DEFAULT_FUNCTION_CONCURRENCY. */
  defaultConcurrency?: number | undefined;
  log: RuntimeLog;
}

const ASYNC_DEFAULTS: EventInvokeSettings = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 };

/**
 * The functions deployed in the accounts, each with its containers (FunctionContainerPool): read
 * from Lambda (code, configuration, reserved concurrency, EventInvokeConfig), its code fetched
 * and unzipped, found by ARN or name.
 */
export class FunctionLoader {
  private readonly functionsByArn = new Map<string, LoadedFunction>();
  private readonly lambdaClients = new Map<string, LambdaClient>();

  constructor(private readonly options: FunctionLoaderOptions) {}

  /**
   * Reads the accounts' functions again: new code or configuration retires all the function's
   * containers (the next invocations are cold starts), a new reserved concurrency applies to the
   * warm ones, a function no longer deployed is stopped and forgotten.
   */
  async refresh(accounts: readonly string[]): Promise<void> {
    const seenFunctions = new Set<string>();
    for (const account of accounts) {
      for (const configuration of await this.listFunctions(account)) {
        const info = await this.loadFunction(account, configuration);
        seenFunctions.add(info.functionArn);
      }
    }
    for (const [arn, entry] of this.functionsByArn) {
      if (seenFunctions.has(arn)) continue;
      this.functionsByArn.delete(arn);
      await entry.containers.stop();
    }
  }

  /** Copies of what is known of every loaded function. */
  functions(): DeployedFunction[] {
    return [...this.functionsByArn.values()].map(({ info }) => ({ ...info }));
  }

  /** The function with this ARN (qualifier ignored), if loaded. */
  byArn(functionArn: string): LoadedFunction | undefined {
    return this.functionsByArn.get(functionArn);
  }

  /**
   * Finds a function by ARN, or by name (with `account` when the name is deployed in several
   * accounts); throws FunctionNotFoundError.
   */
  find(nameOrArn: string, account?: string): LoadedFunction {
    const arn = nameOrArn.startsWith('arn:') ? nameOrArn.split(':').slice(0, 7).join(':') : undefined;
    if (arn) {
      const found = this.functionsByArn.get(arn);
      if (found) return found;
    } else {
      const matches = [...this.functionsByArn.values()].filter(
        ({ info }) => info.functionName === nameOrArn && (account === undefined || info.account === account),
      );
      if (matches.length === 1) return matches[0] as LoadedFunction;
      if (matches.length > 1) {
        throw new Error(
          `${nameOrArn} is deployed in accounts ${matches.map((m) => m.info.account).join(', ')}: say which`,
        );
      }
    }
    throw new FunctionNotFoundError(`Function not found: ${nameOrArn}${account ? ` in account ${account}` : ''}`);
  }

  /** The function's log file: `<workDir>/logs/<account>/<function>.log`. */
  logFile(account: string, functionName: string): string {
    return join(this.options.workDir, 'logs', account, `${functionName}.log`);
  }

  /** The account's Lambda client (with the account's credentials). */
  lambda(account: string): LambdaClient {
    let client = this.lambdaClients.get(account);
    if (!client) {
      client = new LambdaClient({
        region: this.options.region,
        endpoint: this.options.endpoint,
        credentials: () => this.options.credentials.forAccount(account),
      });
      this.lambdaClients.set(account, client);
    }
    return client;
  }

  /** Stops every function's containers and forgets the functions. */
  async stopFunctions(): Promise<void> {
    await Promise.allSettled([...this.functionsByArn.values()].map(({ containers }) => containers.stop()));
    this.functionsByArn.clear();
  }

  /** Closes the Lambda clients. */
  close(): void {
    for (const client of this.lambdaClients.values()) client.destroy();
  }

  private async listFunctions(account: string): Promise<FunctionConfiguration[]> {
    const out: FunctionConfiguration[] = [];
    for await (const page of paginateListFunctions({ client: this.lambda(account) }, {}))
      out.push(...(page.Functions ?? []));
    return out;
  }

  private async loadFunction(account: string, listed: FunctionConfiguration): Promise<DeployedFunction> {
    const { region, endpoint, workDir, credentials } = this.options;
    const lambda = this.lambda(account);
    const name = listed.FunctionName as string;
    const { Configuration: c, Code, Concurrency } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    if (!c?.FunctionArn || !c.Handler || !c.Role || !c.CodeSha256) {
      throw new Error(`GetFunction ${name} in ${account} lacks FunctionArn, Handler, Role or CodeSha256`);
    }
    const functionArn = c.FunctionArn;
    const codeDir = join(workDir, 'functions', account, name);
    const existing = this.functionsByArn.get(functionArn);
    const eventInvokeConfig = await this.eventInvokeConfig(lambda, name);
    const concurrency = this.concurrencyOf(Concurrency?.ReservedConcurrentExecutions);
    if (existing && existing.info.codeSha256 === c.CodeSha256 && sameConfig(existing.containers.spec, c)) {
      existing.info.eventInvokeConfig = eventInvokeConfig;
      existing.info.concurrency = concurrency;
      existing.containers.setConcurrency(concurrency);
      return existing.info;
    }
    const s3 = new S3Client({
      region,
      endpoint,
      forcePathStyle: true,
      credentials: () => credentials.forAccount(account),
    });
    try {
      const zip = await fetchFunctionCode({
        s3,
        functionName: name,
        location: Code?.Location,
        codeSha256: c.CodeSha256,
        ...(this.options.codeBuckets ? { extraBuckets: this.options.codeBuckets } : {}),
      });
      await unzipCode(zip, join(codeDir, hexOf(c.CodeSha256)), c.CodeSha256);
    } finally {
      s3.destroy();
    }
    const spec: FunctionSpec = {
      account,
      region,
      functionName: name,
      functionArn,
      handler: c.Handler,
      runtime: c.Runtime ?? 'nodejs22.x',
      codeDir: join(codeDir, hexOf(c.CodeSha256)),
      timeoutSeconds: c.Timeout ?? 3,
      memorySize: c.MemorySize ?? 128,
      environment: c.Environment?.Variables ?? {},
      roleArn: c.Role,
    };
    const info: DeployedFunction = {
      account,
      functionName: name,
      functionArn,
      handler: spec.handler,
      codeDir: spec.codeDir,
      codeSha256: c.CodeSha256,
      logFile: this.logFile(account, name),
      timeoutSeconds: spec.timeoutSeconds,
      roleArn: spec.roleArn,
      eventInvokeConfig,
      concurrency,
    };
    // New code or configuration: every container of the old one goes (invocations in flight end
    // as Runtime.ExitError, those waiting for a container fail), the next invocations start anew.
    if (existing) await existing.containers.stop();
    const containers = new FunctionContainerPool(spec, {
      endpoint,
      logFile: info.logFile,
      credentials: () => credentials.forRole(spec.roleArn, name),
      concurrency,
      onThrottled: (waiting) => {
        if (waiting === 1)
          this.options.log('invocations wait: the function runs as many as its concurrency', {
            functionArn,
            concurrency: containers.concurrency,
          });
      },
      ...(this.options.nodePath === undefined ? {} : { nodePath: this.options.nodePath }),
      ...(this.options.slots ? { slots: this.options.slots } : {}),
      ...(this.options.coldStarts ? { coldStarts: this.options.coldStarts } : {}),
      ...(this.options.onColdStart ? { onColdStart: this.options.onColdStart } : {}),
      ...(this.options.onInvocation ? { onInvocation: this.options.onInvocation } : {}),
      ...(this.options.clockOffsetMs ? { clockOffsetMs: this.options.clockOffsetMs } : {}),
    });
    this.functionsByArn.set(functionArn, { info, containers });
    this.options.log(existing ? 'function updated' : 'function loaded', { functionArn, codeSha256: c.CodeSha256 });
    return info;
  }

  /**
   * ReservedConcurrentExecutions when set, else the runtime's default. (0, a function that may
   * not run at all, is not seen: moto's GetFunction leaves a reserved concurrency of 0 out.)
   */
  private concurrencyOf(reserved: number | undefined): number {
    const value = Number(reserved);
    if (reserved !== undefined && Number.isInteger(value) && value >= 1) return value;
    return this.options.defaultConcurrency ?? DEFAULT_FUNCTION_CONCURRENCY;
  }

  private async eventInvokeConfig(lambda: LambdaClient, name: string): Promise<EventInvokeSettings> {
    try {
      const config = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }));
      return {
        maximumRetryAttempts: config.MaximumRetryAttempts ?? ASYNC_DEFAULTS.maximumRetryAttempts,
        maximumEventAgeInSeconds: config.MaximumEventAgeInSeconds ?? ASYNC_DEFAULTS.maximumEventAgeInSeconds,
        ...(config.DestinationConfig?.OnSuccess?.Destination
          ? { onSuccess: config.DestinationConfig.OnSuccess.Destination }
          : {}),
        ...(config.DestinationConfig?.OnFailure?.Destination
          ? { onFailure: config.DestinationConfig.OnFailure.Destination }
          : {}),
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') {
        return { ...ASYNC_DEFAULTS };
      }
      throw error;
    }
  }
}

function hexOf(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex').slice(0, 16);
}

function sameConfig(spec: FunctionSpec, c: FunctionConfiguration): boolean {
  return (
    spec.handler === c.Handler &&
    spec.roleArn === c.Role &&
    spec.timeoutSeconds === (c.Timeout ?? 3) &&
    spec.memorySize === (c.MemorySize ?? 128) &&
    JSON.stringify(spec.environment) === JSON.stringify(c.Environment?.Variables ?? {})
  );
}
