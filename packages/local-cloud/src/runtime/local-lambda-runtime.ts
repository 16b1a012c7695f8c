import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DescribeStreamCommand, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule as SdkRule,
  type Target as SdkTarget,
} from '@aws-sdk/client-eventbridge';
import {
  GetFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  LambdaClient,
  paginateListEventSourceMappings,
  paginateListFunctions,
  ResourceNotFoundException,
  type EventSourceMappingConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { createStreamReader, type StreamReader } from '../dynamodb-stream-reader';
import type { BusPut } from '../events/put-events';
import type { FrontDoorHooks } from '../front-door';
import { AccountCredentials, parseArn } from './account-credentials';
import { DestinationSender } from './destinations';
import { EmailOutbox } from './email-outbox';
import { EventRouter, type BusEvent, type DeadLetter, type Rule, type RuleTarget } from './event-router';
import { asyncInvocationRecord, isoSeconds, type AsyncCondition } from './failure-records';
import {
  FunctionContainer,
  WorkerSlotPool,
  type FunctionSpec,
  type InvokeResult,
  type LambdaError,
} from './function-container';
import { fetchFunctionCode, unzipCode } from './function-code';
import { ScheduleRunner } from './schedule-runner';
import { StreamMappingPoller, type StreamMappingConfig, type StreamMappingStats } from './stream-mapping-poller';

export interface LocalLambdaRuntimeOptions {
  /** The front door: where the functions' SDK calls go (AWS_ENDPOINT_URL) and where the runtime reads deployments. */
  endpoint: string;
  /** Accounts whose deployed functions, mappings and rules run here. */
  accounts: readonly string[];
  region?: string;
  /** Working directory: functions/ (unzipped code), logs/, outbox/. `.local-cloud` of the current directory by default. */
  workDir?: string;
  /** How often each stream mapping polls when it has caught up; 250 ms (Lambda polls 4 times a second). */
  pollIntervalMs?: number;
  /** Wait between retries of a failed stream batch; 200 ms. */
  streamRetryDelayMs?: number;
  /** Wait before the retries of a failed asynchronous invocation; AWS waits 1 then 2 minutes. [200, 400] ms. */
  asyncRetryDelaysMs?: readonly number[];
  /** Wait before EventBridge retries a delivery; 200 ms. */
  targetRetryDelayMs?: number;
  /** Fire schedules on time (true), or only through `fireSchedule` (false). */
  scheduleTimers?: boolean;
  /** Node.js for the function processes; this process's by default. */
  nodePath?: string;
  /** Who reads the deployments (moto's default account when left out). */
  controlCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * Buckets of other accounts that may hold function code, searched after the function's own
   * account's buckets: e.g. the management account's StackSet artifact bucket, from which a
   * StackSet created the member accounts' functions.
   */
  codeBuckets?: readonly string[];
  /**
   * At most this many function worker processes at once (each takes some 80 MB): a cold start
   * beyond that first ends the least recently used idle one. Unlimited when left out.
   */
  maxWorkerProcesses?: number;
}

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

/** An asynchronous invocation that failed for good and had no destination to go to (AWS drops these). */
export interface AsyncFailure {
  functionArn: string;
  requestId: string;
  condition: AsyncCondition;
  attempts: number;
  event: unknown;
  error: LambdaError;
}

export interface RuntimeInventory {
  functions: DeployedFunction[];
  streamMappings: { uuid: string; functionArn: string; streamArn: string }[];
  rules: { account: string; busName: string; name: string; pattern?: string; schedule?: string; targets: string[] }[];
  /** What was found but cannot run here, and why. */
  skipped: string[];
}

export class FunctionNotFoundError extends Error {
  override readonly name = 'FunctionNotFoundError';
}

interface MappingRun {
  poller: StreamMappingPoller;
  reader: StreamReader;
  shards: ShardMap;
  idleCycles: number;
  loop: Promise<void>;
  wake?: () => void;
}

const DEFAULT_REGION = 'us-east-1';
/** The origin of the rules the runtime reads from EventBridge (others on its router are left alone). */
const DEPLOYED = 'deployed';
const ASYNC_DEFAULTS: EventInvokeSettings = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 };

