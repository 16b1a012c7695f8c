import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BusPut, FrontDoorHooks, LambdaInvoke, LambdaInvokeOutcome } from '@org-budgets/aws-emulator';
import { AccountCredentials } from './account-credentials';
import { DestinationSender } from './destinations';
import { EmailOutbox } from './email-outbox';
import { DeployedRules } from './deployed-rules';
import { EventRouter, type DeadLetter } from './event-router';
import { eventSourceKind, listEventSourceMappings } from './event-source-mappings';
import { ColdStartGate, defaultMaxConcurrentColdStarts } from './cold-start-gate';
import { WorkerSlotPool, type ColdStartRecord, type InvokeResult } from './function-container';
import type { InvocationRecord } from './function-container-pool';
import { FunctionLoader, FunctionNotFoundError, type DeployedFunction } from './function-loader';
import { Invoker, type AsyncFailure, type PendingInvocation } from './invoker';
import { OneTimeSchedules, type PendingOneTimeSchedule } from './one-time-schedules';
import type { QueueMappingStats } from './queue-mapping-poller';
import { QueueMappings } from './queue-mappings';
import { runtimeLog, type RuntimeLog } from './runtime-log';
import { ScheduleRunner } from './schedule-runner';
import { SchedulerDeleter } from './scheduler-deleter';
import type { StreamMappingStats } from './stream-mapping-poller';
import { StreamMappings } from './stream-mappings';

export { FunctionNotFoundError, type DeployedFunction, type EventInvokeSettings } from './function-loader';
export type { AsyncFailure, PendingInvocation } from './invoker';
export type { PendingOneTimeSchedule } from './one-time-schedules';

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
  /**
   * WaitTimeSeconds of the SQS mappings' long polls (1–20): how long a poll of an empty queue
   * waits for a message; 2 s. `stop()` waits for the polls under way.
   */
  queueWaitTimeSeconds?: number;
  /** Wait before the retries of a failed asynchronous invocation; AWS waits 1 then 2 minutes. [200, 400] ms. */
  asyncRetryDelaysMs?: readonly number[];
  /** Wait before EventBridge (or Scheduler, for a one-time schedule) retries a delivery; 200 ms. */
  targetRetryDelayMs?: number;
  /** Fire the EventBridge rules' schedules on time (true), or only through `fireSchedule` (false). */
  scheduleTimers?: boolean;
  /**
   * Deliver EventBridge Scheduler's one-time schedules (`at(...)`) at their time on the functions'
   * clock (true, the default), or only through `fireOneTimeSchedule` (false). Either way only once
   * connected to a front door (`connect`): it tells of the schedules moto created and deleted.
   */
  oneTimeScheduleTimers?: boolean;
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
  /**
   * At most this many cold starts (worker process started, bundle loaded) at once across all
   * functions and accounts; the others wait their turn (ColdStartGate, coldStartLaneOf).
   * A cold start is CPU work that Lambda runs on hardware of its own and this machine on its
   * cores: unbounded, hundreds at once (a bulk edit of 500 spokes) would each take hundreds of
   * times as long and starve the warm invocations. The machine's cores (at least 2) when left
   * out (defaultMaxConcurrentColdStarts); 0 for no limit.
   */
  maxConcurrentColdStarts?: number;
  /**
   * The lane of an account's cold starts: waiting cold starts of different lanes take turns
   * (ColdStartGate), e.g. the management account in a lane of its own, so that the hub's
   * functions do not wait behind hundreds of member accounts'. One lane (first come, first served)
   * when left out.
   */
  coldStartLaneOf?: (account: string) => string;
  /**
   * Spread the first firing of each `rate(…)` rule over its period (true, the default), as
   * EventBridge does not fire every account's rule at the same instant: a rule added at t first
   * fires at t + a phase in (0, period] fixed by its ARN (stable across restarts and runs), then
   * every period. False: every rate rule first fires one period after it was added, so rules
   * deployed together (500 spokes' guardian schedules) fire together. cron(…) rules fire at
   * their minute either way.
   */
  spreadRateSchedules?: boolean;
  /**
   * How many invocations of one function run at once (each in its own container, a worker
   * process) when the function has no ReservedConcurrentExecutions; 10 (see
   * DEFAULT_FUNCTION_CONCURRENCY for why). Further invocations wait for a free container.
   */
  defaultConcurrency?: number;
  /**
   * For tests of what happens at another time (the turn of a month): the functions' clock can be
   * moved ahead with `setClockOffset`. Their worker processes then run with a `Date` that adds
   * the offset (see lambda-worker.cjs); the runtime itself, the front door and moto keep the
   * machine's clock. False by default: the functions get the real Date.
   */
  shiftableClock?: boolean;
  /**
   * Tells an asynchronous invocation that only waits inside its function for a later time (on the
   * functions' clock, `functionsNow`) — as a delayed message waits in a queue — from work in
   * progress: `settled()` does not wait for such an invocation until the predicate says otherwise
   * (it asks again while it waits), and `stop()` ends it with the function's workers instead of
   * waiting for it. The runtime itself knows nothing of what functions do: the local cloud says
   * which events these are. None by default.
   */
  deferredInvocation?: (invocation: PendingInvocation, functionsNow: Date) => boolean;
}

