import type { DynamoDBStreamsClientConfig } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { SYSTEM_ATTRIBUTES } from '@org-budgets/contracts';
import { createStreamReader, type StreamReader } from '@org-budgets/local-lambda';

/** The key of a budget item. */
export interface ItemKey {
  accountId: string;
  budgetName: string;
}

/** `sync` as the pipeline writes it onto an item. */
export interface ItemSync {
  status: string;
  stage?: string;
  message?: string;
  revision?: string;
  updatedAt?: string;
}

/**
 * A stream record that starts a propagation, as propagate-budget-edits sees it: an insert, a
 * change of anything but `sync`, a deletion, or `sync.status` set to PENDING (a redelivery
 * request, by the reconciler or by hand). Its sequence number is the revision the pipeline
 * reports on.
 */
export interface Propagation {
  kind: 'upsert' | 'remove' | 'redeliver';
  revision: string;
  /** When the watcher read it (epoch ms). */
  seenAt: number;
}

/** A `sync` the watcher saw written (epoch ms of the read). */
export interface SyncObservation extends ItemSync {
  seenAt: number;
}

/** Where an item stands: its latest propagation and the statuses written about it. */
export interface ItemProgress {
  key: ItemKey;
  propagation?: Propagation;
  /** Statuses written for `propagation.revision`, oldest first. */
  statuses: SyncObservation[];
}

/** What the watcher just read about an item: a new propagation, or a status for it. */
export type SyncChange =
  | { kind: 'propagation'; key: ItemKey; propagation: Propagation }
  | { kind: 'status'; key: ItemKey; propagation: Propagation; status: SyncObservation };

export type RecordClass =
  | { kind: 'upsert' | 'remove' | 'redeliver'; revision: string }
  | { kind: 'sync'; revision: string; sync: ItemSync | undefined };

/** Classifies a stream record of the budgets table the way the hub's loop guard does. */
export function classifyRecord(record: DynamoDBRecord): RecordClass | undefined {
  const stream = record.dynamodb;
  const revision = stream?.SequenceNumber;
  if (!revision) return undefined;
  if (record.eventName === 'REMOVE') return { kind: 'remove', revision };
  const newImage = stream?.NewImage;
  if (!newImage) return undefined;
  if (record.eventName === 'INSERT') return { kind: 'upsert', revision };
  const system: readonly string[] = SYSTEM_ATTRIBUTES;
  const withoutSystem = (image: Record<string, AttributeValue> | undefined): string =>
    canonical(Object.fromEntries(Object.entries(image ?? {}).filter(([name]) => !system.includes(name))));
  if (withoutSystem(stream?.OldImage) !== withoutSystem(newImage)) return { kind: 'upsert', revision };
  const status = (image: Record<string, AttributeValue> | undefined) => image?.['sync']?.M?.['status']?.S;
  const sync = (image: Record<string, AttributeValue> | undefined) => canonical(image?.['sync'] ?? null);
  if (status(newImage) === 'PENDING' && sync(stream?.OldImage) !== sync(newImage))
    return { kind: 'redeliver', revision };
  return { kind: 'sync', revision, sync: syncOf(newImage) };
}

