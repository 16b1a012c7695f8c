import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ColdStartGate, ColdStartPermit } from './cold-start-gate';

/** What the runtime needs to know of a deployed function to run it. */
export interface FunctionSpec {
  account: string;
  region: string;
  functionName: string;
  functionArn: string;
  /** `path/to/file.export`, relative to the code directory. */
  handler: string;
  runtime: string;
  /** The unzipped code (LAMBDA_TASK_ROOT). */
  codeDir: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The function's own environment variables (its configuration). */
  environment: Record<string, string>;
  roleArn: string;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type InvokeResult =
  | { ok: true; requestId: string; payload: unknown; durationMs: number; coldStart: boolean }
  | { ok: false; requestId: string; error: LambdaError; durationMs: number; coldStart: boolean };

export interface FunctionContainerOptions {
  /** The front door: AWS_ENDPOINT_URL of the function. */
  endpoint: string;
  /** Credentials of the function's execution role (asked again for every cold start). */
  credentials: () => Promise<TemporaryCredentials>;
  /**
   * The function's log file (stdout and stderr, START/END/REPORT lines). The containers of one
   * function share it, as one log group: each writes whole lines only, so the lines of
   * concurrent invocations interleave (tell them apart by request id) but never cut into each
   * other.
   */
  logFile: string;
  /** Node.js executable; this process's by default. */
  nodePath?: string;
  /** Init (loading the bundle) may take this long; Lambda allows 10 s. */
  initTimeoutMs?: number;
  /** Shared limit on worker processes (WorkerSlotPool); none when left out. */
  slots?: WorkerSlots;
  /** Shared limit on cold starts under way at once (ColdStartGate); none when left out. */
  coldStarts?: ColdStartGate;
  /** Told of each cold start once its bundle has loaded (or failed to): where its time went. */
  onColdStart?: (record: ColdStartRecord) => void;
  /**
   * For tests only: how far ahead of this machine's clock the function's clock runs, asked at
   * every invocation (its `Date` adds it; see lambda-worker.cjs). Left out, the worker keeps the
   * real Date.
   */
  clockOffsetMs?: () => number;
}

/**
 * Where a cold start's time went (ms, this machine's clock): waiting for a worker slot, getting
 * the role's credentials, waiting for its turn among the cold starts (ColdStartGate), then the
 * process start and the bundle's load (`startMs`, from fork to ready), of which `initMs` is what
 * the worker measured from its first line to the handler loaded (Lambda's Init Duration).
 */
export interface ColdStartRecord {
  account: string;
  functionName: string;
  /** When it began (epoch ms). */
  at: number;
  slotWaitMs: number;
  credentialsMs: number;
  queuedMs: number;
  startMs: number;
  /** Undefined when the bundle did not load. */
  initMs: number | undefined;
  ok: boolean;
}

/** A limit on how many containers' worker processes run at once (see WorkerSlotPool). */
export interface WorkerSlots {
  /** Resolves once `container` may start its worker process. */
  acquire(container: FunctionContainer): Promise<void>;
  /** `container`'s worker process has exited. */
  release(container: FunctionContainer): void;
  /** `container` has finished every invocation it was given. */
  idle(container: FunctionContainer): void;
}

/** The worker that runs the bundle; plain CommonJS, see the file. */
export const LAMBDA_WORKER_PATH = resolve(__dirname, 'lambda-worker.cjs');

const DEFAULT_INIT_TIMEOUT_MS = 10_000;
/** A warm container is replaced when its credentials expire sooner than this. */
const CREDENTIALS_MARGIN_MS = 5 * 60_000;

interface WorkerMessage {
  type: 'ready' | 'initError' | 'result';
  requestId?: string;
  ok?: boolean;
  payload?: string;
  error?: LambdaError;
  initMs?: number;
}

interface Worker {
  child: ChildProcess;
  /** This execution environment's log stream, as Lambda names one per environment. */
  logStreamName: string;
  credentialsExpireAt: number;
  /** Rejects or resolves with the next message; replaced per wait. */
  waiter?: { resolve: (message: WorkerMessage) => void; reject: (error: Error) => void };
  exited: Promise<void>;
  exitReason?: string;
  /** Init Duration the worker reported (ms). */
  initMs?: number;
}

/**
 * A warm Lambda container (execution environment) of one function: a persistent child process
 * (lambda-worker.cjs) that loaded the function's bundle once and runs one invocation at a time;
 * further invocations given to it wait. A function runs invocations at once in several
 * containers: see FunctionContainerPool.
 * The process is started on the first invocation (a cold start) with the function's environment,
 * the Lambda variables and its role's credentials, and replaced after a timeout or a crash, as
 * Lambda replaces a broken execution environment.
 */
export class FunctionContainer {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: WriteStream;
  private stopped = false;
  invocations = 0;
  coldStarts = 0;
  /** When the last invocation ended (epoch ms). */
  lastUsedAt = 0;
  private unfinished = 0;

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: FunctionContainerOptions,
  ) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    this.log = createWriteStream(options.logFile, { flags: 'a' });
  }

  /** Runs one invocation (after those already waiting) and resolves with its outcome; never rejects for function errors. */
  invoke(event: unknown, requestId: string = randomUUID()): Promise<InvokeResult> {
    this.unfinished += 1;
    const run = this.queue.then(() => this.invokeNow(event, requestId));
    this.queue = run.catch(() => undefined);
    void this.queue.then(() => {
      this.unfinished -= 1;
      this.lastUsedAt = Date.now();
      if (this.unfinished === 0) this.options.slots?.idle(this);
    });
    return run;
  }

  /** Whether the worker process is running. */
  get warm(): boolean {
    return this.worker !== undefined;
  }

  /** Whether no invocation is running or waiting. */
  get idle(): boolean {
    return this.unfinished === 0;
  }

  /**
   * Stops the worker process at once (an invocation in flight ends as Runtime.ExitError); later
   * invocations fail.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.killWorker('container stopped');
    await this.queue;
    if (!this.log.writableEnded) await new Promise<void>((resolveEnd) => this.log.end(resolveEnd));
  }

  /** Ends the warm process (the next invocation is a cold start), e.g. when the code changed. */
  async recycle(): Promise<void> {
    await this.queue;
    await this.killWorker('container recycled');
  }

  private async invokeNow(event: unknown, requestId: string): Promise<InvokeResult> {
    if (this.stopped) throw new Error(`${this.spec.functionName}: the container is stopped`);
    this.invocations += 1;
    const started = Date.now();
    let coldStart = false;
    if (this.worker && this.worker.credentialsExpireAt - Date.now() < CREDENTIALS_MARGIN_MS) {
      await this.killWorker('credentials expire soon');
    }
    if (!this.worker) {
      coldStart = true;
      this.coldStarts += 1;
      const initError = await this.startWorker();
      if (initError) {
        await this.killWorker('init failed');
        return { ok: false, requestId, error: initError, durationMs: Date.now() - started, coldStart };
      }
    }
    const worker = this.worker as Worker;
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const reply = this.nextMessage(worker, timeoutMs);
    worker.child.send({
      type: 'invoke',
      requestId,
      event,
      deadline,
      ...(this.options.clockOffsetMs ? { clockOffsetMs: this.options.clockOffsetMs() } : {}),
      context: {
        functionName: this.spec.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: this.spec.functionArn,
        memoryLimitInMB: String(this.spec.memorySize),
        logGroupName: `/aws/lambda/${this.spec.functionName}`,
        logStreamName: worker.logStreamName,
      },
    });
    let message: WorkerMessage;
    try {
      message = await reply;
    } catch (error) {
      const timedOut = error instanceof WorkerTimeoutError;
      const lambdaError: LambdaError = timedOut
        ? {
            errorType: 'Sandbox.Timedout',
            errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          }
        : {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${requestId} Error: Runtime exited ${worker.exitReason ?? 'unexpectedly'}`,
            trace: [],
          };
      this.writeLog(`${lambdaError.errorMessage}\n`);
      await this.killWorker(lambdaError.errorType);
      return { ok: false, requestId, error: lambdaError, durationMs: Date.now() - started, coldStart };
    }
    const durationMs = Date.now() - started;
    if (message.ok) {
      const payload = message.payload === undefined ? null : (JSON.parse(message.payload) as unknown);
      return { ok: true, requestId, payload, durationMs, coldStart };
    }
    return { ok: false, requestId, error: message.error as LambdaError, durationMs, coldStart };
  }

  /** A new execution environment's log stream: `2026/01/31/[$LATEST]<32 hex digits>`, as Lambda names them. */
  private static newLogStreamName(): string {
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
  }

  /** Starts the worker and waits for its bundle to load; returns the init error, if any. */
  private async startWorker(): Promise<LambdaError | undefined> {
    const at = Date.now();
    await this.options.slots?.acquire(this);
    const slotAcquired = Date.now();
    let credentials: TemporaryCredentials;
    let permit: ColdStartPermit | undefined;
    let credentialsMs: number;
    try {
      // Stopped while waiting for a slot: start nothing.
      if (this.stopped) throw new Error(`${this.spec.functionName}: the container is stopped`);
      credentials = await this.options.credentials();
      credentialsMs = Date.now() - slotAcquired;
      permit = await this.options.coldStarts?.acquire(this.spec.account);
      if (this.stopped) throw new Error(`${this.spec.functionName}: the container is stopped`);
    } catch (error) {
      permit?.release();
      this.options.slots?.release(this);
      throw error;
    }
    const forkedAt = Date.now();
    const initError = await this.forkWorker(credentials).finally(() => permit?.release());
    this.options.onColdStart?.({
      account: this.spec.account,
      functionName: this.spec.functionName,
      at,
      slotWaitMs: slotAcquired - at,
      credentialsMs,
      queuedMs: permit?.waitedMs ?? 0,
      startMs: Date.now() - forkedAt,
      initMs: initError === undefined ? this.worker?.initMs : undefined,
      ok: initError === undefined,
    });
    return initError;
  }

  /** Forks the worker with `credentials` and waits for its bundle to load; returns the init error, if any. */
  private async forkWorker(credentials: TemporaryCredentials): Promise<LambdaError | undefined> {
    const { spec } = this;
    const logStreamName = FunctionContainer.newLogStreamName();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      // The local machine's Node 20 runs bundles that target nodejs22.x: silence the SDK's notice about it.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Lambda has no ~/.aws: keep the SDK away from this machine's profiles and their settings.
      AWS_CONFIG_FILE: join(spec.codeDir, '.no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(spec.codeDir, '.no-aws-credentials'),
      ...spec.environment,
      AWS_REGION: spec.region,
      AWS_DEFAULT_REGION: spec.region,
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      LAMBDA_TASK_ROOT: spec.codeDir,
      LAMBDA_RUNTIME_DIR: dirname(LAMBDA_WORKER_PATH),
      _HANDLER: spec.handler,
      AWS_ENDPOINT_URL: this.options.endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: credentials.sessionToken }),
    };
    const child = fork(LAMBDA_WORKER_PATH, this.options.clockOffsetMs ? ['--shiftable-clock'] : [], {
      cwd: spec.codeDir,
      env,
      execPath: this.options.nodePath ?? process.execPath,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    for (const output of [child.stdout, child.stderr]) {
      const lines = new LineBuffer((text) => this.writeLog(text));
      output?.on('data', (chunk: Buffer) => lines.add(chunk));
      output?.on('end', () => lines.flush());
    }
    const worker: Worker = {
      child,
      logStreamName,
      credentialsExpireAt: credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY,
      exited: new Promise((resolveExit) => {
        child.once('exit', (code, signal) => {
          worker.exitReason = signal === null ? `with exit status ${String(code)}` : `on signal ${signal}`;
          this.options.slots?.release(this);
          if (this.worker === worker) this.worker = undefined;
          worker.waiter?.reject(new Error(`worker exited ${worker.exitReason}`));
          resolveExit();
        });
      }),
    };
    child.on('error', (error) => {
      // Never spawned: no 'exit' will come to give the slot back.
      if (child.pid === undefined) this.options.slots?.release(this);
      worker.waiter?.reject(error);
    });
    child.on('message', (message: WorkerMessage) => {
      const waiter = worker.waiter;
      worker.waiter = undefined;
      waiter?.resolve(message);
    });
    this.worker = worker;
    try {
      const first = await this.nextMessage(worker, this.options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS);
      if (first.type === 'initError') return first.error;
      if (first.initMs !== undefined) worker.initMs = first.initMs;
      return undefined;
    } catch (error) {
      return {
        errorType: error instanceof WorkerTimeoutError ? 'Runtime.InitTimeout' : 'Runtime.ExitError',
        errorMessage: `Init of ${spec.functionName} failed: ${(error as Error).message}`,
        trace: [],
      };
    }
  }

  private nextMessage(worker: Worker, timeoutMs: number): Promise<WorkerMessage> {
    return new Promise<WorkerMessage>((resolveMessage, rejectMessage) => {
      const timer = setTimeout(() => {
        worker.waiter = undefined;
        rejectMessage(new WorkerTimeoutError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      worker.waiter = {
        resolve: (message) => {
          clearTimeout(timer);
          resolveMessage(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          worker.waiter = undefined;
          rejectMessage(error);
        },
      };
    });
  }

  private async killWorker(reason: string): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.exitReason ??= reason;
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await worker.exited;
  }

  private writeLog(chunk: Buffer | string): void {
    if (!this.log.writableEnded) this.log.write(chunk);
  }
}

/**
 * Passes a pipe's output on in whole lines (a chunk of a pipe may end within a line): the
 * containers of one function append to one log file, and a line of one must not be cut by a line
 * of another. A line longer than MAX_PENDING_BYTES is passed on in parts.
 */
class LineBuffer {
  private static readonly MAX_PENDING_BYTES = 1 << 20;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly write: (text: Buffer) => void) {}

  add(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const end = data.lastIndexOf(0x0a);
    if (end === -1) {
      this.pending = data;
      if (data.length > LineBuffer.MAX_PENDING_BYTES) this.flush();
      return;
    }
    this.write(data.subarray(0, end + 1));
    this.pending = data.subarray(end + 1);
  }

  /** Passes on what is left (the output ended without a newline). */
  flush(): void {
    if (this.pending.length === 0) return;
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    this.write(rest);
  }
}

class WorkerTimeoutError extends Error {
  override readonly name = 'WorkerTimeoutError';
}

/**
 * At most `max` worker processes at once across the containers that share it: a cold start
 * beyond that ends the least recently used idle warm container first (as Lambda reclaims idle
 * execution environments), or waits until one is idle. Keeps an organization of hundreds of
 * accounts, each with its own spoke function, within one machine's memory.
 *
 * With `laneOf` (the lanes of ColdStartGate: the management account in a lane of its own),
 * a lane's cold start ends an idle container of its own lane, or of a lane that holds more slots
 * than its own, never a smaller lane's (it waits for one of its own instead), and freed slots go
 * to the waiting lanes in turn. On AWS one account's burst of cold starts does not end
 * another account's warm environments; without lanes, 500 spokes starting at once would end the
 * hub's containers and queue the hub's next cold start behind all of theirs.
 */
export class WorkerSlotPool implements WorkerSlots {
  private readonly holders = new Set<FunctionContainer>();
  /** Containers waiting for a slot, by lane, lanes in the order they first waited. */
  private readonly waiting = new Map<string, { container: FunctionContainer; grant: () => void }[]>();
  private waitingCount = 0;
  /** The lane granted last: the next freed slot goes to a lane after it. */
  private lastLane: string | undefined;
  private readonly recycling = new Set<FunctionContainer>();

  constructor(
    readonly max: number,
    private readonly laneOf: (account: string) => string = () => '',
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`WorkerSlotPool: max must be a positive integer, got ${max}`);
  }

  /** Worker processes running or starting. */
  get size(): number {
    return this.holders.size;
  }

  acquire(container: FunctionContainer): Promise<void> {
    if (this.holders.size < this.max && this.waitingCount === 0) {
      this.holders.add(container);
      return Promise.resolve();
    }
    return new Promise((grant) => {
      const lane = this.laneOf(container.spec.account);
      const queue = this.waiting.get(lane) ?? [];
      queue.push({ container, grant });
      this.waiting.set(lane, queue);
      this.waitingCount += 1;
      this.grantFree();
      this.evict();
    });
  }

  release(container: FunctionContainer): void {
    if (!this.holders.delete(container)) return;
    this.grantFree();
  }

  idle(): void {
    this.evict();
  }

  /** Gives the free slots to waiting containers, one lane after another. */
  private grantFree(): void {
    while (this.holders.size < this.max && this.waitingCount > 0) {
      const lanes = [...this.waiting.keys()];
      const after = this.lastLane === undefined ? -1 : lanes.indexOf(this.lastLane);
      const lane = [...lanes.slice(after + 1), ...lanes.slice(0, after + 1)][0] as string;
      const queue = this.waiting.get(lane) as { container: FunctionContainer; grant: () => void }[];
      const next = queue.shift() as { container: FunctionContainer; grant: () => void };
      if (queue.length === 0) this.waiting.delete(lane);
      this.waitingCount -= 1;
      this.lastLane = lane;
      this.holders.add(next.container);
      next.grant();
    }
  }

  /**
   * Recycles idle warm containers while cold starts wait, one for each waiting container: the
   * least recently used idle container of its own lane, else of a lane that holds more slots
   * than its own (a lane never takes the warm containers of a smaller one: it waits until one of
   * its own is idle).
   */
  private evict(): void {
    let pending = this.waitingCount - this.recycling.size;
    if (pending <= 0) return;
    const held = this.slotsByLane();
    for (const [lane, queue] of this.waiting) {
      const own = held.get(lane) ?? 0;
      for (let i = 0; i < queue.length && pending > 0; i++) {
        const victim = this.leastRecentlyUsedIdle((other) => other === lane || (held.get(other) ?? 0) > own);
        if (!victim) break;
        pending -= 1;
        this.recycling.add(victim);
        void victim.recycle().finally(() => this.recycling.delete(victim));
      }
      if (pending <= 0) return;
    }
  }

  private slotsByLane(): Map<string, number> {
    const held = new Map<string, number>();
    for (const holder of this.holders) {
      const lane = this.laneOf(holder.spec.account);
      held.set(lane, (held.get(lane) ?? 0) + 1);
    }
    return held;
  }

  /** The least recently used idle warm container, not already ending, of a lane `eligible` accepts. */
  private leastRecentlyUsedIdle(eligible: (lane: string) => boolean): FunctionContainer | undefined {
    let victim: FunctionContainer | undefined;
    for (const holder of this.holders) {
      if (!holder.warm || !holder.idle || this.recycling.has(holder)) continue;
      if (!eligible(this.laneOf(holder.spec.account))) continue;
      if (!victim || holder.lastUsedAt < victim.lastUsedAt) victim = holder;
    }
    return victim;
  }
}
