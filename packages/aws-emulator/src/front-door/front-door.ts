import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchJobSimulator, type BatchSimulationSettings, type SimulatedBatchJob } from '../batch/batch-simulator';
import { BudgetsStore, type BudgetRecord, type BudgetSpendUpdate } from '../budgets/budgets-store';
import { LocalEventBus, type EmittedEvent, type EventListener } from '../events/event-bus';
import { ParameterChangeObserver } from '../events/parameter-change-observer';
import type { BusPut } from '../events/put-events';
import type { FaultRule, LatencyRule } from '../injection-rules';
import { CallLog, type CallRecord } from './call-log';
import { CallerAccounts, MOTO_DEFAULT_ACCOUNT_ID } from './caller-accounts';
import { handleControl } from './control-api';
import { sendJson } from './http';
import { Injections } from './injections';
import type { LambdaInvokeHandler } from './lambda-invoke';
import { createRouter } from './router';
import type { ScheduleId, SchedulerSchedule } from './scheduler-schedules';
import type { SnsPublish } from './sns-publish';
import { Upstream } from './upstream';

export interface FrontDoorOptions {
  /** Where calls go, e.g. moto's endpoint `http://127.0.0.1:5000`. */
  upstream: string;
  /** Port to listen on; a free one when left out. */
  port?: number;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Latency rules from the start; else JSON from env ORG_BUDGETS_FRONT_DOOR_LATENCY. */
  latency?: LatencyRule[];
  /** Fault rules from the start; else JSON from env ORG_BUDGETS_FRONT_DOOR_FAULTS. */
  faults?: FaultRule[];
  /**
   * Role names whose AssumeRole the door refuses (AccessDenied, as AWS does) when the role does
   * not exist in the target account: moto's AssumeRole succeeds for any ARN. E.g. the spoke
   * role, so that an account without its spoke is told apart from one with it.
   */
  requireExistingRoles?: string[];
  /** Connections to the upstream at once (default 4; see Upstream). */
  upstreamMaxSockets?: number;
  /**
   * How long a call to the upstream may go without a byte from it (connecting included; time
   * queued for one of the upstreamMaxSockets connections not) before the front door gives up on
   * it: a forwarded call is then answered 504 FrontDoorUpstreamTimeout, a lookup the door makes
   * itself fails. 60 s by default, far beyond what moto takes; without it a hung upstream would
   * hold the caller, and a test, forever.
   */
  upstreamTimeoutMs?: number;
  /** Environment to read the rules from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Account of credentials the front door has not seen issued by AssumeRole (moto's default
   * account, 123456789012, unless moto runs with MOTO_ACCOUNT_ID).
   */
  defaultAccountId?: string;
  /** How simulated Batch jobs run (see BatchSimulationSettings): 300 s and 50 ms steps by default. */
  batchSimulation?: Partial<BatchSimulationSettings>;
}

/**
 * The hooks the front door offers to a runtime that runs what the emulated services trigger (a
 * local Lambda runtime; a FrontDoor has them all): `onEvent`, the events AWS services emit on an
 * account's default bus (Parameter Store Change...); `routeBusEvents`, every PutEvents entry with
 * its bus and sending account; `onSnsPublish`, every sns:Publish moto accepted (for an email
 * outbox); `onLambdaInvoke`, Lambda Invoke calls (answered by the runtime instead of moto);
 * `onScheduleCreated` and `onScheduleDeleted`, the EventBridge Scheduler schedules moto created
 * (or replaced) and deleted; `eventsSettled`, to wait for the deliveries of the calls answered so far.
 */
export interface FrontDoorHooks {
  onEvent?(listener: (event: EmittedEvent) => void | Promise<void>): () => void;
  routeBusEvents?(handler: (put: BusPut) => void): void;
  onSnsPublish?(listener: (publish: SnsPublish) => void | Promise<void>): () => void;
  onLambdaInvoke?(handler: LambdaInvokeHandler): () => void;
  onScheduleCreated?(listener: (schedule: SchedulerSchedule) => void | Promise<void>): () => void;
  onScheduleDeleted?(listener: (schedule: ScheduleId) => void | Promise<void>): () => void;
  eventsSettled?(): Promise<void>;
}

export interface FrontDoor extends FrontDoorHooks {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
  /** Replaces the latency rules. */
  setLatency(rules: LatencyRule[]): void;
  /** Replaces the fault rules (and their `times` counters). */
  setFaults(rules: FaultRule[]): void;
  /** Removes all latency and fault rules. */
  clearInjections(): void;
  /** Copies of the records of every call so far, oldest first. */
  calls(): CallRecord[];
  /** Forgets the recorded calls. */
  clearCalls(): void;