/** `sync` of a stream image, as plain values. */
export function syncOf(image: Record<string, AttributeValue> | undefined): ItemSync | undefined {
  const map = image?.['sync']?.M;
  if (!map?.['status']?.S) return undefined;
  const text = (name: string): string | undefined => map[name]?.S ?? map[name]?.N;
  const fields: ItemSync = { status: map['status'].S };
  for (const name of ['stage', 'message', 'revision', 'updatedAt'] as const) {
    const value = text(name);
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export const itemKeyString = (key: ItemKey): string => `${key.accountId}/${key.budgetName}`;

export interface SyncWatcherOptions {
  endpoint: string;
  region: string;
  credentials: DynamoDBStreamsClientConfig['credentials'];
  tableName: string;
  /** How often the stream is read; 50 ms by default. */
  pollIntervalMs?: number;
  /** Reports a failed read (the watcher keeps going); stderr by default. */
  warn?: (message: string) => void;
  /** Reads the stream; a reader of the table's stream from LATEST by default. */
  reader?: StreamReader;
}

export interface WaitForSyncOptions {
  /** Statuses that end the wait for an upsert; APPLIED and REJECTED by default. */
  statuses?: readonly string[];
  /** Only propagations the watcher read at or after this time (epoch ms) count. */
  since?: number;
  timeoutMs?: number;
}

/** How one item's wait ended. */
export interface SyncOutcome {
  key: ItemKey;
  kind: Propagation['kind'];
  revision: string;
  /** The status that ended the wait; `REMOVED` for a deletion. */
  status: string;
  message?: string;
  /** When the propagation and the status were read (epoch ms). */
  propagationSeenAt: number;
  statusSeenAt: number;
}

export class SyncTimeoutError extends Error {
  override readonly name = 'SyncTimeoutError';
  constructor(
    message: string,
    readonly pending: ItemProgress[],
  ) {
    super(message);
  }
}

/**
 * Tails the budgets table's stream (from LATEST) and keeps, for every item, its latest
 * propagation (edit, deletion or redelivery request) and the `sync` statuses written about that
 * revision, each stamped with when it was read: an item's APPLIED is seen within a poll interval
 * of being written, without reading the table.
 */
export class SyncWatcher {
  private readonly progress = new Map<string, ItemProgress>();
  private readonly waiters = new Map<() => void, (reason: Error) => void>();
  private readonly listeners = new Set<(change: SyncChange) => void>();
  private readonly reader: StreamReader;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;
  private failures = 0;

  private constructor(private readonly options: SyncWatcherOptions) {
    this.reader =
      options.reader ??
      createStreamReader({
        endpoint: options.endpoint,
        region: options.region,
        credentials: options.credentials,
        tableName: options.tableName,
        startingPosition: 'LATEST',
      });
  }

  static async start(options: SyncWatcherOptions): Promise<SyncWatcher> {
    const watcher = new SyncWatcher(options);
    await watcher.reader.open();
    watcher.schedule();
    return watcher;
  }

  /** Calls `listener` with every propagation and status read from now on; returns the unsubscribe. */
  onChange(listener: (change: SyncChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Where an item stands; undefined if the watcher has seen nothing of it. */
  item(key: ItemKey): ItemProgress | undefined {
    const found = this.progress.get(itemKeyString(key));
    return found && { ...found, statuses: [...found.statuses] };
  }

  /** Every item the watcher has seen. */
  items(): ItemProgress[] {
    return [...this.progress.values()].map((p) => ({ ...p, statuses: [...p.statuses] }));
  }

  /**
   * Resolves once each item's latest propagation (read at or after `since`) has ended: an upsert
   * or redelivery with one of `statuses` for its revision, a deletion as soon as it is read.
   * Rejects with SyncTimeoutError, naming the items still open, after `timeoutMs` (60 s).
   */
  waitFor(keys: readonly ItemKey[], options: WaitForSyncOptions = {}): Promise<Map<string, SyncOutcome>> {
    const statuses = options.statuses ?? ['APPLIED', 'REJECTED'];
    const since = options.since ?? 0;
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolveWait, rejectWait) => {
      const outcomes = new Map<string, SyncOutcome>();
      const check = (): void => {
        for (const key of keys) {
          const id = itemKeyString(key);
          const progress = this.progress.get(id);
          const propagation = progress?.propagation;
          if (!progress || !propagation || propagation.seenAt < since) {
            outcomes.delete(id);
            continue;
          }
          if (propagation.kind === 'remove') {
            outcomes.set(id, {
              key,
              kind: 'remove',
              revision: propagation.revision,
              status: 'REMOVED',
              propagationSeenAt: propagation.seenAt,
              statusSeenAt: propagation.seenAt,
            });
            continue;
          }
          const ended = progress.statuses.find((s) => statuses.includes(s.status));
          if (ended) {
            outcomes.set(id, {
              key,
              kind: propagation.kind,
              revision: propagation.revision,
              status: ended.status,
              ...(ended.message === undefined ? {} : { message: ended.message }),
              propagationSeenAt: propagation.seenAt,
              statusSeenAt: ended.seenAt,
            });
          } else outcomes.delete(id);
        }
        if (outcomes.size === new Set(keys.map(itemKeyString)).size) {
          finish();
          resolveWait(outcomes);
        }
      };
      const timer = setTimeout(() => {
        finish();
        const pending = keys
          .filter((key) => !outcomes.has(itemKeyString(key)))
          .map((key) => this.item(key) ?? { key, statuses: [] });
        const sample = pending
          .slice(0, 5)
          .map(
            (p) =>
              `${itemKeyString(p.key)}: ${p.propagation ? `revision ${p.propagation.revision}, ${p.statuses.map((s) => s.status).join(' → ') || 'no status yet'}` : 'edit not seen on the stream'}`,
          );
        rejectWait(
          new SyncTimeoutError(
            `${pending.length} of ${keys.length} item(s) did not reach ${statuses.join('/')} within ${timeoutMs} ms: ${sample.join('; ')}${pending.length > 5 ? '; …' : ''}`,
            pending,
          ),
        );
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.set(check, (reason) => {
        finish();
        rejectWait(reason);
      });
      check();
    });
  }

  /** Reads what is new on the stream now (the poll loop does this by itself). */
  async poll(): Promise<void> {
    const next = this.loop.then(() => this.readOnce());
    this.loop = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    this.reader.close();
    for (const cancel of [...this.waiters.values()]) cancel(new Error('the sync watcher was stopped'));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll()
        .catch((error: unknown) => {
          this.failures += 1;
          // One line per streak of failures: a fault test may throttle DynamoDB on purpose.
          if (this.failures === 1) {
            (this.options.warn ?? ((m) => process.stderr.write(`${m}\n`)))(
              `sync watcher: reading the stream failed (retrying): ${String(error)}`,
            );
          }
        })
        .finally(() => this.schedule());
    }, this.options.pollIntervalMs ?? 50);
  }

  private async readOnce(): Promise<void> {
    if (this.stopped) return;
    const records = await this.reader.readAvailable();
    this.failures = 0;
    if (records.length === 0) return;
    const seenAt = Date.now();
    for (const record of records) this.observe(record, seenAt);
    for (const check of [...this.waiters.keys()]) check();
  }

  /** Takes one stream record into account (exposed for tests). */
  observe(record: DynamoDBRecord, seenAt: number): void {
    const keys = record.dynamodb?.Keys;
    const accountId = keys?.['accountId']?.S;
    const budgetName = keys?.['budgetName']?.S;
    const classified = classifyRecord(record);
    if (accountId === undefined || budgetName === undefined || !classified) return;
    const id = itemKeyString({ accountId, budgetName });
    const progress = this.progress.get(id) ?? { key: { accountId, budgetName }, statuses: [] };
    this.progress.set(id, progress);
    if (classified.kind === 'sync') {
      const { sync } = classified;
      if (sync && progress.propagation && sync.revision === progress.propagation.revision) {
        const status = { ...sync, seenAt };
        progress.statuses.push(status);
        this.emit({ kind: 'status', key: progress.key, propagation: progress.propagation, status });
      }
      return;
    }
    progress.propagation = { kind: classified.kind, revision: classified.revision, seenAt };
    progress.statuses = [];
    this.emit({ kind: 'propagation', key: progress.key, propagation: progress.propagation });
  }

  private emit(change: SyncChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        process.stderr.write(`sync watcher: a listener failed: ${String(error)}\n`);
      }
    }
  }
}
