import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { headerValue } from '../aws-call';
import type { CallRecord } from './call-log';
import { sendJson } from './http';

/** See FrontDoorOptions.upstreamTimeoutMs. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;

/** SQS's longest WaitTimeSeconds: a long poll may be silent this much longer than any other call. */
const LONGEST_SQS_WAIT_MS = 20_000;

/** The upstream did not answer within the upstream timeout. */
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

export interface UpstreamOptions {
  /** Connections to the upstream at once (default 4). */
  maxSockets?: number | undefined;
  /** How long a call to the upstream may go without a byte from it; DEFAULT_UPSTREAM_TIMEOUT_MS by default. */
  timeoutMs?: number | undefined;
}

/** What `forward` does besides passing the answer back. */
export interface ForwardHooks {
  /** Sees every answer of the upstream as it starts streaming back (headers known). */
  onAnswer?: (incoming: IncomingMessage) => void;
  /** Gets the parsed JSON answer of a successful (HTTP 200) call once the caller has been sent all of it. */
  onSuccess?: (response: unknown, raw: string) => void;
}

/**
 * The service behind the front door (moto): the calls the front door passes on, and the calls it
 * makes there itself (lookups with a caller's credentials, role checks).
 */
export class Upstream {
  private readonly url: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly longPollAgent: http.Agent;
  private readonly basePath: string;
  private readonly timeoutMs: number;

  /** `endpoint`: e.g. moto's `http://127.0.0.1:5000`. Throws when it is not an http(s) URL. */
  constructor(
    private readonly endpoint: string,
    options: UpstreamOptions = {},
  ) {
    this.url = new URL(endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error(`front door: upstream must be an http(s) URL, got ${endpoint}`);
    }
    this.transport = this.url.protocol === 'https:' ? https : http;
    // moto answers on one Python thread at a time (the GIL): more parallel connections only add
    // contention. 100 records of the hub benchmark through moto took 3.8 s with unlimited
    // sockets, 3.4 s with 8, 2.8 s with 4 and 2.7 s with 2; requests beyond the limit queue here.
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 4 });
    // An SQS long poll (ReceiveMessage) waits in moto without the GIL for up to 20 s: on one of
    // those few connections, a handful of queue pollers would hold every call behind them.
    this.longPollAgent = new this.transport.Agent({ keepAlive: true });
    this.basePath = this.url.pathname.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new Error(`front door: upstreamTimeoutMs must be a number > 0, got ${String(options.timeoutMs)}`);
    }
  }

  /** Ends the kept-alive connections. */
  destroy(): void {
    this.agent.destroy();
    this.longPollAgent.destroy();
  }

  /**
   * Passes the call to the upstream and its answer back; a failure to reach it is answered 502
   * FrontDoorUpstreamError, silence 504 FrontDoorUpstreamTimeout, and noted on the record.
   */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    record: CallRecord,
    hooks: ForwardHooks = {},
  ): Promise<void> {
    const longPoll = record.service === 'sqs' && record.operation === 'ReceiveMessage';
    return new Promise((resolveForward) => {
      const headers = forwardHeaders(req.rawHeaders);
      headers.host = this.url.host;
      if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = body.length;
      const outgoing = this.transport.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method: req.method,
          path: this.basePath + (req.url ?? '/'),
          headers,
          agent: longPoll ? this.longPollAgent : this.agent,
          timeout: longPoll ? this.timeoutMs + LONGEST_SQS_WAIT_MS : this.timeoutMs,
        },
        (incoming) => {
          res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, filterRawHeaders(incoming.rawHeaders));
          incoming.pipe(res);
          hooks.onAnswer?.(incoming);
          if (hooks.onSuccess && incoming.statusCode === 200) afterAnswerSent(incoming, res, hooks.onSuccess);
          incoming.once('error', (error) => res.destroy(error));
          incoming.once('end', () => resolveForward());
          incoming.once('close', () => resolveForward());
        },
      );
      this.giveUpWhenSilent(outgoing);
      outgoing.once('error', (error) => {
        record.error = `upstream ${this.endpoint}: ${error.message}`;
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
  }

  /** Asks the upstream's IAM, in the given account, whether a role exists (moto does not check signatures). */
  roleExists(accountId: string, roleName: string): Promise<boolean> {
    return new Promise((resolveCheck, rejectCheck) => {
      const body = Buffer.from(
        new URLSearchParams({ Action: 'GetRole', RoleName: roleName, Version: '2010-05-08' }).toString(),
      );
      const outgoing = this.transport.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: `${this.basePath}/`,
          headers: {
            host: this.url.host,
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            'content-length': body.length,
            authorization:
              'AWS4-HMAC-SHA256 Credential=front-door/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
            'x-moto-account-id': accountId,
          },
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        (answer) => {
          answer.resume();
          answer.once('end', () => resolveCheck(answer.statusCode === 200));
          answer.once('error', rejectCheck);
        },
      );
      this.giveUpWhenSilent(outgoing, `iam:GetRole ${roleName} in ${accountId} at ${this.endpoint}`);
      outgoing.once('error', rejectCheck);
      outgoing.end(body);
    });
  }

  /** A REST-JSON call (`POST path`, as AWS Batch's) with the caller's credential headers. */
  restJson(incoming: IncomingMessage['headers'], path: string, payload: unknown): Promise<unknown> {
    return this.call(incoming, { path, contentType: 'application/json', what: `POST ${path}` }, payload);
  }

  /** A JSON-protocol call (`X-Amz-Target`, as SSM's) with the caller's credential headers. */
  json(incoming: IncomingMessage['headers'], target: string, payload: unknown): Promise<unknown> {
    return this.call(incoming, { path: '/', contentType: 'application/x-amz-json-1.1', target, what: target }, payload);
  }

  /**
   * One JSON call (`POST path`) to the upstream with the caller's credential headers: moto does
   * not check signatures, the access key and region pick the account and region.
   */
  private call(
    incoming: IncomingMessage['headers'],
    request: { path: string; contentType: string; target?: string; what: string },
    payload: unknown,
  ): Promise<unknown> {
    return new Promise((resolveCall, rejectCall) => {
      const body = Buffer.from(JSON.stringify(payload));
      const headers: OutgoingHttpHeaders = {
        host: this.url.host,
        'content-type': request.contentType,
        'content-length': body.length,
        ...(request.target === undefined ? {} : { 'x-amz-target': request.target }),
      };
      for (const name of ['authorization', 'x-amz-security-token', 'x-amz-date', 'x-moto-account-id']) {
        const value = headerValue(incoming, name);
        if (value !== undefined) headers[name] = value;
      }
      const outgoing = this.transport.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: this.basePath + request.path,
          headers,
          agent: this.agent,
          timeout: this.timeoutMs,
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
      this.giveUpWhenSilent(outgoing, `${request.what} at ${this.endpoint}`);
      outgoing.once('error', rejectCall);
      outgoing.end(body);
    });
  }

  /**
   * Ends an upstream request that has been silent for the timeout (the request's `timeout`
   * option arms it) with an UpstreamTimeoutError: its 'error' listener reports it.
   */
  private giveUpWhenSilent(outgoing: http.ClientRequest, what?: string): void {
    outgoing.once('timeout', () => {
      const silence = `no answer within ${this.timeoutMs} ms`;
      outgoing.destroy(new UpstreamTimeoutError(what === undefined ? silence : `${what}: ${silence}`));
    });
  }
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
