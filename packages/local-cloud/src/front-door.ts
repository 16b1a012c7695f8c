import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { headerValue, identifyCall, type AwsProtocol, type CallInfo } from './aws-call';
import { renderAwsError } from './aws-error';
import { answerBatchRequest, isSimulatedBatchCall } from './batch/batch-service';
import {
  BatchJobSimulator,
  type BatchLookup,
  type BatchSimulationSettings,
  type SimulatedBatchJob,
} from './batch/batch-simulator';
import { BudgetsError } from './budgets/budgets-errors';
import { answerBudgetsRequest, BUDGETS_SIGNING_NAME, BUDGETS_TARGET_PREFIX } from './budgets/budgets-service';
import { BudgetsStore, type BudgetRecord, type BudgetSpendUpdate } from './budgets/budgets-store';
import { partitionOfRegion } from './budgets/partition';
import { LocalEventBus, type EmittedEvent, type EventListener } from './events/event-bus';
import { ParameterChangeObserver, type ParameterCall, type ParameterLookup } from './events/parameter-change-observer';
import { isParameterMutation, type ParameterFacts } from './events/parameter-store-change';
import { acceptPutEvents, type BusPut } from './events/put-events';
import type { SnsPublish } from './runtime/email-outbox';
import {
  matchesBody,
  matchesTarget,
  parseFaultRules,
  parseLatencyRules,
  pickDelayMs,
  type FaultRule,
  type LatencyRule,
} from './injection-rules';

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
  /** Connections to the upstream at once (default 4; see the agent below). */
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

/** One call that came through the front door. */
export interface CallRecord {
  id: number;
  service: string;
  operation: string;
  protocol: AwsProtocol;
  method: string;
  path: string;
  region?: string;
  accessKeyId?: string;
  /** Account of the credentials, when they came from an STS AssumeRole through this front door. */
  accountId?: string;
  /** Epoch milliseconds when the request body had arrived. */
  startedAt: number;
  /** Injected delay in ms (0 if none). */
  delayedMs: number;
  /** Error code of the injected fault, if the front door answered the call itself. */
  fault?: string;
  /** HTTP status sent back; missing while the call is in flight or if it failed. */
  status?: number;
  durationMs?: number;
  /** Why forwarding failed (upstream down...). */
  error?: string;
}

export interface CallCounts {
  calls: number;
  delayed: number;
  faulted: number;
}

export interface CallSummary extends CallCounts {
  byService: Record<string, CallCounts>;
  /** Keyed `service:Operation`, e.g. `sts:AssumeRole`. */
  byOperation: Record<string, CallCounts>;
}