/**
 * The local Lambda service: runs the functions deployed on the local cloud (moto) in their own
 * warm Node.js processes, with each function's configuration and its execution role's
 * credentials in its own account, and drives them as AWS would: DynamoDB stream event source
 * mappings, EventBridge rules (bus events and schedules), asynchronous invocations with their
 * retries and destinations.
 */
export class LocalLambdaRuntime {
  readonly router: EventRouter;
  readonly schedules: ScheduleRunner;
  readonly outbox: EmailOutbox;
  readonly workDir: string;
  readonly region: string;
  /** Asynchronous invocations that failed with no OnFailure destination: kept, never silently dropped. */
  readonly asyncFailures: AsyncFailure[] = [];
  private readonly credentials: AccountCredentials;
  private readonly destinations: DestinationSender;
  private readonly functionsByArn = new Map<string, { info: DeployedFunction; container: FunctionContainer }>();
  private readonly mappings = new Map<string, MappingRun>();
  private readonly lambdaClients = new Map<string, LambdaClient>();
  private readonly pendingAsync = new Set<Promise<void>>();
  private readonly disconnects: (() => void)[] = [];
  private readonly hookWork = new Set<Promise<unknown>>();
  private readonly settleHooks: (() => Promise<void>)[] = [];
  private skipped: string[] = [];
  private readonly slots: WorkerSlotPool | undefined;
  private invocationCount = 0;
  private stopped = false;

  private constructor(private readonly options: LocalLambdaRuntimeOptions) {
    this.region = options.region ?? DEFAULT_REGION;
    this.slots = options.maxWorkerProcesses === undefined ? undefined : new WorkerSlotPool(options.maxWorkerProcesses);
    this.workDir = resolve(options.workDir ?? '.local-cloud');
    mkdirSync(join(this.workDir, 'logs'), { recursive: true });
    this.credentials = new AccountCredentials({
      endpoint: options.endpoint,
      region: this.region,
      ...(options.controlCredentials ? { controlCredentials: options.controlCredentials } : {}),
    });
    this.destinations = new DestinationSender(options.endpoint, this.credentials);
    const targetDelay = options.targetRetryDelayMs ?? 200;
    this.router = new EventRouter({ retryDelayMs: () => targetDelay });
    this.schedules = new ScheduleRunner({ timers: options.scheduleTimers ?? true });
    this.outbox = new EmailOutbox({
      dir: join(this.workDir, 'outbox'),
      endpoint: options.endpoint,
      region: this.region,
      credentials: this.credentials,
    });
  }

