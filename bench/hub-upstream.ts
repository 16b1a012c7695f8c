/**
 * The latency-only upstream of `pnpm bench:hub`: an HTTP server in the bench process that answers
 * the five calls propagate-budget-edits makes per edit — DynamoDB GetItem and UpdateItem (JSON
 * 1.0), STS AssumeRole (query protocol, XML answer), SSM GetParameter and PutParameter (JSON 1.1)
 * — with answers the SDK clients accept, after the injected latency and nothing else: no emulator
 * CPU, no queue in front of one Python thread, so calls overlap as freely as they do on AWS.
 *
 * It keeps just enough state for the answers to stay true: the table's items (UpdateItem's
 * `SET #a = :v` assignments (and `REMOVE #b`) are applied, an update of an item that is gone fails its
 * `attribute_exists(accountId)` condition; the hub's other conditions are not evaluated, which is
 * exact for the bench, where each item is edited once), the sessions AssumeRole issued (an SSM
 * call is answered in the account of its caller's key, an unknown key is refused), and each
 * account's parameters. AssumeRole refuses a role other than the spoke role or a wrong ExternalId.
 * Anything else is answered with an error, so that a call the hub starts making is seen.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  identifyCall,
  pickDelayMs,
  renderAwsError,
  type AwsErrorResponse,
  type CallInfo,
  type LatencyRule,
} from '@org-budgets/aws-emulator';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type StubAnswer = AwsErrorResponse;

export interface LatencyOnlySettings {
  tableName: string;
  /** The role AssumeRole hands out credentials for, in any account. */
  spokeRoleName: string;
  externalId: string;
}

interface StoredParameter {
  value: string;
  type: string;
  version: number;
  modified: Date;
}

export type Item = Record<string, AttributeValue>;

/** What the latency-only upstream holds, and how it answers one call: pure but for `now`. */
export class LatencyOnlyState {
  private readonly items = new Map<string, Item>();
  private readonly parameters = new Map<string, StoredParameter>();
  /** Access key id → account, for the sessions AssumeRole issued. */
  private readonly sessions = new Map<string, string>();
  private issued = 0;
  private requests = 0;

  constructor(private readonly settings: LatencyOnlySettings) {}

  /** Writes an item into the table, as PutItem would. */
  putItem(item: Item): void {
    this.items.set(itemKey(item), structuredClone(item));
  }

  getItem(key: Item): Item | undefined {
    return this.items.get(itemKey(key));
  }

  /** How many of the items are DELIVERED (their `sync.status`) with their parameter in their account. */
  countDelivered(checks: readonly DeliveryCheck[]): number {
    return checks.filter(({ accountId, budgetName, parameterName }) => {
      const item = this.getItem({ accountId: { S: accountId }, budgetName: { S: budgetName } });
      return item?.['sync']?.M?.['status']?.S === 'DELIVERED' && this.parameter(accountId, parameterName) !== undefined;
    }).length;
  }

  /** The parameter `name` of `accountId` as stored, if any. */
  parameter(accountId: string, name: string): string | undefined {
    return this.parameters.get(`${accountId}:${name}`)?.value;
  }

  answer(call: CallInfo, now: Date): StubAnswer {
    const requestId = `latency-only-${++this.requests}`;
    try {
      const body = (call.body ?? {}) as Record<string, unknown>;
      switch (`${call.service}:${call.operation}`) {
        case 'dynamodb:GetItem':
          return this.getItemCall(body, call, requestId);
        case 'dynamodb:UpdateItem':
          return this.updateItemCall(body, call, requestId);
        case 'sts:AssumeRole':
          return this.assumeRoleCall(body as Record<string, string | undefined>, now, requestId);
        case 'ssm:GetParameter':
          return this.getParameterCall(body, call, requestId);
        case 'ssm:PutParameter':
          return this.putParameterCall(body, call, now, requestId);
        default:
          throw new StubError(
            'UnsupportedOperation',
            `the latency-only upstream of bench:hub does not answer ${call.service}:${call.operation}`,
          );
      }
    } catch (error) {
      if (!(error instanceof StubError)) throw error;
      return renderAwsError(
        call.protocol,
        { code: error.code, message: error.message, httpStatus: error.httpStatus },
        requestId,
        call.headers['content-type'],
      );
    }
  }

  private table(body: Record<string, unknown>): void {
    if (body['TableName'] !== this.settings.tableName) {
      throw new StubError(
        'ResourceNotFoundException',
        `Requested resource not found: Table: ${String(body['TableName'])} not found`,
      );
    }
  }