export interface FrontDoor {
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

/** Paths under this prefix are the front door's own control API and never forwarded. */
export const CONTROL_PREFIX = '/_front-door/';
export const LATENCY_ENV = 'ORG_BUDGETS_FRONT_DOOR_LATENCY';
export const FAULTS_ENV = 'ORG_BUDGETS_FRONT_DOOR_FAULTS';
/** moto's account for credentials it does not know. */
export const MOTO_DEFAULT_ACCOUNT_ID = '123456789012';
/** See FrontDoorOptions.upstreamTimeoutMs. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;

/** The upstream did not answer within upstreamTimeoutMs. */
class UpstreamTimeoutError extends Error {}

/** Connection-level headers that must not be passed on by a proxy (RFC 9110 §7.6.1), plus ones we recompute. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

interface ActiveFault {
  rule: FaultRule;
  fired: number;
}

/**
 * Starts an HTTP proxy in front of `upstream` (moto) that records every AWS call by service
 * and operation and can delay calls or answer them with AWS errors.
 */
export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new Error(`front door: upstream must be an http(s) URL, got ${options.upstream}`);
  }
  const transport = upstream.protocol === 'https:' ? https : http;
  // moto answers on one Python thread at a time (the GIL): more parallel connections only add
  // contention. 100 records of the hub benchmark through moto took 3.8 s with unlimited
  // sockets, 3.4 s with 8, 2.8 s with 4 and 2.7 s with 2; requests beyond the limit queue here.
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.upstreamMaxSockets ?? 4 });
  const upstreamBasePath = upstream.pathname.replace(/\/$/, '');
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  if (!Number.isFinite(upstreamTimeoutMs) || upstreamTimeoutMs <= 0) {
    throw new Error(`front door: upstreamTimeoutMs must be a number > 0, got ${String(options.upstreamTimeoutMs)}`);
  }
  /**
   * Ends an upstream request that has been silent for upstreamTimeoutMs (the request's `timeout`
   * option arms it) with an UpstreamTimeoutError: its 'error' listener reports it.
   */
  const giveUpWhenSilent = (outgoing: http.ClientRequest, what?: string): void => {
    outgoing.once('timeout', () => {
      const silence = `no answer within ${upstreamTimeoutMs} ms`;
      outgoing.destroy(new UpstreamTimeoutError(what === undefined ? silence : `${what}: ${silence}`));
    });
  };
  const env = options.env ?? process.env;

  let latencyRules: LatencyRule[] = options.latency ?? readEnvRules(env, LATENCY_ENV, parseLatencyRules);
  let faults: ActiveFault[] = toActiveFaults(options.faults ?? readEnvRules(env, FAULTS_ENV, parseFaultRules));
  let records: CallRecord[] = [];
  /** Access key id → account, learned from AssumeRole answers passing through. */
  const keyAccounts = new Map<string, string>();
  let nextId = 1;
  const shutdown = new AbortController();
  // Every delayed call listens for shutdown on this one signal: as many listeners as calls.
  setMaxListeners(Infinity, shutdown.signal);
  const defaultAccountId = options.defaultAccountId ?? MOTO_DEFAULT_ACCOUNT_ID;
  const budgetsStore = new BudgetsStore();
  const bus = new LocalEventBus();
  let busPutHandler: ((put: BusPut) => void) | undefined;
  const requiredRoles = new Set(options.requireExistingRoles ?? []);
  const snsListeners = new Set<(publish: SnsPublish) => void | Promise<void>>();
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

  /** The account the call's credentials act in, as moto decides it. */
  const callerAccount = (call: CallInfo): string =>
    call.accountId ?? headerValue(call.headers, 'x-moto-account-id') ?? defaultAccountId;

  const handleCall = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const body = await readBody(req);
    if (url.startsWith(CONTROL_PREFIX)) {
      handleControl(req.method ?? 'GET', url, body, res);
      return;
    }

    const call = identifyCall({ method: req.method ?? 'GET', url, headers: req.headers, body });
    const accountId = call.accessKeyId === undefined ? undefined : keyAccounts.get(call.accessKeyId);
    if (accountId !== undefined) call.accountId = accountId;
    const record: CallRecord = {
      id: nextId++,
      service: call.service,
      operation: call.operation,
      protocol: call.protocol,
      method: call.method,
      path: call.path,
      ...(call.region === undefined ? {} : { region: call.region }),
      ...(call.accessKeyId === undefined ? {} : { accessKeyId: call.accessKeyId }),
      ...(accountId === undefined ? {} : { accountId }),
      startedAt: Date.now(),
      delayedMs: 0,
    };
    records.push(record);
    res.once('finish', () => {
      record.status = res.statusCode;
      record.durationMs = Date.now() - record.startedAt;
    });

    record.delayedMs = pickDelayMs(latencyRules, call);
    if (record.delayedMs > 0) {
      const completed = await sleep(record.delayedMs, shutdown.signal);
      if (!completed) {
        res.destroy();
        return;
      }
    }

    const fault = pickFault(faults, call);
    if (fault) {
      record.fault = fault.code;
      const requestId = randomUUID();
      const reply = renderAwsError(call.protocol, fault, requestId, headerValue(req.headers, 'content-type'));
      res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
      res.end(req.method === 'HEAD' ? undefined : reply.body);
      return;
    }

    if (isBudgetsCall(call)) {
      serveBudgets(res, call, body);
      return;
    }

    if (isSimulatedBatchCall(call.service, call.operation, call.path)) {
      await serveBatch(req, res, call, body);
      return;
    }

    if (requiredRoles.size > 0 && call.service === 'sts' && call.operation === 'AssumeRole') {
      const roleArn = (call.body as { RoleArn?: unknown } | undefined)?.RoleArn;
      const target =
        typeof roleArn === 'string' ? /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn) : null;
      if (
        target &&
        requiredRoles.has(target[2] as string) &&
        !(await roleExists(target[1] as string, target[2] as string))
      ) {
        record.fault = 'AccessDenied';
        const reply = renderAwsError(
          call.protocol,
          {
            code: 'AccessDenied',
            message: `User: ${callerAccount(call)} is not authorized to perform: sts:AssumeRole on resource: ${String(roleArn)}`,
            httpStatus: 403,
          },
          randomUUID(),
          headerValue(req.headers, 'content-type'),
        );
        res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
        res.end(reply.body);
        return;
      }
    }

    if (busPutHandler && call.service === 'events' && call.operation === 'PutEvents') {
      servePutEvents(res, call, body, busPutHandler);
      return;
    }

    const parameterCall: ParameterCall | undefined =
      isParameterMutation(call.service, call.operation) && call.protocol === 'json'
        ? {
            accountId: callerAccount(call),
            region: call.region ?? 'us-east-1',
            operation: call.operation,
            request: call.body,
          }
        : undefined;
    if (parameterCall) {
      const lookup = parameterLookup(req.headers);
      await parameterChanges.beforeForward(parameterCall, lookup);
      await forward(req, res, body, record, (response) => {
        void bus.track(parameterChanges.afterSuccess(parameterCall, response, lookup));
      });
      return;
    }

    if (call.service === 'sns' && call.operation === 'Publish' && snsListeners.size > 0) {
      const request = (call.body ?? {}) as Record<string, unknown>;
      await forward(req, res, body, record, (response, raw) => {
        const messageId =
          (response as { MessageId?: string } | undefined)?.MessageId ??
          /<MessageId>([^<]+)<\/MessageId>/.exec(raw)?.[1];
        const topicArn = request['TopicArn'];
        if (typeof topicArn !== 'string' || typeof request['Message'] !== 'string' || !messageId) return;
        const publish: SnsPublish = {
          topicArn,
          message: request['Message'],
          messageId,
          ...(typeof request['Subject'] === 'string' ? { subject: request['Subject'] } : {}),
          ...(typeof request['MessageStructure'] === 'string' ? { messageStructure: request['MessageStructure'] } : {}),
          messageAttributes: snsMessageAttributes(request),
          timestamp: new Date(),
        };
        for (const listener of [...snsListeners]) {
          void bus.track(
            Promise.resolve()
              .then(() => listener(publish))
              .catch((error: unknown) => {
                process.stderr.write(`front door: SNS listener failed for message ${messageId}: ${String(error)}\n`);
              }),
          );
        }
      });
      return;
    }

    // moto forgets every parameter and job queue: so does what the front door learned about them.
    if (call.method === 'POST' && call.path === '/moto-api/reset') {
      parameterChanges.clear();
      batchSimulator.reset();
    }
    await forward(req, res, body, record);
  };

  /** Asks moto's IAM, in the given account, whether a role exists (moto does not check signatures). */
  const roleExists = (accountId: string, roleName: string): Promise<boolean> =>
    new Promise((resolveCheck, rejectCheck) => {
      const body = Buffer.from(
        new URLSearchParams({ Action: 'GetRole', RoleName: roleName, Version: '2010-05-08' }).toString(),
      );
      const outgoing = transport.request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: `${upstreamBasePath}/`,
          headers: {
            host: upstream.host,
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            'content-length': body.length,
            authorization:
              'AWS4-HMAC-SHA256 Credential=front-door/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
            'x-moto-account-id': accountId,
          },
          agent,
          timeout: upstreamTimeoutMs,
        },
        (answer) => {
          answer.resume();
          answer.once('end', () => resolveCheck(answer.statusCode === 200));
          answer.once('error', rejectCheck);
        },
      );
      giveUpWhenSilent(outgoing, `iam:GetRole ${roleName} in ${accountId} at ${options.upstream}`);
      outgoing.once('error', rejectCheck);
      outgoing.end(body);
    });

  /** EventBridge PutEvents, once the runtime routes events itself (see routeBusEvents). */
  const servePutEvents = (res: ServerResponse, call: CallInfo, body: Buffer, handler: (put: BusPut) => void): void => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() };
    try {
      const { response, puts } = acceptPutEvents(JSON.parse(body.toString('utf8') || '{}'), {
        accountId: callerAccount(call),
        region: call.region ?? 'us-east-1',
      });
      res.writeHead(200, headers);
      res.end(JSON.stringify(response));
      for (const put of puts) {
        // Counted in eventsSettled, like the events the door emits itself.
        void bus.track(
          new Promise<void>((delivered) => {
            setImmediate(() => {
              try {
                handler(put);
              } catch (error) {
                process.stderr.write(`front door: routing event ${put.event.id} failed: ${String(error)}\n`);
              }
              delivered();
            });
          }),
        );
      }
    } catch (error) {
      const reply = renderAwsError(
        'json',
        { code: 'ValidationException', message: (error as Error).message, httpStatus: 400 },
        headers['x-amzn-requestid'],
        'application/x-amz-json-1.1',
      );
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    }
  };

  /** AWS Budgets: answered here from the in-memory store, never forwarded (moto lacks most of it). */
  const serveBudgets = (res: ServerResponse, call: CallInfo, body: Buffer): void => {
    const caller = { accountId: callerAccount(call), partition: partitionOfRegion(call.region) };
    const reply = answerBudgetsRequest(budgetsStore, call.operation, body, caller, randomUUID());
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  /** AWS Batch job calls: answered by the simulator, which reads queues and job definitions from moto. */
  const serveBatch = async (req: IncomingMessage, res: ServerResponse, call: CallInfo, body: Buffer): Promise<void> => {
    const queryStart = (req.url ?? '').indexOf('?');
    const reply = await answerBatchRequest(
      batchSimulator,
      {
        operation: call.operation,
        path: call.path,
        search: new URLSearchParams(queryStart === -1 ? '' : (req.url ?? '').slice(queryStart + 1)),
        body,
      },
      { accountId: callerAccount(call), region: call.region ?? 'us-east-1', lookup: batchLookup(req.headers) },
      randomUUID(),
    );
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  /** Batch queues, job definitions and compute environments from moto, with the caller's credentials. */
  const batchLookup = (incoming: IncomingMessage['headers']): BatchLookup => {
    const describeAll = async (path: string, payload: Record<string, unknown>, field: string): Promise<unknown[]> => {
      const found: unknown[] = [];
      let nextToken: string | undefined;
      do {
        const page = (await callUpstreamRestJson(incoming, path, {
          ...payload,
          ...(nextToken === undefined ? {} : { nextToken }),
        })) as Record<string, unknown> | null;
        const items = page?.[field];
        if (Array.isArray(items)) found.push(...(items as unknown[]));
        nextToken = typeof page?.nextToken === 'string' && page.nextToken !== '' ? page.nextToken : undefined;
      } while (nextToken !== undefined);
      return found;
    };
    return {
      describeJobQueues: (jobQueues) => describeAll('/v1/describejobqueues', { jobQueues }, 'jobQueues'),
      describeJobDefinitions: (request) => describeAll('/v1/describejobdefinitions', request, 'jobDefinitions'),
      describeComputeEnvironments: (computeEnvironments) =>
        describeAll('/v1/describecomputeenvironments', { computeEnvironments }, 'computeEnvironments'),
    };
  };

  /**
   * Reads parameters' type and description from moto with the caller's own credentials (moto
   * does not check signatures; the access key and region pick the account and region).
   */
  const parameterLookup =
    (incoming: IncomingMessage['headers']): ParameterLookup =>
    async (names) => {
      const found = new Map<string, ParameterFacts>();
      let nextToken: string | undefined;
      do {
        const page = (await callUpstreamJson(incoming, 'AmazonSSM.DescribeParameters', {
          ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: names }],
          MaxResults: 50,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        })) as { Parameters?: { Name?: string; Type?: string; Description?: string }[]; NextToken?: string };
        for (const parameter of page.Parameters ?? []) {
          if (parameter.Name === undefined || parameter.Type === undefined) continue;
          const facts = { type: parameter.Type, description: parameter.Description ?? '' };
          found.set(parameter.Name, facts);
          // moto's Name filter ignores a leading slash: answer for the name as it was asked for too.
          const asked = names.find((name) => name.replace(/^\//, '') === parameter.Name?.replace(/^\//, ''));
          if (asked !== undefined && !found.has(asked)) found.set(asked, facts);
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken !== undefined);
      return found;
    };

  /**
   * One JSON call (`POST path`) to the upstream with the caller's credential headers: moto does
   * not check signatures, the access key and region pick the account and region.
   */
  const callUpstream = (
    incoming: IncomingMessage['headers'],
    request: { path: string; contentType: string; target?: string; what: string },
    payload: unknown,
  ): Promise<unknown> =>
    new Promise((resolveCall, rejectCall) => {
      const body = Buffer.from(JSON.stringify(payload));
      const headers: OutgoingHttpHeaders = {
        host: upstream.host,
        'content-type': request.contentType,
        'content-length': body.length,
        ...(request.target === undefined ? {} : { 'x-amz-target': request.target }),
      };
      for (const name of ['authorization', 'x-amz-security-token', 'x-amz-date', 'x-moto-account-id']) {
        const value = headerValue(incoming, name);
        if (value !== undefined) headers[name] = value;
      }
      const outgoing = transport.request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: upstreamBasePath + request.path,
          headers,
          agent,
          timeout: upstreamTimeoutMs,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.once('error', rejectCall);
          answer.once('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (answer.statusCode !== 200) {
              rejectCall(new Error(`${request.what} answered HTTP ${answer.statusCode ?? '?'}: ${text.slice(0, 300)}`));
              return;
            }
            try {
              resolveCall(JSON.parse(text) as unknown);
            } catch (error) {
              rejectCall(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      giveUpWhenSilent(outgoing, `${request.what} at ${options.upstream}`);
      outgoing.once('error', rejectCall);
      outgoing.end(body);
    });

  /** A REST-JSON call (`POST path`, as AWS Batch's). */
  const callUpstreamRestJson = (incoming: IncomingMessage['headers'], path: string, payload: unknown) =>
    callUpstream(incoming, { path, contentType: 'application/json', what: `POST ${path}` }, payload);

  /** A JSON-protocol call (`X-Amz-Target`, as SSM's). */
  const callUpstreamJson = (incoming: IncomingMessage['headers'], target: string, payload: unknown) =>
    callUpstream(incoming, { path: '/', contentType: 'application/x-amz-json-1.1', target, what: target }, payload);

  /**
   * Passes the call to the upstream and its answer back. `onSuccess`, if given, gets the parsed
   * JSON answer of a successful (HTTP 200) call once the caller has been sent all of it.
   */
  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    record: CallRecord,
    onSuccess?: (response: unknown, raw: string) => void,
  ): Promise<void> =>
    new Promise((resolveForward) => {
      const headers = forwardHeaders(req.rawHeaders);
      headers.host = upstream.host;
      if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = body.length;
      const outgoing = transport.request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: upstreamBasePath + (req.url ?? '/'),
          headers,
          agent,
          timeout: upstreamTimeoutMs,
        },
        (incoming) => {
          res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, filterRawHeaders(incoming.rawHeaders));
          incoming.pipe(res);
          if (record.service === 'sts' && record.operation.startsWith('AssumeRole') && incoming.statusCode === 200) {
            learnAccount(incoming, keyAccounts);
          }
          if (onSuccess && incoming.statusCode === 200) afterAnswerSent(incoming, res, onSuccess);
          incoming.once('error', (error) => res.destroy(error));
          incoming.once('end', () => resolveForward());
          incoming.once('close', () => resolveForward());
        },
      );
      giveUpWhenSilent(outgoing);
      outgoing.once('error', (error) => {
        record.error = `upstream ${options.upstream}: ${error.message}`;
        if (res.headersSent) {
          res.destroy(error);
        } else if (error instanceof UpstreamTimeoutError) {
          sendJson(res, 504, { __type: 'FrontDoorUpstreamTimeout', message: record.error });
        } else {
          sendJson(res, 502, { __type: 'FrontDoorUpstreamError', message: record.error });
        }
        resolveForward();
      });
      // The client went away before the answer came: drop the upstream request too.
      res.once('close', () => {
        if (!res.writableFinished) outgoing.destroy();
      });
      outgoing.end(body);
    });

  const handleControl = (method: string, url: string, body: Buffer, res: ServerResponse): void => {
    const route = `${method} ${url.split('?')[0] ?? ''}`;
    try {
      switch (route) {
        case `POST ${CONTROL_PREFIX}latency`:
          latencyRules = parseLatencyRules(parseJson(body), 'latency rules');
          sendJson(res, 200, { latency: latencyRules.length });
          return;
        case `POST ${CONTROL_PREFIX}faults`:
          faults = toActiveFaults(parseFaultRules(parseJson(body), 'fault rules'));
          sendJson(res, 200, { faults: faults.length });
          return;
        case `DELETE ${CONTROL_PREFIX}injections`:
          latencyRules = [];
          faults = [];
          sendJson(res, 200, { latency: 0, faults: 0 });
          return;
        case `GET ${CONTROL_PREFIX}calls`:
          sendJson(res, 200, summarizeCalls(records));
          return;
        case `DELETE ${CONTROL_PREFIX}calls`:
          records = [];
          sendJson(res, 200, summarizeCalls(records));
          return;
        case `POST ${CONTROL_PREFIX}budgets/spend`: {
          const update = parseSpendUpdate(parseJson(body));
          budgetsStore.setSpend(update);
          sendJson(res, 200, {
            budget: budgetsStore.describeBudget(update.accountId, update.budgetName),
          });
          return;
        }
        case `GET ${CONTROL_PREFIX}budgets`:
          sendJson(res, 200, { budgets: budgetsStore.snapshot() });
          return;
        case `DELETE ${CONTROL_PREFIX}budgets`:
          budgetsStore.reset();
          sendJson(res, 200, { budgets: 0 });
          return;
        case `GET ${CONTROL_PREFIX}events`:
          sendJson(res, 200, { events: bus.events() });
          return;
        case `DELETE ${CONTROL_PREFIX}events`:
          bus.clear();
          sendJson(res, 200, { events: 0 });
          return;
        case `GET ${CONTROL_PREFIX}batch/jobs`:
          sendJson(res, 200, { jobs: batchSimulator.snapshot() });
          return;
        case `DELETE ${CONTROL_PREFIX}batch/jobs`:
          batchSimulator.reset();
          sendJson(res, 200, { jobs: 0 });
          return;
        case `GET ${CONTROL_PREFIX}batch/simulation`:
          sendJson(res, 200, { simulation: batchSimulator.settings() });
          return;
        case `POST ${CONTROL_PREFIX}batch/simulation`:
          sendJson(res, 200, { simulation: batchSimulator.configure(parseBatchSimulation(parseJson(body))) });
          return;
        default:
          sendJson(res, 404, { message: `front door: no control route ${route}` });
      }
    } catch (error) {
      if (error instanceof BudgetsError) {
        sendJson(res, error.code === 'NotFoundException' ? 404 : 400, { __type: error.code, message: error.message });
        return;
      }
      sendJson(res, 400, { message: error instanceof Error ? error.message : String(error) });
    }
  };

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
        agent.destroy();
      });
      return stopping;
    },
    setLatency(rules) {
      latencyRules = [...rules];
    },
    setFaults(rules) {
      faults = toActiveFaults(rules);
    },
    clearInjections() {
      latencyRules = [];
      faults = [];
    },
    calls: () => records.map((record) => ({ ...record })),
    clearCalls() {
      records = [];
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
    onSnsPublish: (listener) => {
      const subscription = (publish: SnsPublish) => listener(publish);
      snsListeners.add(subscription);
      return () => {
        snsListeners.delete(subscription);
      };
    },
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

/** The body of POST /_front-door/batch/simulation: `{ defaultRunSeconds?, stepDelayMs? }`. */
function parseBatchSimulation(value: unknown): Partial<BatchSimulationSettings> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('batch simulation must be an object { defaultRunSeconds?, stepDelayMs? }');
  }
  const { defaultRunSeconds, stepDelayMs, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`batch simulation has unknown field(s): ${unknown.join(', ')}`);
  const settings: Partial<BatchSimulationSettings> = {};
  for (const [name, setting] of Object.entries({ defaultRunSeconds, stepDelayMs })) {
    if (setting === undefined) continue;
    if (typeof setting !== 'number') throw new Error(`batch simulation: ${name} must be a number`);
    settings[name as keyof BatchSimulationSettings] = setting;
  }
  return settings;
}