  /** Reads what is deployed in the accounts and starts the mappings and schedules. */
  static async start(options: LocalLambdaRuntimeOptions): Promise<LocalLambdaRuntime> {
    const runtime = new LocalLambdaRuntime(options);
    try {
      await runtime.refresh();
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    return runtime;
  }

  /**
   * Reads the accounts' functions (code, configuration, EventInvokeConfig), stream event source
   * mappings and EventBridge rules again, e.g. after a deploy: new code means a cold start, new
   * mappings start polling, rules are replaced.
   */
  async refresh(): Promise<RuntimeInventory> {
    this.skipped = [];
    const seenFunctions = new Set<string>();
    for (const account of this.options.accounts) {
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
    const seenMappings = new Set<string>();
    for (const account of this.options.accounts) {
      for (const mapping of await this.listMappings(account)) {
        if (mapping.UUID && (await this.startMapping(mapping))) seenMappings.add(mapping.UUID);
      }
    }
    for (const uuid of [...this.mappings.keys()]) if (!seenMappings.has(uuid)) await this.stopMapping(uuid);
    this.router.removeRules((rule) => rule.origin === DEPLOYED);
    this.schedules.stop();
    for (const account of this.options.accounts) await this.loadRules(account);
    return this.inventory();
  }

  /** What runs here now. */
  inventory(): RuntimeInventory {
    return {
      functions: this.functions(),
      streamMappings: [...this.mappings.values()].map(({ poller }) => ({
        uuid: poller.config.uuid,
        functionArn: poller.config.functionArn,
        streamArn: poller.config.streamArn,
      })),
      rules: this.router.listRules().map((rule) => ({
        account: rule.account,
        busName: rule.busName,
        name: rule.name,
        ...(rule.pattern === undefined ? {} : { pattern: JSON.stringify(rule.pattern) }),
        ...(rule.scheduleExpression === undefined ? {} : { schedule: rule.scheduleExpression }),
        targets: rule.targets.map((target) => target.arn ?? target.id),
      })),
      skipped: [...this.skipped],
    };
  }

  functions(): DeployedFunction[] {
    return [...this.functionsByArn.values()].map(({ info }) => ({ ...info }));
  }

  /**
   * Finds a function by ARN, or by name (with `account` when the name is deployed in several
   * accounts, as the spoke's functions are).
   */
  findFunction(nameOrArn: string, account?: string): DeployedFunction {
    return this.entry(nameOrArn, account).info;
  }

  /** The function's log file: `<workDir>/logs/<account>/<function>.log`. */
  logFile(account: string, functionName: string): string {
    return join(this.workDir, 'logs', account, `${functionName}.log`);
  }

  /** Invokes synchronously (RequestResponse) and resolves with the outcome; a function error is an outcome, not a rejection. */
  async invoke(nameOrArn: string, event: unknown, options: { account?: string } = {}): Promise<InvokeResult> {
    const { container } = this.entry(nameOrArn, options.account);
    this.invocationCount += 1;
    return container.invoke(event);
  }

  /**
   * Invokes asynchronously (InvocationType Event): resolves with the request id once accepted;
   * the function runs in the background with its EventInvokeConfig (retries, maximum event age,
   * OnSuccess/OnFailure destinations). `settled()` waits for it.
   */
  invokeAsync(nameOrArn: string, event: unknown, options: { account?: string } = {}): Promise<{ requestId: string }> {
    const entry = this.entry(nameOrArn, options.account);
    const requestId = randomUUID();
    const run = this.runAsync(entry.info, entry.container, event, requestId).catch((error: unknown) =>
      this.logRuntime('asynchronous invocation failed in the runtime', {
        functionArn: entry.info.functionArn,
        requestId,
        error: String(error),
      }),
    );
    this.pendingAsync.add(run);
    void run.finally(() => this.pendingAsync.delete(run));
    return Promise.resolve({ requestId });
  }

  /** Fires the scheduled rules whose ARN or name is (or, for a generated name, contains) `ruleNameOrArn`. Returns how many fired. */
  fireSchedule(ruleNameOrArn: string): number {
    return this.schedules.fireNow(ruleNameOrArn);
  }

  /** Where the records of each stream mapping went (in, filtered, processed, dead-lettered, discarded, pending). */
  streamStats(): StreamMappingStats[] {
    return [...this.mappings.values()].map(({ poller }) => ({ ...poller.stats }));
  }

  /** Events EventBridge could not deliver after every retry. */
  get deadLetters(): DeadLetter[] {
    return this.router.deadLetters;
  }

  /** Puts an event on a bus, as PutEvents through the front door does. */
  putEvent(put: BusPut): number {
    return this.router.put(put.busAccount, put.region, put.busName, put.event);
  }

  /**
   * Wires the front door's hooks (what the runtime takes from it; a FrontDoor has them all) to the runtime: emitted AWS events go on the emitting account's
   * default bus, PutEvents entries on their bus, SNS publishes to the email outbox. Returns the
   * function that disconnects them.
   */
  connect(frontDoor: FrontDoorHooks): () => void {
    const offs: (() => void)[] = [];
    if (frontDoor.onEvent) {
      offs.push(frontDoor.onEvent((event) => void this.router.put(event.account, event.region, 'default', event)));
    }
    if (frontDoor.routeBusEvents) {
      frontDoor.routeBusEvents((put) => void this.putEvent(put));
      // routeBusEvents has one handler and no way to remove it: disconnecting makes it do nothing.
      offs.push(() => frontDoor.routeBusEvents?.(() => undefined));
    }
    if (frontDoor.onSnsPublish) {
      offs.push(
        frontDoor.onSnsPublish((publish) => {
          const work = this.outbox.deliverSnsPublish(publish).catch((error: unknown) =>
            this.logRuntime('the outbox could not deliver an SNS publish', {
              topicArn: publish.topicArn,
              error: String(error),
            }),
          );
          this.hookWork.add(work);
          void work.finally(() => this.hookWork.delete(work));
          return work.then(() => undefined);
        }),
      );
    }
    const settle = frontDoor.eventsSettled?.bind(frontDoor);
    if (settle) this.settleHooks.push(settle);
    const disconnect = (): void => {
      for (const off of offs.splice(0)) off();
      if (settle) this.settleHooks.splice(this.settleHooks.indexOf(settle), 1);
    };
    this.disconnects.push(disconnect);
    return disconnect;
  }

  /**
   * Resolves once everything is quiet: every stream mapping has read its stream to the end and
   * finished its records, asynchronous invocations, event deliveries, the front door's events
   * and the outbox are done, and nothing new started meanwhile. Rejects after `timeoutMs`.
   */
  async settled(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const before = this.activity();
      for (const hook of this.settleHooks) await hook();
      await this.router.settled();
      while (this.pendingAsync.size > 0 || this.hookWork.size > 0) {
        await Promise.allSettled([...this.pendingAsync, ...this.hookWork]);
      }
      await this.mappingsCaughtUp(deadline);
      await this.router.settled();
      if (this.activity() === before && this.pendingAsync.size === 0 && this.hookWork.size === 0) return;
      if (Date.now() > deadline) throw new Error(`the local Lambda runtime did not settle within ${timeoutMs} ms`);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const disconnect of this.disconnects.splice(0)) disconnect();
    this.schedules.stop();
    for (const uuid of [...this.mappings.keys()]) await this.stopMapping(uuid);
    await Promise.allSettled([...this.pendingAsync]);
    await Promise.allSettled([...this.functionsByArn.values()].map(({ container }) => container.stop()));
    this.functionsByArn.clear();
    for (const client of this.lambdaClients.values()) client.destroy();
    this.destinations.close();
    this.outbox.close();
    this.credentials.close();
  }

  // ------------------------------------------------------------------------------------------
  // Functions

  private entry(nameOrArn: string, account?: string): { info: DeployedFunction; container: FunctionContainer } {
    const arn = nameOrArn.startsWith('arn:') ? nameOrArn.split(':').slice(0, 7).join(':') : undefined;
    if (arn) {
      const found = this.functionsByArn.get(arn);
      if (found) return found;
    } else {
      const matches = [...this.functionsByArn.values()].filter(
        ({ info }) => info.functionName === nameOrArn && (account === undefined || info.account === account),
      );
      if (matches.length === 1) return matches[0] as { info: DeployedFunction; container: FunctionContainer };
      if (matches.length > 1) {
        throw new Error(
          `${nameOrArn} is deployed in accounts ${matches.map((m) => m.info.account).join(', ')}: say which`,
        );
      }
    }
    throw new FunctionNotFoundError(`Function not found: ${nameOrArn}${account ? ` in account ${account}` : ''}`);
  }

  private lambda(account: string): LambdaClient {
    let client = this.lambdaClients.get(account);
    if (!client) {
      client = new LambdaClient({
        region: this.region,
        endpoint: this.options.endpoint,
        credentials: () => this.credentials.forAccount(account),
      });
      this.lambdaClients.set(account, client);
    }
    return client;
  }

  private async listFunctions(account: string): Promise<FunctionConfiguration[]> {
    const out: FunctionConfiguration[] = [];
    for await (const page of paginateListFunctions({ client: this.lambda(account) }, {}))
      out.push(...(page.Functions ?? []));
    return out;
  }

  private async loadFunction(account: string, listed: FunctionConfiguration): Promise<DeployedFunction> {
    const lambda = this.lambda(account);
    const name = listed.FunctionName as string;
    const { Configuration: c, Code } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    if (!c?.FunctionArn || !c.Handler || !c.Role || !c.CodeSha256) {
      throw new Error(`GetFunction ${name} in ${account} lacks FunctionArn, Handler, Role or CodeSha256`);
    }
    const functionArn = c.FunctionArn;
    const codeDir = join(this.workDir, 'functions', account, name);
    const existing = this.functionsByArn.get(functionArn);
    const eventInvokeConfig = await this.eventInvokeConfig(lambda, name);
    if (existing && existing.info.codeSha256 === c.CodeSha256 && sameConfig(existing.container.spec, c)) {
      existing.info.eventInvokeConfig = eventInvokeConfig;
      return existing.info;
    }
    const s3 = new S3Client({
      region: this.region,
      endpoint: this.options.endpoint,
      forcePathStyle: true,
      credentials: () => this.credentials.forAccount(account),
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
      region: this.region,
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
      endpoint: this.options.endpoint,
      logFile: info.logFile,
      credentials: () => this.credentials.forRole(spec.roleArn, name),
      ...(this.options.nodePath === undefined ? {} : { nodePath: this.options.nodePath }),
      ...(this.slots ? { slots: this.slots } : {}),
    });
    this.functionsByArn.set(functionArn, { info, container });
    this.logRuntime(existing ? 'function updated' : 'function loaded', { functionArn, codeSha256: c.CodeSha256 });
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

  private async runAsync(
    info: DeployedFunction,
    container: FunctionContainer,
    event: unknown,
    requestId: string,
  ): Promise<void> {
    const config = info.eventInvokeConfig;
    const delays = this.options.asyncRetryDelaysMs ?? [200, 400];
    const accepted = Date.now();
    let attempts = 0;
    let condition: AsyncCondition = 'RetriesExhausted';
    let last: InvokeResult;
    for (;;) {
      attempts += 1;
      this.invocationCount += 1;
      last = await container.invoke(event, requestId);
      if (last.ok) break;
      if (attempts > config.maximumRetryAttempts) break;
      const delay = delays[Math.min(attempts - 1, delays.length - 1)] ?? 0;
      if (Date.now() + delay - accepted > config.maximumEventAgeInSeconds * 1000) {
        condition = 'EventAgeExceeded';
        break;
      }
      if (delay > 0) await new Promise((resolveDelay) => setTimeout(resolveDelay, delay));
    }
    if (last.ok) {
      if (config.onSuccess) {
        await this.sendInvocationRecord(config.onSuccess, info, requestId, 'Success', attempts, event, last);
      }
      return;
    }
    const failure: AsyncFailure = {
      functionArn: info.functionArn,
      requestId,
      condition,
      attempts,
      event,
      error: last.error,
    };
    if (!config.onFailure) {
      this.asyncFailures.push(failure);
      this.logRuntime('asynchronous invocation failed for good (no OnFailure destination)', {
        ...failure,
        event: undefined,
      });
      return;
    }
    try {
      await this.sendInvocationRecord(config.onFailure, info, requestId, condition, attempts, event, last);
    } catch (error) {
      this.asyncFailures.push(failure);
      this.logRuntime('the OnFailure destination refused an invocation record', {
        functionArn: info.functionArn,
        requestId,
        destination: config.onFailure,
        error: String(error),
      });
    }
  }

  private async sendInvocationRecord(
    destination: string,
    info: DeployedFunction,
    requestId: string,
    condition: AsyncCondition,
    attempts: number,
    event: unknown,
    outcome: InvokeResult,
  ): Promise<void> {
    const record = asyncInvocationRecord({
      requestId,
      functionArn: info.functionArn,
      condition,
      invokeCount: attempts,
      event,
      outcome: outcome.ok ? { ok: true, payload: outcome.payload } : { ok: false, error: outcome.error },
      now: new Date(),
    });
    const { service, account, region, resource } = parseArn(destination);
    if (service === 'lambda') {
      await this.invokeAsync(destination, record);
      return;
    }
    if (service === 'events') {
      this.router.put(account, region, resource.replace(/^event-bus\//, ''), {
        version: '0',
        id: randomUUID(),
        'detail-type': `Lambda Function Invocation Result - ${condition === 'Success' ? 'Success' : 'Failure'}`,
        source: 'lambda',
        account: info.account,
        time: isoSeconds(new Date()),
        region: this.region,
        resources: [info.functionArn, destination],
        detail: record,
      });
      return;
    }
    await this.destinations.send(destination, { body: JSON.stringify(record) });
  }

  // ------------------------------------------------------------------------------------------
  // Stream event source mappings

  private async listMappings(account: string): Promise<EventSourceMappingConfiguration[]> {
    const out: EventSourceMappingConfiguration[] = [];
    for await (const page of paginateListEventSourceMappings({ client: this.lambda(account) }, {})) {
      out.push(...(page.EventSourceMappings ?? []));
    }
    return out;
  }

  /** Starts polling a DynamoDB stream mapping (if new); false for mappings that do not run here. */
  private async startMapping(mapping: EventSourceMappingConfiguration): Promise<boolean> {
    const uuid = mapping.UUID as string;
    const source = mapping.EventSourceArn ?? '';
    if (!/^arn:[\w-]+:dynamodb:[^:]*:\d{12}:table\/[^/]+\/stream\//.test(source)) {
      this.skipped.push(`event source mapping ${uuid}: only DynamoDB streams are polled locally (${source})`);
      return false;
    }
    if (mapping.State !== undefined && !['Enabled', 'Enabling', 'Creating', 'Updating'].includes(mapping.State)) {
      this.skipped.push(`event source mapping ${uuid} is ${mapping.State}`);
      return false;
    }
    const functionArn = (mapping.FunctionArn ?? '').split(':').slice(0, 7).join(':');
    const fn = this.functionsByArn.get(functionArn);
    if (!fn) {
      this.skipped.push(`event source mapping ${uuid}: function ${functionArn} is not among the runtime's`);
      return false;
    }
    const config: StreamMappingConfig = {
      uuid,
      functionArn,
      streamArn: source,
      batchSize: mapping.BatchSize ?? 100,
      maximumRetryAttempts: mapping.MaximumRetryAttempts ?? -1,
      maximumRecordAgeInSeconds: mapping.MaximumRecordAgeInSeconds ?? -1,
      bisectBatchOnFunctionError: mapping.BisectBatchOnFunctionError ?? false,
      reportBatchItemFailures: (mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      filterPatterns: (mapping.FilterCriteria?.Filters ?? []).flatMap((filter) =>
        filter.Pattern === undefined ? [] : [filter.Pattern],
      ),
      ...(mapping.DestinationConfig?.OnFailure?.Destination
        ? { onFailureDestination: mapping.DestinationConfig.OnFailure.Destination }
        : {}),
    };
    const existing = this.mappings.get(uuid);
    if (existing) {
      // An updated mapping keeps its place in the stream, as Lambda keeps its checkpoint.
      existing.poller.reconfigure(config);
      return true;
    }
    const { region } = parseArn(source);
    const credentials = () => this.credentials.forRole(fn.info.roleArn, fn.info.functionName);
    const reader = createStreamReader({
      endpoint: this.options.endpoint,
      region,
      streamArn: source,
      credentials,
      startingPosition: mapping.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
    });
    const shards = new ShardMap(this.options.endpoint, region, source, credentials);
    await reader.open();
    await shards.refresh();
    const poller = new StreamMappingPoller(config, {
      read: async (max) => {
        const records = await reader.readAvailable(max);
        if (records.some((record) => !shards.covers(record.dynamodb?.SequenceNumber ?? ''))) await shards.refresh();
        return records;
      },
      invoke: (event) => {
        this.invocationCount += 1;
        return this.entry(functionArn).container.invoke(event);
      },
      sendToDestination: (arn, record) => this.destinations.send(arn, { body: JSON.stringify(record) }),
      shardOf: (sequenceNumber) => shards.shardOf(sequenceNumber),
      retryDelayMs: this.options.streamRetryDelayMs ?? 200,
      log: (message, fields) => this.logRuntime(message, fields),
    });
    const run: MappingRun = { poller, reader, shards, idleCycles: 0, loop: Promise.resolve() };
    this.mappings.set(uuid, run);
    run.loop = this.pollLoop(run);
    this.logRuntime('stream mapping started', { uuid, functionArn, streamArn: source });
    return true;
  }

  private async pollLoop(run: MappingRun): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 250;
    while (!this.stopped && this.mappings.get(run.poller.config.uuid) !== undefined) {
      let worked = false;
      try {
        worked = await run.poller.step();
      } catch (error) {
        this.logRuntime('stream mapping poll failed', { uuid: run.poller.config.uuid, error: String(error) });
      }
      if (worked) continue;
      run.idleCycles += 1;
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(() => {
          run.wake = undefined;
          resolveWait();
        }, interval);
        run.wake = () => {
          clearTimeout(timer);
          run.wake = undefined;
          resolveWait();
        };
      });
    }
  }

