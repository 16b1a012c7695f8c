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
import { FunctionContainer, type FunctionSpec, type WorkerSlotPool } from './function-container';
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

/** A deployed function and the container that runs it. */
export interface LoadedFunction {
  info: DeployedFunction;
  container: FunctionContainer;
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
  /** See FunctionContainerOptions.clockOffsetMs. */
  clockOffsetMs?: (() => number) | undefined;
  log: RuntimeLog;
}

const ASYNC_DEFAULTS: EventInvokeSettings = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 };

/**
 * The functions deployed in the accounts, each with its container: read from Lambda (code,
 * configuration, EventInvokeConfig), its code fetched and unzipped, found by ARN or name.
 */
export class FunctionLoader {
  private readonly functionsByArn = new Map<string, LoadedFunction>();
  private readonly lambdaClients = new Map<string, LambdaClient>();

  constructor(private readonly options: FunctionLoaderOptions) {}

  /**
   * Reads the accounts' functions again: new code or configuration means a new container (a
   * cold start), a function no longer deployed is stopped and forgotten.
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
      await entry.container.stop();
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

  /** Stops every function's container and forgets the functions. */
  async stopFunctions(): Promise<void> {
    await Promise.allSettled([...this.functionsByArn.values()].map(({ container }) => container.stop()));
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
    const { Configuration: c, Code } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    if (!c?.FunctionArn || !c.Handler || !c.Role || !c.CodeSha256) {
      throw new Error(`GetFunction ${name} in ${account} lacks FunctionArn, Handler, Role or CodeSha256`);
    }
    const functionArn = c.FunctionArn;
    const codeDir = join(workDir, 'functions', account, name);
    const existing = this.functionsByArn.get(functionArn);
    const eventInvokeConfig = await this.eventInvokeConfig(lambda, name);
    if (existing && existing.info.codeSha256 === c.CodeSha256 && sameConfig(existing.container.spec, c)) {
      existing.info.eventInvokeConfig = eventInvokeConfig;
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
    };
    if (existing) await existing.container.stop();
    const container = new FunctionContainer(spec, {
      endpoint,
      logFile: info.logFile,
      credentials: () => credentials.forRole(spec.roleArn, name),
      ...(this.options.nodePath === undefined ? {} : { nodePath: this.options.nodePath }),
      ...(this.options.slots ? { slots: this.options.slots } : {}),
      ...(this.options.clockOffsetMs ? { clockOffsetMs: this.options.clockOffsetMs } : {}),
    });
    this.functionsByArn.set(functionArn, { info, container });
    this.options.log(existing ? 'function updated' : 'function loaded', { functionArn, codeSha256: c.CodeSha256 });
    return info;
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