  /**
   * Sets a budget's calculated spend (and LastUpdatedTime), as AWS does a few times a day.
   * Throws a BudgetsError NotFoundException when the account has no such budget.
   */
  setBudgetSpend(update: BudgetSpendUpdate): void;
  /** Every budget of every account the front door serves, with notifications and tags: copies. */
  budgets(): BudgetRecord[];
  /** Deletes every budget of every account. */
  resetBudgets(): void;

  /**
   * Calls `listener` with every event emitted from now on (Parameter Store Change...), after the
   * call that caused it was answered. Returns the function that unsubscribes it. A listener that
   * throws or rejects is reported on stderr with the event id.
   */
  onEvent(listener: EventListener): () => void;
  /** Copies of every event emitted so far, oldest first. */
  events(): EmittedEvent[];
  /** Forgets the emitted events (listeners stay). */
  clearEvents(): void;
  /** Resolves once every event of the calls answered so far has been emitted and its listeners have settled. */
  eventsSettled(): Promise<void>;
  /**
   * Takes over EventBridge's data plane: from now on PutEvents is answered here (never
   * forwarded to moto) and each accepted entry is handed to `handler` with its bus and the
   * sending account, after the call was answered. The local runtime routes them by the rules.
   */
  routeBusEvents(handler: (put: BusPut) => void): void;
  /**
   * Calls `listener` with every SNS Publish that moto accepted (topic, message, subject, id),
   * after the call was answered: the local runtime delivers it to the topic's email
   * subscriptions (the outbox). Counted in eventsSettled. Returns the unsubscribe.
   */
  onSnsPublish(listener: (publish: SnsPublish) => void | Promise<void>): () => void;
  /**
   * Takes over Lambda's Invoke (`POST /2015-03-31/functions/{FunctionName}/invocations`): from
   * now on each Invoke call is handed to `handler`, with the function resolved to an ARN in the
   * account the caller named (a full or partial ARN) or else its own, its invocation type and its
   * payload parsed, and answered as Lambda answers: Event 202 (empty), RequestResponse 200 with
   * the payload (and `X-Amz-Function-Error: Unhandled` for a function error), DryRun 204, 404
   * ResourceNotFoundException for no such function. One handler at a time (the last registered);
   * the returned function removes it, and Invoke goes to moto again.
   */
  onLambdaInvoke(handler: LambdaInvokeHandler): () => void;
  /**
   * Calls `listener` with every EventBridge Scheduler schedule moto created (CreateSchedule) or
   * replaced (UpdateSchedule), with its expression, state, action after completion and target,
   * after the call was answered (moto keeps schedules but never runs them). Counted in
   * eventsSettled. Returns the unsubscribe.
   */
  onScheduleCreated(listener: (schedule: SchedulerSchedule) => void | Promise<void>): () => void;
  /** Calls `listener` with every schedule moto deleted (DeleteSchedule), as onScheduleCreated. */
  onScheduleDeleted(listener: (schedule: ScheduleId) => void | Promise<void>): () => void;

  /**
   * Copies of every AWS Batch job the front door simulates (SubmitJob, ListJobs, DescribeJobs,
   * TerminateJob(s), CancelJob(s) are answered here, not by moto), oldest first: account, region,
   * queue, status with its history, timestamps, resources, platform, planned run time and exit code.
   */
  batchJobs(): SimulatedBatchJob[];
  /**
   * Changes how simulated Batch jobs run from now on: `defaultRunSeconds` (how long a job stays
   * RUNNING when its environment has no LOCAL_CLOUD_JOB_SECONDS; fixed per job at SubmitJob) and
   * `stepDelayMs` (each step SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING). Returns the
   * settings now in force; throws on a negative or non-numeric value.
   */
  setBatchSimulation(settings: Partial<BatchSimulationSettings>): BatchSimulationSettings;
  /** Forgets every simulated Batch job and cancels their timers (also done on moto's POST /moto-api/reset). */
  resetBatchJobs(): void;
}

/**
 * Starts an HTTP proxy in front of `upstream` (moto) that records every AWS call by service
 * and operation and can delay calls or answer them with AWS errors.
 */
