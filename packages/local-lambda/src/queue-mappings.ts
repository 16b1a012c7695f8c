import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { parseArn, type AccountCredentials } from './account-credentials';
import { eventSourceKind, filterPatternsOf, mappedFunction } from './event-source-mappings';
import type { FunctionLoader } from './function-loader';
import type { Invoker } from './invoker';
import { QueueMappingPoller, type QueueMappingConfig, type QueueMappingStats } from './queue-mapping-poller';
import type { RuntimeLog } from './runtime-log';

export interface QueueMappingsOptions {
  /** Where the queues are read. */
  endpoint: string;
  credentials: AccountCredentials;
  loader: FunctionLoader;
  invoker: Invoker;
  /**
   * ReceiveMessage's WaitTimeSeconds: how long a poll of an empty queue waits for a message
   * (1–20); 2 s. Stopping waits for the polls under way, so keep it short.
   */
  waitTimeSeconds?: number | undefined;
  /** Pause between polls that do not wait (while `caughtUp` is waiting); 250 ms. */
  pollIntervalMs?: number | undefined;
  log: RuntimeLog;
}

interface QueueRun {
  poller: QueueMappingPoller;
  sqs: SQSClient;
  queueUrl: string;
  /** Receives started so far, and the number of the last one that found the queue empty. */
  receivesStarted: number;
  lastEmptyReceive: number;
  /** `caughtUp` calls waiting on this run: its polls do not wait meanwhile. */
  probes: number;
  loop: Promise<void>;
  wake?: () => void;
}

const DEFAULT_WAIT_TIME_SECONDS = 2;

/**
 * The SQS event source mappings of the accounts, each polled in a loop of its own with its
 * function's role's credentials, as Lambda polls them: long polls (ReceiveMessage with
 * WaitTimeSeconds), one batch at a time. MaximumBatchingWindowInSeconds and ScalingConfig are
 * not applied: a batch is what one poll finds (topped up to BatchSize above 10).
 */
export class QueueMappings {
  private readonly runs = new Map<string, QueueRun>();
  private stopped = false;
  private readonly waitTimeSeconds: number;

  constructor(private readonly options: QueueMappingsOptions) {
    this.waitTimeSeconds = options.waitTimeSeconds ?? DEFAULT_WAIT_TIME_SECONDS;
    if (!Number.isInteger(this.waitTimeSeconds) || this.waitTimeSeconds < 1 || this.waitTimeSeconds > 20) {
      throw new Error(`waitTimeSeconds must be a whole number of seconds from 1 to 20, got ${this.waitTimeSeconds}`);
    }
  }

