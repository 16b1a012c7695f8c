/** An event as AWS services put it on an account's default EventBridge bus. */
export interface EmittedEvent<TDetail = Record<string, unknown>> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 in UTC without milliseconds, as EventBridge writes it: 2026-11-23T10:00:00Z. */
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
}

/** Gets each event; may be async. A listener that throws or rejects is logged, never stops delivery. */
export type EventListener = (event: EmittedEvent) => void | Promise<void>;

export interface LocalEventBusOptions {
  /** Where listener failures go; stderr by default. */
  reportListenerError?: (error: unknown, event: EmittedEvent) => void;
}

/**
 * Keeps the log of emitted events and hands each one to the listeners, asynchronously (never on
 * the emitter's stack) and each listener its own copy.
 */
export class LocalEventBus {
  private readonly listeners = new Set<EventListener>();
  private log: EmittedEvent[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly reportListenerError: (error: unknown, event: EmittedEvent) => void;

  constructor(options: LocalEventBusOptions = {}) {
    this.reportListenerError = options.reportListenerError ?? writeListenerErrorToStderr;
  }

  /** Adds a listener; returns the function that removes it again. */
  onEvent(listener: EventListener): () => void {
    // A wrapper per subscription, so that the same function subscribed twice is called twice.
    const subscription: EventListener = (event) => listener(event);
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
    };
  }

  /** Logs the event and delivers it to the listeners subscribed now, on a later turn of the event loop. */
  emit(event: EmittedEvent): void {
    const logged = structuredClone(event);
    this.log.push(logged);
    const listeners = [...this.listeners];
    void this.track(
      new Promise<void>((resolveDelivery) => {
        setImmediate(() => {
          const deliveries = listeners.map((listener) => this.deliver(listener, logged));
          void Promise.all(deliveries).then(() => resolveDelivery());
        });
      }),
    );
  }

  /** Copies of every event emitted so far, oldest first. */
  events(): EmittedEvent[] {
    return this.log.map((event) => structuredClone(event));
  }

  clear(): void {
    this.log = [];
  }

  /**
   * Counts `work` (e.g. looking up what an event needs) as pending until it settles, so that
   * `settled()` waits for it too.
   */
  track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    // The caller handles `work`'s rejection; the tracked copy must not become unhandled.
    tracked.catch(() => undefined);
    return tracked;
  }

  /** Resolves once all tracked work and the delivery of every event emitted so far have finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  private async deliver(listener: EventListener, event: EmittedEvent): Promise<void> {
    try {
      await listener(structuredClone(event));
    } catch (error) {
      try {
        this.reportListenerError(error, event);
      } catch {
        // Reporting must not break delivery either.
      }
    }
  }
}

function writeListenerErrorToStderr(error: unknown, event: EmittedEvent): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(
    `front door: an event listener failed on event ${event.id} (${event.source} ${event['detail-type']}): ${detail}\n`,
  );
}

/** EventBridge's time format: ISO 8601 UTC, seconds precision. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