/** A call to AWS Budgets: signed for `budgets`, or with its X-Amz-Target (as from an unsigned client). */
function isBudgetsCall(call: CallInfo): boolean {
  return (
    call.service === BUDGETS_SIGNING_NAME ||
    (headerValue(call.headers, 'x-amz-target') ?? '').startsWith(`${BUDGETS_TARGET_PREFIX}.`)
  );
}

/**
 * Collects a copy of the answer as it streams to the caller and hands it, parsed, to `onAnswer`
 * once the caller has been sent all of it; nothing when the caller went away first.
 */
function afterAnswerSent(
  incoming: IncomingMessage,
  res: ServerResponse,
  onAnswer: (response: unknown, raw: string) => void,
): void {
  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.once('finish', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    let response: unknown;
    try {
      response = JSON.parse(raw) as unknown;
    } catch {
      response = undefined;
    }
    onAnswer(response, raw);
  });
}

/** The body of POST /_front-door/budgets/spend. */
function parseSpendUpdate(value: unknown): BudgetSpendUpdate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('budget spend must be an object { accountId, budgetName, actual, forecasted? }');
  }
  const { accountId, budgetName, actual, forecasted, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`budget spend has unknown field(s): ${unknown.join(', ')}`);
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    throw new Error('budget spend: accountId must be a 12-digit string');
  }
  if (typeof budgetName !== 'string' || budgetName === '')
    throw new Error('budget spend: budgetName must be a non-empty string');
  const isAmount = (amount: unknown): amount is number | string =>
    typeof amount === 'number' || typeof amount === 'string';
  if (!isAmount(actual)) throw new Error('budget spend: actual must be a number or a decimal string');
  if (forecasted !== undefined && forecasted !== null && !isAmount(forecasted)) {
    throw new Error('budget spend: forecasted must be a number, a decimal string or null');
  }
  return { accountId, budgetName, actual, ...(forecasted === undefined ? {} : { forecasted }) };
}

