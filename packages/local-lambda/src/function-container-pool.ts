import { randomUUID } from 'node:crypto';
import {
  FunctionContainer,
  type FunctionContainerOptions,
  type FunctionSpec,
  type InvokeResult,
} from './function-container';

/**
 * How many invocations of one function run at once when its template sets no
 * ReservedConcurrentExecutions. Lambda's default is the account's unreserved concurrency (1000),
 * far more than one machine runs: each container is a worker process of some 80 MB. 10 lets a
 * function's long invocations (the guardian's checks that wait for their time) run side by side
 * with its scheduled run and its events, as on AWS, while a flood of events into one function
 * starts no more than 10 processes (and the runtime's WorkerSlotPool still caps the machine's
 * total). LocalLambdaRuntimeOptions.defaultConcurrency changes it.
 */
export const DEFAULT_FUNCTION_CONCURRENCY = 10;

export interface FunctionContainerPoolOptions extends FunctionContainerOptions {
  /** At most this many invocations at once (containers); DEFAULT_FUNCTION_CONCURRENCY when left out. */
  concurrency?: number;
  /** Told when an invocation has to wait because the function runs `concurrency` invocations already. */
  onThrottled?: (waiting: number, concurrency: number) => void;
  /** Told of each invocation once it ended (not of those the pool's stop cut short). */
  onInvocation?: (record: InvocationRecord) => void;
}

/** One invocation of a function, as the runtime saw it (ms, this machine's clock). */
export interface InvocationRecord {
  account: string;
  functionName: string;
  /** When it was given to the function (epoch ms). */
  at: number;
  /** Waiting for a free container (the function's concurrency). */
  queuedMs: number;
  /** In its container, cold start included (InvokeResult.durationMs). */
  durationMs: number;
  coldStart: boolean;
  ok: boolean;
}

interface Waiting {
  event: unknown;
  requestId: string;
  at: number;
  resolve: (result: InvokeResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The containers of one function, as Lambda runs them: an invocation takes an idle container
 * (the most recently used first, warm ones before those whose process was ended) or, while the
 * function runs fewer than `concurrency` invocations, a new one (a cold start). Above that it
 * waits, first come first served, until a container is free: an asynchronous invocation that
 * Lambda throttles is retried for hours, so waiting is what it comes to; a synchronous one
 * would get TooManyRequestsException, which the AWS SDK retries: local callers get the answer
 * late rather than an error that only says this machine is slower than AWS.
 *
 * Idle containers stay warm until the WorkerSlotPool (if any) ends the least recently used of
 * them for another cold start, or the pool is stopped. Each container asks the WorkerSlotPool for
 * a slot at its cold start, holding none while it waits; an invocation waiting here for a
 * container holds none either.
 */
export class FunctionContainerPool {
  private readonly containers: FunctionContainer[] = [];
  /** Free containers, the most recently used last. */
  private readonly idle: FunctionContainer[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly retiring = new Set<Promise<void>>();
  private limit: number;
  private running = 0;
  private stopped = false;
  /** The most invocations that ran at once. */
  peakConcurrency = 0;

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: FunctionContainerPoolOptions,
  ) {
    this.limit = checkedConcurrency(options.concurrency ?? DEFAULT_FUNCTION_CONCURRENCY);
  }

  /** At most this many invocations at once. */
  get concurrency(): number {
    return this.limit;
  }

  /** Invocations running now. */
  get busy(): number {
    return this.running;
  }

  /** Invocations waiting for a container. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Containers (warm or not). */
  get size(): number {
    return this.containers.length;
  }

  /** Containers whose worker process runs. */
  get warm(): number {
    return this.containers.filter((container) => container.warm).length;
  }

  /** Invocations run, over all containers. */
  get invocations(): number {
    return this.containers.reduce((sum, container) => sum + container.invocations, 0);
  }

  /** Cold starts, over all containers. */
  get coldStarts(): number {
    return this.containers.reduce((sum, container) => sum + container.coldStarts, 0);
  }

  /**
   * Runs one invocation in a free container (waiting for one at the concurrency limit) and
   * resolves with its outcome; never rejects for function errors, rejects once the pool is stopped.
   */
  invoke(event: unknown, requestId: string = randomUUID()): Promise<InvokeResult> {
    if (this.stopped)
      return Promise.reject(new Error(`${this.spec.functionName}: the function's containers are stopped`));
    return new Promise<InvokeResult>((resolve, reject) => {
      this.waiting.push({ event, requestId, at: Date.now(), resolve, reject });
      this.dispatch();
      if (this.waiting.length > 0) this.options.onThrottled?.(this.waiting.length, this.limit);
    });
  }

  /**
   * Changes the concurrency (PutFunctionConcurrency): more lets waiting invocations start, fewer
   * retires containers above it as they finish. Warm containers are kept.
   */
  setConcurrency(concurrency: number): void {
    this.limit = checkedConcurrency(concurrency);
    while (this.containers.length > this.limit && this.idle.length > 0) {
      this.retire(this.idle.shift() as FunctionContainer);
    }
    this.dispatch();
  }

  /**
   * Stops every container (an invocation in flight ends as Runtime.ExitError) and fails the
   * invocations still waiting; later invocations fail.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(new Error(`${this.spec.functionName}: the function's containers are stopped`));
    }
    this.idle.length = 0;
    await Promise.allSettled([...this.containers.map((container) => container.stop()), ...this.retiring]);
  }

  /** Gives waiting invocations free or new containers, in the order they came. */
  private dispatch(): void {
    while (!this.stopped && this.waiting.length > 0) {
      const container = this.freeContainer();
      if (!container) return;
      this.run(container, this.waiting.shift() as Waiting);
    }
  }

  private freeContainer(): FunctionContainer | undefined {
    for (let i = this.idle.length - 1; i >= 0; i -= 1) {
      if (this.idle[i]?.warm) return this.idle.splice(i, 1)[0];
    }
    if (this.idle.length > 0) return this.idle.pop();
    if (this.containers.length >= this.limit) return undefined;
    const container = new FunctionContainer(this.spec, this.options);
    this.containers.push(container);
    return container;
  }

  private run(container: FunctionContainer, waiter: Waiting): void {
    this.running += 1;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.running);
    const startedAt = Date.now();
    // Called synchronously, and handed on in the first reaction to its outcome: a container going
    // from one invocation to the next is never idle in between, so the WorkerSlotPool does not
    // end it for another function's cold start meanwhile.
    container.invoke(waiter.event, waiter.requestId).then(
      (result) => {
        this.finished(container);
        this.options.onInvocation?.({
          account: this.spec.account,
          functionName: this.spec.functionName,
          at: waiter.at,
          queuedMs: startedAt - waiter.at,
          durationMs: result.durationMs,
          coldStart: result.coldStart,
          ok: result.ok,
        });
        waiter.resolve(result);
      },
      (error: unknown) => {
        this.finished(container);
        waiter.reject(error);
      },
    );
  }

  private finished(container: FunctionContainer): void {
    this.running -= 1;
    if (this.stopped) return;
    if (this.containers.length > this.limit) this.retire(container);
    else this.idle.push(container);
    this.dispatch();
  }

  private retire(container: FunctionContainer): void {
    this.containers.splice(this.containers.indexOf(container), 1);
    const stopping = container.stop();
    this.retiring.add(stopping);
    void stopping.finally(() => this.retiring.delete(stopping));
  }
}

function checkedConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`a function's concurrency must be a positive integer, got ${concurrency}`);
  }
  return concurrency;
}
