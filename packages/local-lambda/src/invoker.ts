import { randomUUID } from 'node:crypto';
import { parseArn } from './account-credentials';
import type { DestinationSender } from './destinations';
import type { EventRouter } from './event-router';
import { asyncInvocationRecord, isoSeconds, type AsyncCondition } from './failure-records';
import type { InvokeResult, LambdaError } from './function-container';
import type { FunctionContainerPool } from './function-container-pool';
import type { DeployedFunction, FunctionLoader } from './function-loader';
import type { RuntimeLog } from './runtime-log';

/** An asynchronous invocation accepted and not ended yet. */
export interface PendingInvocation {
  functionArn: string;
  functionName: string;
  /** Epoch ms, the machine's clock. */
  acceptedAt: number;
  event: unknown;
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

export interface InvokerOptions {
  loader: FunctionLoader;
  /** Where an `events` destination's invocation record goes. */
  router: EventRouter;
  destinations: DestinationSender;
  /** The runtime's region: the region of the invocation-result events. */
  region: string;
  /** Wait before the retries of a failed asynchronous invocation; [200, 400] ms. */
  asyncRetryDelaysMs?: readonly number[] | undefined;
  log: RuntimeLog;
}

/**
 * Invokes the loaded functions: synchronously, or asynchronously with their EventInvokeConfig
 * (retries, maximum event age, OnSuccess/OnFailure destinations); counts every invocation.
 */
export class Invoker {
  /** Asynchronous invocations that failed with no OnFailure destination: kept, never silently dropped. */
  readonly asyncFailures: AsyncFailure[] = [];
  /** The asynchronous invocations running (retries and destinations included), each with what it is. */
  private readonly pendingInfo = new Map<Promise<void>, PendingInvocation>();
  /** After `stop()`: a failed attempt is neither retried nor sent to a destination. */
  private stopped = false;
  private invocationCount = 0;

  constructor(private readonly options: InvokerOptions) {}

  /** Invocations so far (each attempt of an asynchronous one, each batch of a stream mapping). */
  get invocations(): number {
    return this.invocationCount;
  }

  /** Counts an invocation made by someone else (a stream mapping invoking its function's containers). */
  countInvocation(): void {
    this.invocationCount += 1;
  }

  /** Invokes synchronously (RequestResponse) and resolves with the outcome; a function error is an outcome, not a rejection. */
  async invoke(nameOrArn: string, event: unknown, options: { account?: string } = {}): Promise<InvokeResult> {
    const { containers } = this.options.loader.find(nameOrArn, options.account);
    this.invocationCount += 1;
    return containers.invoke(event);
  }

  /**
   * Invokes asynchronously (InvocationType Event): resolves with the request id once accepted;
   * the function runs in the background with its EventInvokeConfig.
   */
  invokeAsync(nameOrArn: string, event: unknown, options: { account?: string } = {}): Promise<{ requestId: string }> {
    const entry = this.options.loader.find(nameOrArn, options.account);
    const requestId = randomUUID();
    const run = this.runAsync(entry.info, entry.containers, event, requestId).catch((error: unknown) =>
      this.options.log('asynchronous invocation failed in the runtime', {
        functionArn: entry.info.functionArn,
        requestId,
        error: String(error),
      }),
    );
    this.pendingInfo.set(run, {
      functionArn: entry.info.functionArn,
      functionName: entry.info.functionName,
      acceptedAt: Date.now(),
      event,
    });
    void run.finally(() => {
      this.pendingInfo.delete(run);
    });
    return Promise.resolve({ requestId });
  }

  /** The asynchronous invocations running or waiting to run now: function, since when (epoch ms), event. */
  pendingInvocations(): PendingInvocation[] {
    return [...this.pendingInfo.values()];
  }

  /** The pending asynchronous invocations with their promises (settled when the invocation ends). */
  pendingEntries(): [Promise<void>, PendingInvocation][] {
    return [...this.pendingInfo.entries()];
  }

  /** Waits for the asynchronous invocations running now (all, or those `include` keeps). */
  async drain(include: (invocation: PendingInvocation) => boolean = () => true): Promise<void> {
    await Promise.allSettled(this.pendingEntries().flatMap(([run, info]) => (include(info) ? [run] : [])));
  }

  /** Stops retrying and sending records: what the runtime's stop cuts short ends there. */
  stop(): void {
    this.stopped = true;
  }

  private async runAsync(
    info: DeployedFunction,
    containers: FunctionContainerPool,
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
      last = await containers.invoke(event, requestId);
      if (this.stopped) return;
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
      this.options.log('asynchronous invocation failed for good (no OnFailure destination)', {
        ...failure,
        event: undefined,
      });
      return;
    }
    try {
      await this.sendInvocationRecord(config.onFailure, info, requestId, condition, attempts, event, last);
    } catch (error) {
      this.asyncFailures.push(failure);
      this.options.log('the OnFailure destination refused an invocation record', {
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
      this.options.router.put(account, region, resource.replace(/^event-bus\//, ''), {
        version: '0',
        id: randomUUID(),
        'detail-type': `Lambda Function Invocation Result - ${condition === 'Success' ? 'Success' : 'Failure'}`,
        source: 'lambda',
        account: info.account,
        time: isoSeconds(new Date()),
        region: this.options.region,
        resources: [info.functionArn, destination],
        detail: record,
      });
      return;
    }
    await this.options.destinations.send(destination, { body: JSON.stringify(record) });
  }
}