  /** Waits until every mapping has finished a poll that found nothing new, started after this call. */
  private async mappingsCaughtUp(deadline: number): Promise<void> {
    const runs = [...this.mappings.values()];
    const marks = runs.map((run) => run.idleCycles);
    for (const run of runs) run.wake?.();
    for (;;) {
      // Two idle cycles: the first may have started before this call.
      if (runs.every((run, i) => run.idleCycles >= (marks[i] as number) + 2 && !run.poller.busy)) return;
      if (Date.now() > deadline) throw new Error('stream mappings did not catch up in time');
      for (const run of runs) run.wake?.();
      await new Promise((resolveWait) => setTimeout(resolveWait, 10));
    }
  }

  private async stopMapping(uuid: string): Promise<void> {
    const run = this.mappings.get(uuid);
    if (!run) return;
    this.mappings.delete(uuid);
    run.wake?.();
    await run.loop;
    run.reader.close();
    run.shards.close();
  }

  // ------------------------------------------------------------------------------------------
  // EventBridge rules and schedules

  private async loadRules(account: string): Promise<void> {
    const events = new EventBridgeClient({
      region: this.region,
      endpoint: this.options.endpoint,
      credentials: () => this.credentials.forAccount(account),
    });
    try {
      const buses = await allPages(async (NextToken) => {
        const page = await events.send(new ListEventBusesCommand({ NextToken }));
        return { items: (page.EventBuses ?? []).flatMap((bus) => (bus.Name ? [bus.Name] : [])), next: page.NextToken };
      });
      for (const busName of buses) {
        const rules: SdkRule[] = await allPages(async (NextToken) => {
          const page = await events.send(new ListRulesCommand({ EventBusName: busName, NextToken }));
          return { items: page.Rules ?? [], next: page.NextToken };
        });
        for (const rule of rules) {
          if (!rule.Name || rule.State === 'DISABLED') continue;
          const ruleName = rule.Name;
          const targets: SdkTarget[] = await allPages(async (NextToken) => {
            const page = await events.send(
              new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName, NextToken }),
            );
            return { items: page.Targets ?? [], next: page.NextToken };
          });
          this.addRule(account, busName, rule, targets);
        }
      }
    } finally {
      events.destroy();
    }
  }

  private addRule(account: string, busName: string, rule: SdkRule, targets: SdkTarget[]): void {
    const name = rule.Name as string;
    const arn =
      rule.Arn ?? `arn:aws:events:${this.region}:${account}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
    const routed: Rule = {
      name,
      origin: DEPLOYED,
      arn,
      account,
      region: this.region,
      busName,
      targets: targets.flatMap((target) => this.ruleTarget(arn, target)),
    };
    if (rule.EventPattern) {
      this.router.addRule({ ...routed, pattern: rule.EventPattern });
    }
    if (rule.ScheduleExpression) {
      const scheduled: Rule = { ...routed, scheduleExpression: rule.ScheduleExpression };
      this.router.addRule(scheduled);
      try {
        this.schedules.add({
          key: arn,
          name,
          expression: rule.ScheduleExpression,
          fire: (time) =>
            this.router.fire(scheduled, {
              version: '0',
              id: randomUUID(),
              'detail-type': 'Scheduled Event',
              source: 'aws.events',
              account,
              time: isoSeconds(time),
              region: this.region,
              resources: [arn],
              detail: {},
            }),
        });
      } catch (error) {
        this.skipped.push(`rule ${name}: ${(error as Error).message}`);
      }
    }
  }

  private ruleTarget(ruleArn: string, target: SdkTarget): RuleTarget[] {
    const id = target.Id ?? '';
    const arn = target.Arn ?? '';
    const retry = {
      maxRetries: target.RetryPolicy?.MaximumRetryAttempts ?? 185,
      maxEventAgeSeconds: target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400,
      ...(target.DeadLetterConfig?.Arn ? { deadLetter: this.deadLetterHandler(target.DeadLetterConfig.Arn) } : {}),
    };
    if (target.InputTransformer || target.InputPath) {
      this.skipped.push(
        `rule target ${ruleArn} ${id}: InputPath/InputTransformer are not applied locally (the whole event is sent)`,
      );
    }
    const input = target.Input === undefined ? undefined : (JSON.parse(target.Input) as unknown);
    const payload = (event: BusEvent): unknown => input ?? event;
    let service: string;
    try {
      service = parseArn(arn).service;
    } catch {
      this.skipped.push(`rule target ${ruleArn} ${id}: ${arn} is not an ARN`);
      return [];
    }
    if (service === 'lambda') {
      return [{ kind: 'function', id, arn, invoke: (event) => this.invokeAsync(arn, payload(event)), ...retry }];
    }
    if (service === 'events' && arn.includes(':event-bus/')) {
      const { account, region, resource } = parseArn(arn);
      return [{ kind: 'bus', id, arn, account, region, busName: resource.replace(/^event-bus\//, '') }];
    }
    if (DestinationSender.supports(arn)) {
      return [
        {
          kind: 'send',
          id,
          arn,
          send: (event) => this.destinations.send(arn, { body: JSON.stringify(payload(event)) }),
          ...retry,
        },
      ];
    }
    this.skipped.push(`rule target ${ruleArn} ${id}: ${service} targets are not delivered locally (${arn})`);
    return [];
  }

  /** EventBridge's dead-letter message: the event, with attributes that say why. */
  private deadLetterHandler(queueArn: string): (letter: DeadLetter) => Promise<void> {
    return (letter) =>
      this.destinations.send(queueArn, {
        body: JSON.stringify(letter.event),
        attributes: {
          RULE_ARN: letter.ruleArn ?? letter.rule,
          TARGET_ARN: letter.targetArn ?? letter.target,
          ERROR_CODE: letter.error.split(':')[0] ?? 'Error',
          ERROR_MESSAGE: letter.error,
          EXHAUSTED_RETRY_CONDITION: letter.condition,
          RETRY_ATTEMPTS: String(letter.attempts - 1),
        },
      });
  }

  // ------------------------------------------------------------------------------------------

  private activity(): number {
    return this.invocationCount + this.router.deliveries.length;
  }

  /** One JSON line per event in `<workDir>/logs/runtime.log`. */
  private logRuntime(message: string, fields: Record<string, unknown>): void {
    const line = JSON.stringify({ time: new Date().toISOString(), message, ...fields });
    try {
      appendFileSync(join(this.workDir, 'logs', 'runtime.log'), `${line}\n`);
    } catch {
      // The log is a convenience; the runtime keeps going without it.
    }
  }
}

/** Which shard each sequence number belongs to, from DescribeStream's sequence number ranges. */
class ShardMap {
  private shards: { id: string; start: bigint; end?: bigint }[] = [];
  private readonly client: DynamoDBStreamsClient;

  constructor(
    endpoint: string,
    region: string,
    private readonly streamArn: string,
    credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>,
  ) {
    this.client = new DynamoDBStreamsClient({ region, endpoint, credentials });
  }

  async refresh(): Promise<void> {
    const shards: { id: string; start: bigint; end?: bigint }[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const range = shard.SequenceNumberRange;
        if (!shard.ShardId || !range?.StartingSequenceNumber) continue;
        shards.push({
          id: shard.ShardId,
          start: BigInt(range.StartingSequenceNumber),
          ...(range.EndingSequenceNumber ? { end: BigInt(range.EndingSequenceNumber) } : {}),
        });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    this.shards = shards;
  }

  close(): void {
    this.client.destroy();
  }

  covers(sequenceNumber: string): boolean {
    return this.find(sequenceNumber) !== undefined;
  }

  shardOf(sequenceNumber: string): string {
    return this.find(sequenceNumber) ?? 'shardId-unknown';
  }

  private find(sequenceNumber: string): string | undefined {
    if (!/^\d+$/.test(sequenceNumber)) return undefined;
    const n = BigInt(sequenceNumber);
    return this.shards.find((shard) => n >= shard.start && (shard.end === undefined || n <= shard.end))?.id;
  }
}

async function allPages<T>(
  read: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await read(token);
    out.push(...items);
    token = next || undefined;
  } while (token !== undefined);
  return out;
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
