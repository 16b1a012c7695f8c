import { randomUUID } from 'node:crypto';
import type { EmittedEvent } from './event-bus';
import {
  namesToBeDeleted,
  ParameterCatalog,
  parameterChangesOf,
  parameterStoreChangeEvent,
  type ParameterFacts,
} from './parameter-store-change';

/** One SSM parameter call as the front door saw it. */
export interface ParameterCall {
  /** Account the caller's credentials act in. */
  accountId: string;
  region: string;
  /** PutParameter, DeleteParameter or DeleteParameters. */
  operation: string;
  /** The parsed JSON request. */
  request: unknown;
}

/** Reads type and description of parameters as the backend (moto) has them now; absent names are left out. */
export type ParameterLookup = (names: string[]) => Promise<Map<string, ParameterFacts>>;

export interface ParameterChangeObserverOptions {
  emit: (event: EmittedEvent) => void;
  now?: () => Date;
  newId?: () => string;
  /** Problems that do not stop an event (a failed lookup); stderr by default. */
  warn?: (message: string) => void;
}

/**
 * Turns successful SSM parameter calls into Parameter Store Change events. The type and
 * description a deletion reports come from what it saw earlier, else from a lookup made before
 * the deletion is forwarded; an overwrite that names neither is looked up after it succeeded.
 */
export class ParameterChangeObserver {
  private readonly catalog = new ParameterCatalog();
  private readonly emit: (event: EmittedEvent) => void;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly warn: (message: string) => void;

  constructor(options: ParameterChangeObserverOptions) {
    this.emit = options.emit;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.warn = options.warn ?? ((message) => process.stderr.write(`front door: ${message}\n`));
  }

  /**
   * Before a deletion is forwarded: looks up the parameters it names that were not seen yet, so that
   * their event can tell type and description. Resolves without a lookup when all are known.
   */
  async beforeForward(call: ParameterCall, lookup: ParameterLookup): Promise<void> {
    const unknown = namesToBeDeleted(call.operation, call.request).filter(
      (name) => this.catalog.get(call.accountId, call.region, name) === undefined,
    );
    if (unknown.length === 0) return;
    for (const [name, facts] of await this.safeLookup(lookup, unknown, call)) {
      this.catalog.remember(call.accountId, call.region, name, facts);
    }
  }

  /** After the backend answered the call with success (and the caller has the answer): emits its events. */
  async afterSuccess(call: ParameterCall, response: unknown, lookup: ParameterLookup): Promise<EmittedEvent[]> {
    const { accountId, region } = call;
    const changes = parameterChangesOf(call.operation, call.request, response, (name) =>
      this.catalog.get(accountId, region, name),
    );
    const incomplete = changes.filter(
      (change) => change.operation !== 'Delete' && (change.type === undefined || change.description === undefined),
    );
    const looked =
      incomplete.length === 0
        ? new Map<string, ParameterFacts>()
        : await this.safeLookup(
            lookup,
            incomplete.map((c) => c.name),
            call,
          );

    const events: EmittedEvent[] = [];
    for (const change of changes) {
      const found = looked.get(change.name);
      const type = change.type ?? found?.type;
      const description = change.description ?? found?.description ?? '';
      if (type === undefined) {
        this.warn(
          `the type of parameter ${change.name} (${accountId}, ${region}) is unknown; its ${change.operation} event says String`,
        );
      }
      const detail = { operation: change.operation, name: change.name, type: type ?? 'String', description };
      if (change.operation === 'Delete') this.catalog.forget(accountId, region, change.name);
      else this.catalog.remember(accountId, region, change.name, { type: detail.type, description });
      const event = parameterStoreChangeEvent({ detail, accountId, region, id: this.newId(), time: this.now() });
      events.push(event);
      this.emit(event);
    }
    return events;
  }

  /** Forgets what it learned about parameters (after the backend was reset). */
  clear(): void {
    this.catalog.clear();
  }

  private async safeLookup(
    lookup: ParameterLookup,
    names: string[],
    call: ParameterCall,
  ): Promise<Map<string, ParameterFacts>> {
    try {
      return await lookup(names);
    } catch (error) {
      this.warn(
        `looking up parameters ${names.join(', ')} (${call.accountId}, ${call.region}) for their change events failed: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return new Map();
    }
  }
}