/** Remembers which account the credentials of an AssumeRole answer (XML or JSON) act in. */
function learnAccount(incoming: IncomingMessage, keyAccounts: Map<string, string>): void {
  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.once('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>|"AccessKeyId"\s*:\s*"([^"]+)"/.exec(text);
    const account = /arn:aws[\w-]*:sts::(\d{12}):assumed-role\//.exec(text);
    const key = accessKeyId?.[1] ?? accessKeyId?.[2];
    if (key !== undefined && account?.[1] !== undefined) keyAccounts.set(key, account[1]);
  });
}

/** Counts calls by service and by `service:Operation`. */
export function summarizeCalls(records: readonly CallRecord[]): CallSummary {
  const summary: CallSummary = { calls: 0, delayed: 0, faulted: 0, byService: {}, byOperation: {} };
  for (const record of records) {
    const service = (summary.byService[record.service] ??= { calls: 0, delayed: 0, faulted: 0 });
    const operation = (summary.byOperation[`${record.service}:${record.operation}`] ??= {
      calls: 0,
      delayed: 0,
      faulted: 0,
    });
    for (const counts of [summary, service, operation]) {
      counts.calls++;
      if (record.delayedMs > 0) counts.delayed++;
      if (record.fault !== undefined) counts.faulted++;
    }
  }
  return summary;
}