export interface RuntimeInventory {
  functions: DeployedFunction[];
  streamMappings: { uuid: string; functionArn: string; streamArn: string }[];
  queueMappings: { uuid: string; functionArn: string; queueArn: string }[];
  rules: { account: string; busName: string; name: string; pattern?: string; schedule?: string; targets: string[] }[];
  /** What was found but cannot run here, and why. */
  skipped: string[];
}

const DEFAULT_REGION = 'us-east-1';

/**
 * The local Lambda service: runs the functions deployed on the local cloud (moto) in their own
 * warm Node.js processes, with each function's configuration and its execution role's
 * credentials in its own account, and drives them as AWS would: DynamoDB stream and SQS queue
 * event source mappings, EventBridge rules (bus events and schedules), asynchronous invocations
 * with their retries and destinations. A function runs as many invocations at once as its
 * concurrency allows (ReservedConcurrentExecutions, else `defaultConcurrency`), each in a
 * container of its own; further ones wait for a free container.
 *
 * A facade over its parts: the function loader (deployed functions and their containers), the
 * invoker (synchronous and asynchronous invocations, destinations), the stream and queue
 * mappings, the deployed rules and schedules (on the event router and the schedule runner), and
 * the outbox.
 */
export class LocalLambdaRuntime {
  readonly router: EventRouter;
  readonly schedules: ScheduleRunner;
  readonly outbox: EmailOutbox;
  readonly workDir: string;
  readonly region: string;
  /** Asynchronous invocations that failed with no OnFailure destination: kept, never silently dropped. */
  readonly asyncFailures: AsyncFailure[];
  private readonly credentials: AccountCredentials;
  private readonly destinations: DestinationSender;
  private readonly loader: FunctionLoader;
  private readonly invoker: Invoker;
  private readonly mappings: StreamMappings;
  private readonly queueMappings: QueueMappings;
  private readonly rules: DeployedRules;
  private readonly oneTimeSchedules: OneTimeSchedules;
  private readonly schedulerDeleter: SchedulerDeleter;
  private readonly log: RuntimeLog;
  private readonly disconnects: (() => void)[] = [];
  private readonly hookWork = new Set<Promise<unknown>>();
  private readonly settleHooks: (() => Promise<void>)[] = [];
  private skipped: string[] = [];
  private readonly coldStartLog: ColdStartRecord[] = [];
  private readonly invocationLog: InvocationRecord[] = [];
  /** The runtime-wide limit on cold starts at once; undefined when unlimited (maxConcurrentColdStarts 0). */
  readonly coldStartGate: ColdStartGate | undefined;
  private stopped = false;
  private clockOffset = 0;