  /**
   * Takes the accounts' event source mappings as listed again (those of SQS queues; the others
   * are left to their pollers): new ones start polling, updated ones are reconfigured in place,
   * removed or disabled ones stop. What cannot run here is added to `skipped`.
   */
  async refresh(mappings: readonly EventSourceMappingConfiguration[], skipped: string[]): Promise<void> {
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const mapping of mappings) {
      if (eventSourceKind(mapping) !== 'sqs-queue') continue;
      if (mapping.UUID && (await this.startMapping(mapping, skipped))) seen.add(mapping.UUID);
    }
    for (const uuid of [...this.runs.keys()]) if (!seen.has(uuid)) await this.stopRun(uuid);
  }

  /** The mappings that run. */
  list(): { uuid: string; functionArn: string; queueArn: string }[] {
    return [...this.runs.values()].map(({ poller }) => ({
      uuid: poller.config.uuid,
      functionArn: poller.config.functionArn,
      queueArn: poller.config.queueArn,
    }));
  }

  /** Where the messages of each mapping went. */
  stats(): QueueMappingStats[] {
    return [...this.runs.values()].map(({ poller }) => ({ ...poller.stats }));
  }

  /**
   * Waits until no mapping holds a message and each queue has none to give: either the queue
   * shows no message visible or in flight, or a receive that started after this call found it
   * empty. Delayed messages, and messages waiting out their visibility timeout after a failure,
   * are not waited for.
   */
  async caughtUp(deadline: number): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => this.runCaughtUp(run, deadline)));
  }

  /** Stops every mapping, after the poll (and batch) it is working on: within WaitTimeSeconds. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.runs.keys()].map((uuid) => this.stopRun(uuid)));
  }

  /** Starts polling a queue mapping (if new); false for mappings that do not run here. */
  private async startMapping(mapping: EventSourceMappingConfiguration, skipped: string[]): Promise<boolean> {
    const { endpoint, credentials, loader, invoker } = this.options;
    const queueArn = mapping.EventSourceArn ?? '';
    const target = mappedFunction(mapping, loader, skipped);
    if (!target) return false;
    const { uuid, functionArn, fn } = target;
    const config: QueueMappingConfig = {
      uuid,
      functionArn,
      queueArn,
      batchSize: mapping.BatchSize ?? 10,
      reportBatchItemFailures: (mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      filterPatterns: filterPatternsOf(mapping),
    };
    const existing = this.runs.get(uuid);
    if (existing?.poller.config.functionArn === functionArn) {
      try {
        existing.poller.reconfigure(config);
      } catch (error) {
        skipped.push(`event source mapping ${uuid}: ${String(error)} (kept its previous configuration)`);
      }
      return true;
    }
    // Another function now (its role polls): start again.
    if (existing) await this.stopRun(uuid);

    const { region, account, resource: queueName } = parseArn(queueArn);
    const sqs = new SQSClient({
      region,
      endpoint,
      credentials: () => credentials.forRole(fn.info.roleArn, fn.info.functionName),
    });
    let queueUrl: string;
    let poller: QueueMappingPoller;
    try {
      const { QueueUrl } = await sqs.send(
        new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: account }),
      );
      if (!QueueUrl) throw new Error(`GetQueueUrl gave no URL for ${queueArn}`);
      queueUrl = QueueUrl;
      poller = new QueueMappingPoller(config, {
        receive: async (maxMessages, waitTimeSeconds) =>
          (
            await sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: queueUrl,
                MaxNumberOfMessages: maxMessages,
                WaitTimeSeconds: waitTimeSeconds,
                MessageSystemAttributeNames: ['All'],
                MessageAttributeNames: ['All'],
              }),
            )
          ).Messages ?? [],
        // One batch at a time per mapping (Lambda would scale its pollers up to the function's
        // concurrency): other invocations of the function still run beside it.
        invoke: (event) => {
          invoker.countInvocation();
          return loader.find(functionArn).containers.invoke(event);
        },
        deleteMessages: async (entries) => {
          const { Failed } = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
          return (Failed ?? []).map((entry) => ({
            id: entry.Id ?? '',
            error: `${entry.Code ?? 'Error'}: ${entry.Message ?? ''}`,
          }));
        },
        log: (message, fields) => this.options.log(message, fields),
      });
    } catch (error) {
      sqs.destroy();
      skipped.push(`event source mapping ${uuid}: ${queueArn}: ${String(error)}`);
      return false;
    }
    const run: QueueRun = {
      poller,
      sqs,
      queueUrl,
      receivesStarted: 0,
      lastEmptyReceive: 0,
      probes: 0,
      loop: Promise.resolve(),
    };
    this.runs.set(uuid, run);
    run.loop = this.pollLoop(run);
    this.options.log('queue mapping started', { uuid, functionArn, queueArn });
    return true;
  }

  private async pollLoop(run: QueueRun): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 250;
    while (!this.stopped && this.runs.get(run.poller.config.uuid) === run) {
      run.receivesStarted += 1;
      const receive = run.receivesStarted;
      const wait = run.probes > 0 ? 0 : this.waitTimeSeconds;
      try {
        if (await run.poller.step(wait)) continue;
        run.lastEmptyReceive = receive;
        // A poll that did not wait: pause before the next, as a long poll would have.
        if (wait === 0) await this.pause(run, interval);
      } catch (error) {
        this.options.log('queue mapping poll failed', { uuid: run.poller.config.uuid, error: String(error) });
        // As long as an empty poll would have taken.
        await this.pause(run, this.waitTimeSeconds * 1000);
      }
    }
  }

  private pause(run: QueueRun, ms: number): Promise<void> {
    return new Promise<void>((resolveWait) => {
      const timer = setTimeout(() => {
        run.wake = undefined;
        resolveWait();
      }, ms);
      run.wake = () => {
        clearTimeout(timer);
        run.wake = undefined;
        resolveWait();
      };
    });
  }

  private async runCaughtUp(run: QueueRun, deadline: number): Promise<void> {
    if (await this.queueIsEmpty(run)) return;
    const mark = run.receivesStarted;
    run.probes += 1;
    run.wake?.();
    try {
      while (run.lastEmptyReceive <= mark || run.poller.busy) {
        if (this.runs.get(run.poller.config.uuid) !== run) return;
        if (Date.now() > deadline) throw new Error(`queue mapping ${run.poller.config.uuid} did not catch up in time`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 10));
      }
    } finally {
      run.probes -= 1;
    }
  }

  /**
   * True when the queue has no message visible or in flight and the mapping holds none. Read in
   * that order: a message received meanwhile is either in flight on the queue, or held, or done.
   */
  private async queueIsEmpty(run: QueueRun): Promise<boolean> {
    try {
      const { Attributes } = await run.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: run.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Attributes?.ApproximateNumberOfMessages === '0' &&
        Attributes.ApproximateNumberOfMessagesNotVisible === '0' &&
        !run.poller.busy
      );
    } catch (error) {
      // Then a receive tells.
      this.options.log('queue mapping could not read its queue attributes', {
        uuid: run.poller.config.uuid,
        error: String(error),
      });
      return false;
    }
  }

  private async stopRun(uuid: string): Promise<void> {
    const run = this.runs.get(uuid);
    if (!run) return;
    this.runs.delete(uuid);
    run.wake?.();
    await run.loop;
    run.sqs.destroy();
  }
}