function toActiveFaults(rules: readonly FaultRule[]): ActiveFault[] {
  return rules.map((rule) => ({ rule, fired: 0 }));
}

function pickFault(faults: readonly ActiveFault[], call: CallInfo): FaultRule['error'] | undefined {
  for (const fault of faults) {
    const { rule } = fault;
    if (rule.times !== undefined && fault.fired >= rule.times) continue;
    if (!matchesTarget(rule, call) || !matchesBody(rule.matchBody, call.body)) continue;
    if (rule.match && !rule.match(call)) continue;
    if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
    fault.fired++;
    return rule.error;
  }
  return undefined;
}

function readEnvRules<T>(env: NodeJS.ProcessEnv, name: string, parse: (value: unknown, source: string) => T[]): T[] {
  const text = env[name];
  if (text === undefined || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parse(value, name);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, rejectBody) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolveBody(Buffer.concat(chunks)));
    req.once('error', rejectBody);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new Error(`request body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** Request headers to pass upstream: all but hop-by-hop ones, repeated headers kept. */
function forwardHeaders(rawHeaders: readonly string[]): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (HOP_BY_HOP.has(name) || name === 'host' || name === 'content-length') continue;
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
}

/** Response headers to pass back, as a flat [name, value, ...] list keeping names' case. */
function filterRawHeaders(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) kept.push(name, rawHeaders[i + 1] as string);
  }
  return kept;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolveSleep) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolveSleep(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolveSleep(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The MessageAttributes of an SNS Publish request: the JSON protocol's map, or the query
 * protocol's flattened `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`.
 */
export function snsMessageAttributes(
  request: Record<string, unknown>,
): Record<string, { DataType: string; StringValue?: string }> {
  const attributes: Record<string, { DataType: string; StringValue?: string }> = {};
  const map = request['MessageAttributes'];
  if (map && typeof map === 'object') {
    for (const [name, value] of Object.entries(map as Record<string, { DataType?: unknown; StringValue?: unknown }>)) {
      if (typeof value?.DataType !== 'string') continue;
      attributes[name] = {
        DataType: value.DataType,
        ...(typeof value.StringValue === 'string' ? { StringValue: value.StringValue } : {}),
      };
    }
  }
  for (const [key, name] of Object.entries(request)) {
    const entry = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key);
    if (!entry || typeof name !== 'string') continue;
    const prefix = `MessageAttributes.entry.${entry[1]}.Value.`;
    const dataType = request[`${prefix}DataType`];
    const stringValue = request[`${prefix}StringValue`];
    if (typeof dataType !== 'string') continue;
    attributes[name] = { DataType: dataType, ...(typeof stringValue === 'string' ? { StringValue: stringValue } : {}) };
  }
  return attributes;
}