  private getItemCall(body: Record<string, unknown>, call: CallInfo, requestId: string): StubAnswer {
    this.table(body);
    const item = this.getItem(body['Key'] as Item);
    if (!item) return jsonAnswer(call, {}, requestId);
    const projection = body['ProjectionExpression'];
    const names = (body['ExpressionAttributeNames'] ?? {}) as Record<string, string>;
    if (typeof projection !== 'string') return jsonAnswer(call, { Item: item }, requestId);
    const projected: Item = {};
    for (const path of projection.split(',')) {
      const name = resolveName(path.trim(), names);
      if (item[name] !== undefined) projected[name] = item[name];
    }
    return jsonAnswer(call, { Item: projected }, requestId);
  }

  private updateItemCall(body: Record<string, unknown>, call: CallInfo, requestId: string): StubAnswer {
    this.table(body);
    const names = (body['ExpressionAttributeNames'] ?? {}) as Record<string, string>;
    const values = (body['ExpressionAttributeValues'] ?? {}) as Item;
    const { assignments, removals } = parseUpdateExpression(text(body, 'UpdateExpression'));
    const key = body['Key'] as Item;
    const existing = this.getItem(key);
    const condition = body['ConditionExpression'];
    if (!existing && typeof condition === 'string' && condition.includes('attribute_exists(accountId)')) {
      throw new StubError('ConditionalCheckFailedException', 'The conditional request failed');
    }
    const item: Item = existing ?? structuredClone(key);
    // UPDATED_OLD: the old values of the attributes this update sets or removes.
    const old: Item = {};
    for (const { name, value } of assignments) {
      const attribute = values[value];
      if (attribute === undefined) {
        throw new StubError(
          'ValidationException',
          `An expression attribute value used in expression is not defined: ${value}`,
        );
      }
      const resolved = resolveName(name, names);
      if (item[resolved] !== undefined) old[resolved] = item[resolved];
      item[resolved] = attribute;
    }
    for (const name of removals) {
      const resolved = resolveName(name, names);
      if (item[resolved] !== undefined) old[resolved] = item[resolved];
      delete item[resolved];
    }
    this.items.set(itemKey(item), item);
    const returnOld = body['ReturnValues'] === 'UPDATED_OLD' && Object.keys(old).length > 0;
    return jsonAnswer(call, returnOld ? { Attributes: old } : {}, requestId);
  }

  private assumeRoleCall(body: Record<string, string | undefined>, now: Date, requestId: string): StubAnswer {
    const roleArn = body['RoleArn'] ?? '';
    const match = /^arn:[\w-]+:iam::(\d{12}):role\/([\w+=,.@-]+)$/.exec(roleArn);
    const sessionName = body['RoleSessionName'] ?? '';
    if (!match || match[2] !== this.settings.spokeRoleName || body['ExternalId'] !== this.settings.externalId) {
      throw new StubError(
        'AccessDenied',
        `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    }
    const accountId = match[1] as string;
    const accessKeyId = `ASIA${String(++this.issued).padStart(16, '0')}`;
    this.sessions.set(accessKeyId, accountId);
    const seconds = Number(body['DurationSeconds'] ?? 3600);
    return renderAssumeRole(
      {
        accessKeyId,
        secretAccessKey: `latency-only-secret-${this.issued}`,
        sessionToken: `latency-only-token-${this.issued}`,
        expiration: new Date(now.getTime() + seconds * 1000),
        assumedRoleArn: `arn:aws:sts::${accountId}:assumed-role/${match[2]}/${sessionName}`,
        assumedRoleId: `AROA${accountId}:${sessionName}`,
      },
      requestId,
    );
  }

  private accountOf(call: CallInfo): string {
    const accountId = call.accessKeyId === undefined ? undefined : this.sessions.get(call.accessKeyId);
    if (accountId === undefined) {
      throw new StubError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    return accountId;
  }

  private getParameterCall(body: Record<string, unknown>, call: CallInfo, requestId: string): StubAnswer {
    const accountId = this.accountOf(call);
    const name = text(body, 'Name');
    const stored = this.parameters.get(`${accountId}:${name}`);
    if (!stored) throw new StubError('ParameterNotFound', `Parameter ${name} not found.`);
    return jsonAnswer(
      call,
      {
        Parameter: {
          Name: name,
          Type: stored.type,
          Value: stored.value,
          Version: stored.version,
          LastModifiedDate: stored.modified.getTime() / 1000,
          ARN: `arn:aws:ssm:${call.region ?? 'us-east-1'}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
          DataType: 'text',
        },
      },
      requestId,
    );
  }

  private putParameterCall(body: Record<string, unknown>, call: CallInfo, now: Date, requestId: string): StubAnswer {
    const accountId = this.accountOf(call);
    const name = text(body, 'Name');
    const key = `${accountId}:${name}`;
    const before = this.parameters.get(key);
    if (before && body['Overwrite'] !== true) {
      throw new StubError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const version = (before?.version ?? 0) + 1;
    this.parameters.set(key, {
      value: text(body, 'Value'),
      type: text(body, 'Type') || (before?.type ?? 'String'),
      version,
      modified: now,
    });
    return jsonAnswer(call, { Version: version, Tier: 'Standard' }, requestId);
  }
}