export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const upstream = new Upstream(options.upstream, {
    maxSockets: options.upstreamMaxSockets,
    timeoutMs: options.upstreamTimeoutMs,
  });
  const injections = new Injections(options, options.env ?? process.env);
  const calls = new CallLog();
  const accounts = new CallerAccounts(options.defaultAccountId ?? MOTO_DEFAULT_ACCOUNT_ID);
  const shutdown = new AbortController();
  // Every delayed call listens for shutdown on this one signal: as many listeners as calls.
  setMaxListeners(Infinity, shutdown.signal);
  const budgetsStore = new BudgetsStore();
  const bus = new LocalEventBus();
  let busPutHandler: ((put: BusPut) => void) | undefined;
  const snsListeners = new Set<(publish: SnsPublish) => void | Promise<void>>();
  let lambdaInvokeHandler: LambdaInvokeHandler | undefined;
  const scheduleListeners = {
    created: new Set<(schedule: SchedulerSchedule) => void | Promise<void>>(),
    deleted: new Set<(schedule: ScheduleId) => void | Promise<void>>(),
  };
  const batchSimulator = new BatchJobSimulator({
    emit: (event) => bus.emit(event),
    ...(options.batchSimulation === undefined ? {} : { settings: options.batchSimulation }),
  });
  const parameterChanges = new ParameterChangeObserver({
    emit: (event) => bus.emit(event),
    // Once stopping, lookups fail for want of an upstream connection: not worth a warning.
    warn: (message) => {
      if (!shutdown.signal.aborted) process.stderr.write(`front door: ${message}\n`);
    },
  });

  const handleCall = createRouter({
    upstream,
    injections,
    calls,
    accounts,
    shutdown: shutdown.signal,
    budgetsStore,
    bus,
    batchSimulator,
    parameterChanges,
    requiredRoles: new Set(options.requireExistingRoles ?? []),
    snsListeners,
    busPutHandler: () => busPutHandler,
    lambdaInvokeHandler: () => lambdaInvokeHandler,
    scheduleListeners,
    control: (method, url, body, res) =>
      handleControl({ injections, calls, budgetsStore, bus, batchSimulator }, method, url, body, res),
  });

  const server = http.createServer((req, res) => {
    handleCall(req, res).catch((error: unknown) => {
      // A bug or a throwing `match` callback: tell the caller instead of hanging.
      const message = `front door failed on ${req.method ?? '?'} ${req.url ?? '?'}: ${
        error instanceof Error ? error.message : String(error)
      }`;
      if (res.headersSent) res.destroy(new Error(message));
      else sendJson(res, 500, { __type: 'FrontDoorInternalError', message });
    });
  });
  // Keep idle client sockets a little longer than the SDK expects, so reused sockets are not cut mid-request.
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const endpointHost = address.includes(':') ? `[${address}]` : address;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${endpointHost}:${port}`,
    port,
    stop() {
      stopping ??= new Promise<void>((resolveStop, rejectStop) => {
        shutdown.abort();
        batchSimulator.stop();
        server.close((error) => (error ? rejectStop(error) : resolveStop()));
        server.closeAllConnections();
        upstream.destroy();
      });
      return stopping;
    },
    setLatency(rules) {
      injections.setLatency(rules);
    },
    setFaults(rules) {
      injections.setFaults(rules);
    },
    clearInjections() {
      injections.clear();
    },
    calls: () => calls.copies(),
    clearCalls() {
      calls.clear();
    },
    setBudgetSpend(update) {
      budgetsStore.setSpend(update);
    },
    budgets: () => budgetsStore.snapshot(),
    resetBudgets() {
      budgetsStore.reset();
    },
    onEvent: (listener) => bus.onEvent(listener),
    routeBusEvents: (handler) => {
      busPutHandler = handler;
    },
    onSnsPublish: (listener) => subscribe(snsListeners, listener),
    onLambdaInvoke: (handler) => {
      // A wrapper of its own, so that removing one registration never removes a later one.
      const registered: LambdaInvokeHandler = (invoke) => handler(invoke);
      lambdaInvokeHandler = registered;
      return () => {
        if (lambdaInvokeHandler === registered) lambdaInvokeHandler = undefined;
      };
    },
    onScheduleCreated: (listener) => subscribe(scheduleListeners.created, listener),
    onScheduleDeleted: (listener) => subscribe(scheduleListeners.deleted, listener),
    events: () => bus.events(),
    clearEvents() {
      bus.clear();
    },
    eventsSettled: () => bus.settled(),
    batchJobs: () => batchSimulator.snapshot(),
    setBatchSimulation: (settings) => batchSimulator.configure(settings),
    resetBatchJobs() {
      batchSimulator.reset();
    },
  };
}

/** Adds `listener` to `listeners` (a wrapper of its own: the same function may subscribe twice); returns the unsubscribe. */
function subscribe<T>(
  listeners: Set<(value: T) => void | Promise<void>>,
  listener: (value: T) => void | Promise<void>,
): () => void {
  const subscription = (value: T) => listener(value);
  listeners.add(subscription);
  return () => {
    listeners.delete(subscription);
  };
}
