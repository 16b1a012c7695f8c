import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { headerValue, identifyCall, type AwsProtocol, type CallInfo } from './aws-call';
import { renderAwsError } from './aws-error';
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
  /** Connections to the upstream at once (default 4; see the agent below). */
  upstreamMaxSockets?: number;
  /** Environment to read the rules from; process.env by default. */
  env?: NodeJS.ProcessEnv;
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
}

/** Paths under this prefix are the front door's own control API and never forwarded. */
export const CONTROL_PREFIX = '/_front-door/';
export const LATENCY_ENV = 'ORG_BUDGETS_FRONT_DOOR_LATENCY';
export const FAULTS_ENV = 'ORG_BUDGETS_FRONT_DOOR_FAULTS';

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
  const env = options.env ?? process.env;

  let latencyRules: LatencyRule[] = options.latency ?? readEnvRules(env, LATENCY_ENV, parseLatencyRules);
  let faults: ActiveFault[] = toActiveFaults(options.faults ?? readEnvRules(env, FAULTS_ENV, parseFaultRules));
  let records: CallRecord[] = [];
  /** Access key id → account, learned from AssumeRole answers passing through. */
  const keyAccounts = new Map<string, string>();
  let nextId = 1;
  const shutdown = new AbortController();

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

    await forward(req, res, body, record);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, record: CallRecord): Promise<void> =>
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
        },
        (incoming) => {
          res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, filterRawHeaders(incoming.rawHeaders));
          incoming.pipe(res);
          if (record.service === 'sts' && record.operation.startsWith('AssumeRole') && incoming.statusCode === 200) {
            learnAccount(incoming, keyAccounts);
          }
          incoming.once('error', (error) => res.destroy(error));
          incoming.once('end', () => resolveForward());
          incoming.once('close', () => resolveForward());
        },
      );
      outgoing.once('error', (error) => {
        record.error = `upstream ${options.upstream}: ${error.message}`;
        if (res.headersSent) {
          res.destroy(error);
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
        default:
          sendJson(res, 404, { message: `front door: no control route ${route}` });
      }
    } catch (error) {
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
  };
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