/** An AWS error the stub answers with. */
class StubError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

/** A string field of a request body; '' when absent or not a string. */
function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

function itemKey(item: Item): string {
  return `${item['accountId']?.S ?? ''}/${item['budgetName']?.S ?? ''}`;
}

function resolveName(name: string, names: Record<string, string>): string {
  if (!name.startsWith('#')) return name;
  const resolved = names[name];
  if (resolved === undefined) {
    throw new StubError(
      'ValidationException',
      `An expression attribute name used in the document path is not defined: ${name}`,
    );
  }
  return resolved;
}

/**
 * `SET #a = :a, b = :b` with an optional `REMOVE #c, d` → its assignments and removals; any other
 * update expression is refused (ValidationException).
 */
export function parseUpdateExpression(expression: string): {
  assignments: { name: string; value: string }[];
  removals: string[];
} {
  const match = /^\s*SET\s+(.+?)(?:\s+REMOVE\s+(.+))?$/i.exec(expression);
  const assignments = match?.[1]?.split(',').map((part) => /^\s*(#?[\w]+)\s*=\s*(:[\w]+)\s*$/.exec(part));
  const removals = match?.[2]?.split(',').map((part) => /^\s*(#?[\w]+)\s*$/.exec(part)) ?? [];
  if (!assignments || assignments.some((a) => a === null) || removals.some((r) => r === null)) {
    throw new StubError(
      'ValidationException',
      `the latency-only upstream applies only "SET #name = :value, ... [REMOVE #name, ...]" updates, got: ${expression}`,
    );
  }
  return {
    assignments: assignments.map((a) => ({
      name: (a as RegExpExecArray)[1] as string,
      value: (a as RegExpExecArray)[2] as string,
    })),
    removals: removals.map((r) => (r as RegExpExecArray)[1] as string),
  };
}

/** A JSON-protocol answer, in the content type the call came in (DynamoDB 1.0, SSM 1.1). */
export function jsonAnswer(call: Pick<CallInfo, 'headers'>, body: unknown, requestId: string): StubAnswer {
  const requested = call.headers['content-type'];
  return {
    status: 200,
    headers: {
      'content-type': requested?.startsWith('application/x-amz-json-1.') ? requested : 'application/x-amz-json-1.1',
      'x-amzn-requestid': requestId,
    },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  assumedRoleArn: string;
  assumedRoleId: string;
}

/** STS AssumeRole's answer (query protocol: XML), as STS sends it. */
export function renderAssumeRole(credentials: IssuedCredentials, requestId: string): StubAnswer {
  const xml =
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>' +
    `<AssumedRoleUser><AssumedRoleId>${escapeXml(credentials.assumedRoleId)}</AssumedRoleId>` +
    `<Arn>${escapeXml(credentials.assumedRoleArn)}</Arn></AssumedRoleUser>` +
    `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId>` +
    `<SecretAccessKey>${escapeXml(credentials.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${escapeXml(credentials.sessionToken)}</SessionToken>` +
    `<Expiration>${credentials.expiration.toISOString()}</Expiration></Credentials>` +
    `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: Buffer.from(xml),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An item whose delivery the bench checks: its key and the parameter name it is delivered under. */
export interface DeliveryCheck {
  accountId: string;
  budgetName: string;
  parameterName: string;
}

/** The latency-only upstream as the bench drives it, wherever it runs. */
export interface LatencyOnlyUpstream {
  endpoint: string;
  /** Writes items into the table, as PutItem would. */
  putItems(items: Item[]): Promise<void>;
  /** Calls answered so far, by `service:operation`. */
  calls(): Promise<Record<string, number>>;
  /** Forgets the calls answered so far. */
  clearCalls(): Promise<void>;
  /** How many of the items are DELIVERED with their parameter in their account. */
  countDelivered(checks: DeliveryCheck[]): Promise<number>;
  stop(): Promise<void>;
}

export type LatencyOnlyOptions = LatencyOnlySettings & {
  latency: readonly LatencyRule[];
  /**
   * Serve from a worker thread (default), so that the bench's own thread runs the hub alone, as a
   * Lambda's does; false serves from the bench's thread, whose CPU time the answers then share.
   */
  inWorker?: boolean;
};

/**
 * Starts the latency-only upstream on a free loopback port: each call is answered by a
 * LatencyOnlyState once its delay from `latency` (the front door's rules) has passed.
 */
export async function startLatencyOnlyUpstream(options: LatencyOnlyOptions): Promise<LatencyOnlyUpstream> {
  const { inWorker = true, latency, ...settings } = options;
  if (inWorker) return startInWorker({ ...settings, latency: [...latency] });
  const state = new LatencyOnlyState(settings);
  const server = await serveLatencyOnly(state, latency);
  return {
    endpoint: server.endpoint,
    putItems: async (items) => items.forEach((item) => state.putItem(item)),
    calls: async () => server.calls(),
    clearCalls: async () => server.clearCalls(),
    countDelivered: async (checks) => state.countDelivered(checks),
    stop: () => server.stop(),
  };
}

export interface LatencyOnlyServer {
  endpoint: string;
  calls(): Record<string, number>;
  clearCalls(): void;
  stop(): Promise<void>;
}

/**
 * Points the AWS SDK clients this process creates from now on at `endpoint` (AWS_ENDPOINT_URL, as
 * they find the front door), as the management account, with no session or profile left over.
 */
export function useUpstreamEnvironment(endpoint: string, region: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'management-account',
    AWS_SECRET_ACCESS_KEY: 'management-account',
  });
  delete process.env['AWS_SESSION_TOKEN'];
  delete process.env['AWS_PROFILE'];
}

/** Serves `state` over HTTP on a free loopback port, each answer after its injected delay. */
export async function serveLatencyOnly(
  state: LatencyOnlyState,
  latency: readonly LatencyRule[],
): Promise<LatencyOnlyServer> {
  let calls: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const call = identifyCall({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const key = `${call.service}:${call.operation}`;
      calls[key] = (calls[key] ?? 0) + 1;
      const reply = () => {
        const answer = state.answer(call, new Date());
        res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
        res.end(answer.body);
      };
      const delayMs = pickDelayMs(latency, call);
      if (delayMs <= 0) {
        reply();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        reply();
      }, delayMs);
      timers.add(timer);
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => ({ ...calls }),
    clearCalls() {
      calls = {};
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A request to the worker (bench/hub-upstream-worker.ts), and its answer. */
export type WorkerCall =
  | { op: 'putItems'; items: Item[] }
  | { op: 'calls' }
  | { op: 'clearCalls' }
  | { op: 'countDelivered'; checks: DeliveryCheck[] }
  | { op: 'stop' };
export type WorkerRequest = WorkerCall & { id: number };
export type WorkerMessage =
  { ready: string } | { startFailed: string } | { id: number; result: unknown } | { id: number; error: string };
export type WorkerData = LatencyOnlySettings & { latency: LatencyRule[] };

async function startInWorker(data: WorkerData): Promise<LatencyOnlyUpstream> {
  // The worker loads TypeScript through tsx, as the bench does.
  const entry = join(__dirname, 'hub-upstream-worker.ts');
  const worker = new Worker(
    `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`,
    {
      eval: true,
      workerData: data,
    },
  );
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const endpoint = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) resolve(message.ready);
      else if ('startFailed' in message) reject(new Error(`latency-only upstream: ${message.startFailed}`));
      else if ('error' in message) pending.get(message.id)?.reject(new Error(message.error));
      else pending.get(message.id)?.resolve(message.result);
      if ('id' in message) pending.delete(message.id);
    });
  });
  const ask = <T>(request: WorkerCall): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  return {
    endpoint,
    putItems: (items) => ask({ op: 'putItems', items }),
    calls: () => ask({ op: 'calls' }),
    clearCalls: () => ask({ op: 'clearCalls' }),
    countDelivered: (checks) => ask({ op: 'countDelivered', checks }),
    async stop() {
      await ask({ op: 'stop' });
      await worker.terminate();
    },
  };
}