  private constructor(private readonly options: LocalLambdaRuntimeOptions) {
    this.region = options.region ?? DEFAULT_REGION;
    const slots =
      options.maxWorkerProcesses === undefined
        ? undefined
        : new WorkerSlotPool(options.maxWorkerProcesses, options.coldStartLaneOf);
    const maxColdStarts = options.maxConcurrentColdStarts ?? defaultMaxConcurrentColdStarts();
    this.coldStartGate =
      maxColdStarts === 0 ? undefined : new ColdStartGate(maxColdStarts, Date.now, options.coldStartLaneOf);
    this.workDir = resolve(options.workDir ?? '.local-cloud');
    mkdirSync(join(this.workDir, 'logs'), { recursive: true });
    this.log = runtimeLog(this.workDir);
    this.credentials = new AccountCredentials({
      endpoint: options.endpoint,
      region: this.region,
      ...(options.controlCredentials ? { controlCredentials: options.controlCredentials } : {}),
    });
    this.destinations = new DestinationSender(options.endpoint, this.credentials);
    const targetDelay = options.targetRetryDelayMs ?? 200;
    this.router = new EventRouter({ retryDelayMs: () => targetDelay });
    this.schedules = new ScheduleRunner({
      timers: options.scheduleTimers ?? true,
      spreadRates: options.spreadRateSchedules ?? true,
    });
    this.outbox = new EmailOutbox({
      dir: join(this.workDir, 'outbox'),
      endpoint: options.endpoint,
      region: this.region,
      credentials: this.credentials,
    });
    this.loader = new FunctionLoader({
      endpoint: options.endpoint,
      region: this.region,
      workDir: this.workDir,
      credentials: this.credentials,
      codeBuckets: options.codeBuckets,
      nodePath: options.nodePath,
      slots,
      coldStarts: this.coldStartGate,
      onColdStart: (record) => keepRecent(this.coldStartLog, record),
      onInvocation: (record) => keepRecent(this.invocationLog, record),
      clockOffsetMs: options.shiftableClock ? () => this.clockOffset : undefined,
      defaultConcurrency: options.defaultConcurrency,
      log: this.log,
    });
    this.invoker = new Invoker({
      loader: this.loader,
      router: this.router,
      destinations: this.destinations,
      region: this.region,
      asyncRetryDelaysMs: options.asyncRetryDelaysMs,
      log: this.log,
    });
    this.asyncFailures = this.invoker.asyncFailures;
    this.mappings = new StreamMappings({
      endpoint: options.endpoint,
      credentials: this.credentials,
      loader: this.loader,
      invoker: this.invoker,
      destinations: this.destinations,
      pollIntervalMs: options.pollIntervalMs,
      streamRetryDelayMs: options.streamRetryDelayMs,
      log: this.log,
    });
    this.queueMappings = new QueueMappings({
      endpoint: options.endpoint,
      credentials: this.credentials,
      loader: this.loader,
      invoker: this.invoker,
      waitTimeSeconds: options.queueWaitTimeSeconds,
      pollIntervalMs: options.pollIntervalMs,
      log: this.log,
    });
    this.schedulerDeleter = new SchedulerDeleter(options.endpoint, this.credentials);
    this.oneTimeSchedules = new OneTimeSchedules({
      invokeAsync: (functionArn, event) => this.invoker.invokeAsync(functionArn, event),
      send: (arn, message) => this.destinations.send(arn, message),
      deleteSchedule: (schedule) => this.schedulerDeleter.delete(schedule),
      clockOffsetMs: () => this.clockOffset,
      log: this.log,
      retryDelayMs: targetDelay,
      timers: options.oneTimeScheduleTimers ?? true,
    });
    this.rules = new DeployedRules({
      endpoint: options.endpoint,
      region: this.region,
      credentials: this.credentials,
      router: this.router,
      schedules: this.schedules,
      invoker: this.invoker,
      destinations: this.destinations,
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
   * Reads the accounts' functions (code, configuration, EventInvokeConfig), event source
   * mappings (DynamoDB streams, SQS queues) and EventBridge rules again, e.g. after a deploy: new
   * code means a cold start, new mappings start polling, rules are replaced.
   */
  async refresh(): Promise<RuntimeInventory> {
    this.skipped = [];
    await this.loader.refresh(this.options.accounts);
    const mappings = await listEventSourceMappings(this.loader, this.options.accounts);
    for (const mapping of mappings.filter((m) => eventSourceKind(m) === 'other')) {
      this.skipped.push(
        `event source mapping ${mapping.UUID ?? '?'}: only DynamoDB streams and SQS queues are polled locally (${mapping.EventSourceArn ?? ''})`,
      );
    }
    await this.mappings.refresh(mappings, this.skipped);
    await this.queueMappings.refresh(mappings, this.skipped);
    await this.rules.refresh(this.options.accounts, this.skipped);
    return this.inventory();
  }

  /** What runs here now. */
  inventory(): RuntimeInventory {
    return {
      functions: this.functions(),
      streamMappings: this.mappings.list(),
      queueMappings: this.queueMappings.list(),
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
    return this.loader.functions();
  }

  /**
   * Finds a function by ARN, or by name (with `account` when the name is deployed in several
   * accounts, as the spoke's functions are).
   */
  findFunction(nameOrArn: string, account?: string): DeployedFunction {
    return this.loader.find(nameOrArn, account).info;
  }

  /** The function's log file: `<workDir>/logs/<account>/<function>.log`. */
  logFile(account: string, functionName: string): string {
    return this.loader.logFile(account, functionName);
  }

  /** Invokes synchronously (RequestResponse) and resolves with the outcome; a function error is an outcome, not a rejection. */
  async invoke(nameOrArn: string, event: unknown, options: { account?: string } = {}): Promise<InvokeResult> {
    return this.invoker.invoke(nameOrArn, event, options);
  }

  /**
   * Invokes asynchronously (InvocationType Event): resolves with the request id once accepted;
   * the function runs in the background with its EventInvokeConfig (retries, maximum event age,
   * OnSuccess/OnFailure destinations). `settled()` waits for it.
   */
  invokeAsync(nameOrArn: string, event: unknown, options: { account?: string } = {}): Promise<{ requestId: string }> {
    return this.invoker.invokeAsync(nameOrArn, event, options);
  }

  /** How far ahead of this machine's clock the functions' clock runs (ms). */
  get clockOffsetMs(): number {
    return this.clockOffset;
  }

  /**
   * Moves the functions' clock: from their next invocation on, `Date` in every function runs
   * `offsetMs` ahead of this machine's clock (0 puts it back). Only with `shiftableClock`.
   * Schedules, mappings, retries, the front door and moto keep the machine's clock.
   */
  setClockOffset(offsetMs: number): void {
    if (!this.options.shiftableClock) {
      throw new Error('the functions’ clock can be moved only in a runtime started with shiftableClock: true');
    }
    if (!Number.isFinite(offsetMs)) throw new Error(`clock offset must be a finite number of ms, got ${offsetMs}`);
    this.clockOffset = offsetMs;
    this.log('functions’ clock moved', { offsetMs });
    this.oneTimeSchedules.clockMoved();
  }

  /** The asynchronous invocations accepted and not ended (running, waiting for a worker, or deferred). */
  pendingInvocations(): PendingInvocation[] {
    return this.invoker.pendingInvocations();
  }

  /** Fires the scheduled rules whose ARN or name is (or, for a generated name, contains) `ruleNameOrArn`. Returns how many fired. */
  fireSchedule(ruleNameOrArn: string): number {
    return this.schedules.fireNow(ruleNameOrArn);
  }

  /** The EventBridge Scheduler one-time schedules waiting for their time (on the functions' clock), soonest first. */
  pendingOneTimeSchedules(): PendingOneTimeSchedule[] {
    return this.oneTimeSchedules.list();
  }

  /** Delivers the waiting one-time schedules whose ARN or name is `nameOrArn` now. Returns how many. */
  fireOneTimeSchedule(nameOrArn: string): number {
    return this.oneTimeSchedules.fireNow(nameOrArn);
  }

  /**
   * The latest cold starts (at most RECENT_RECORDS), oldest first: function, account, and where
   * the time went (slot wait, credentials, turn among cold starts, process start and bundle load,
   * the worker's Init Duration).
   */
  coldStarts(): ColdStartRecord[] {
    return this.coldStartLog.slice(-RECENT_RECORDS).map((record) => ({ ...record }));
  }

  /** The latest ended invocations (at most RECENT_RECORDS), oldest first, each with its wait, duration and whether it was a cold start. */
  invocations(): InvocationRecord[] {
    return this.invocationLog.slice(-RECENT_RECORDS).map((record) => ({ ...record }));
  }

  /** Where the records of each stream mapping went (in, filtered, processed, dead-lettered, discarded, pending). */
  streamStats(): StreamMappingStats[] {
    return this.mappings.stats();
  }

  /** Where the messages of each SQS mapping went (received, filtered, processed, returned for redelivery, pending). */
  queueStats(): QueueMappingStats[] {
    return this.queueMappings.stats();
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
   * Wires the front door's hooks (FrontDoorHooks: what the runtime takes from it; a FrontDoor
   * has them all) to the runtime: emitted AWS events go on the emitting account's default bus,
   * PutEvents entries on their bus, SNS publishes to the email outbox, Lambda Invoke calls (from
   * the functions or anyone) to the functions here (see answerInvoke), and the EventBridge
   * Scheduler schedules moto creates and deletes to the one-time schedules (see
   * OneTimeSchedules). Returns the function that disconnects them.
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
            this.log('the outbox could not deliver an SNS publish', {
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
    if (frontDoor.onLambdaInvoke) offs.push(frontDoor.onLambdaInvoke((invoke) => this.answerInvoke(invoke)));
    if (frontDoor.onScheduleCreated) {
      offs.push(frontDoor.onScheduleCreated((schedule) => this.oneTimeSchedules.created(schedule)));
    }
    if (frontDoor.onScheduleDeleted) {
      offs.push(frontDoor.onScheduleDeleted((schedule) => this.oneTimeSchedules.deleted(schedule)));
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
   * finished its records, every queue mapping has found its queue empty (delayed messages, and
   * messages waiting out their visibility timeout after a failure, are not waited for),
   * asynchronous invocations, event deliveries, the front door's events, the outbox and the
   * one-time schedules that fired (their dead letters and deletes) are done, and nothing new
   * started meanwhile; one-time schedules still waiting for their time are not waited for. An
   * asynchronous invocation is waited for however long it runs, also one that waits within the
   * function (sleeps) for a later time. Rejects after `timeoutMs`, saying which asynchronous
   * invocations still ran.
   */
  async settled(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const before = this.activity();
      for (const hook of this.settleHooks) await hook();
      await this.router.settled();
      for (;;) {
        const work = [...this.awaitedInvocations(), ...this.hookWork, ...this.oneTimeSchedules.pending];
        if (work.length === 0) break;
        // Deferred invocations are asked about again every 250 ms: one whose time came is waited for.
        const some = this.hasDeferredInvocations()
          ? Promise.race([Promise.allSettled(work), new Promise((resolveSoon) => setTimeout(resolveSoon, 250))])
          : Promise.allSettled(work);
        if (!(await untilDeadline(some, deadline)) || Date.now() > deadline) {
          throw new Error(this.notSettled(timeoutMs));
        }
      }
      await this.mappings.caughtUp(deadline);
      await this.queueMappings.caughtUp(deadline);
      await this.router.settled();
      const idle =
        this.awaitedInvocations().length === 0 && this.hookWork.size === 0 && this.oneTimeSchedules.pending.size === 0;
      if (this.activity() === before && idle) return;
      if (Date.now() > deadline) throw new Error(this.notSettled(timeoutMs));
    }
  }

  /** Whether an invocation only waits for a later time (`deferredInvocation`). */
  private isDeferred(invocation: PendingInvocation): boolean {
    const deferred = this.options.deferredInvocation;
    return deferred !== undefined && deferred(invocation, new Date(Date.now() + this.clockOffset));
  }

  private hasDeferredInvocations(): boolean {
    return this.invoker.pendingInvocations().some((invocation) => this.isDeferred(invocation));
  }

  /** The asynchronous invocations `settled()` waits for: all but the deferred ones. */
  private awaitedInvocations(): Promise<void>[] {
    return this.invoker.pendingEntries().flatMap(([run, info]) => (this.isDeferred(info) ? [] : [run]));
  }

  /** Why `settled` gives up: what still runs. */
  private notSettled(timeoutMs: number): string {
    const now = Date.now();
    const running = this.invoker
      .pendingInvocations()
      .map(({ functionName, acceptedAt }) => `${functionName} (for ${Math.round((now - acceptedAt) / 1000)} s)`);
    return (
      `the local Lambda runtime did not settle within ${timeoutMs} ms` +
      (running.length > 0
        ? `: ${running.length} asynchronous invocation(s) still running or waiting: ${running.join(', ')}`
        : '')
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const disconnect of this.disconnects.splice(0)) disconnect();
    this.schedules.stop();
    this.oneTimeSchedules.stop();
    await Promise.all([this.mappings.stop(), this.queueMappings.stop()]);
    await this.oneTimeSchedules.drain();
    // Deferred invocations (waiting for a later time) end with the workers, unawaited.
    await this.invoker.drain((invocation) => !this.isDeferred(invocation));
    this.invoker.stop();
    await this.loader.stopFunctions();
    this.loader.close();
    this.destinations.close();
    this.schedulerDeleter.close();
    this.outbox.close();
    this.credentials.close();
  }

  /**
   * A Lambda Invoke call the front door handed over (connect): the function found by its ARN in
   * its account, then Event → an asynchronous invocation (invokeAsync, with its EventInvokeConfig),
   * RequestResponse → the invocation's result or error, DryRun → only found. A function that calls
   * itself with RequestResponse runs in another of its containers (up to its concurrency).
   */
  private async answerInvoke(invoke: LambdaInvoke): Promise<LambdaInvokeOutcome> {
    try {
      this.loader.find(invoke.functionArn);
    } catch (error) {
      if (!(error instanceof FunctionNotFoundError)) throw error;
      this.log('Invoke of a function not loaded here (deployed since? runtime.refresh() loads it)', {
        functionArn: invoke.functionArn,
        callerAccountId: invoke.callerAccountId,
      });
      return { kind: 'notFound' };
    }
    switch (invoke.invocationType) {
      case 'DryRun':
        return { kind: 'verified' };
      case 'Event': {
        const { requestId } = await this.invokeAsync(invoke.functionArn, invoke.event);
        return { kind: 'accepted', requestId };
      }
      case 'RequestResponse': {
        const result = await this.invoke(invoke.functionArn, invoke.event);
        return result.ok
          ? { kind: 'returned', requestId: result.requestId, payload: result.payload }
          : { kind: 'failed', requestId: result.requestId, error: result.error };
      }
    }
  }

  private activity(): number {
    return this.invoker.invocations + this.router.deliveries.length;
  }
}

/** How many cold starts and invocations the runtime keeps for coldStarts() and invocations(). */
export const RECENT_RECORDS = 20_000;

/** Appends `record`, dropping the oldest beyond RECENT_RECORDS. */
function keepRecent<T>(records: T[], record: T): void {
  records.push(record);
  // Trimmed in bulk, not at every record.
  if (records.length >= 2 * RECENT_RECORDS) records.splice(0, records.length - RECENT_RECORDS);
}

/** Resolves true once `work` is done, false at `deadline` (epoch ms) if it is not. */
async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
