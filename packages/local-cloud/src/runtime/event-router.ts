import { randomUUID } from 'node:crypto';
import { matchesEventPattern, parseEventPattern, type EventPattern } from '../event-pattern';

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export type RuleTarget =
  /** A function: invoked asynchronously, with Lambda's retries for asynchronous events. */
  | { kind: 'function'; id: string; invoke: (event: BusEvent) => Promise<unknown>; maxRetries?: number }
  /** Another event bus (also in another account): the event goes on as it is, `account` kept. */
  | { kind: 'bus'; id: string; account: string; region: string; busName: string };

export interface Rule {
  name: string;
  account: string;
  region: string;
  busName: string;
  pattern: EventPattern;
  targets: RuleTarget[];
}

export interface DeadLetter {
  rule: string;
  target: string;
  event: BusEvent;
  error: string;
  attempts: number;
}

export interface Delivery {
  rule: string;
  target: string;
  eventId: string;
  attempts: number;
  ok: boolean;
}

/**
 * The EventBridge data plane of the local cloud: puts events on buses, matches them against the
 * rules of that bus, and delivers them to the rules' targets as AWS would, keeping the sending
 * account on events forwarded to another account's bus. Failed function invocations are
 * retried (Lambda's asynchronous retries, two by default) and then kept as dead letters: never
 * dropped silently.
 */
export class EventRouter {
  private readonly rules: Rule[] = [];
  readonly deadLetters: DeadLetter[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  addRule(rule: Omit<Rule, 'pattern'> & { pattern: EventPattern | string | object }): void {
    this.rules.push({ ...rule, pattern: parseEventPattern(rule.pattern) });
  }

  removeRules(predicate: (rule: Rule) => boolean): void {
    for (let i = this.rules.length - 1; i >= 0; i -= 1) if (predicate(this.rules[i] as Rule)) this.rules.splice(i, 1);
  }

  /** Builds an event as PutEvents would from an entry sent by `account`. */
  static eventFromEntry(
    account: string,
    region: string,
    entry: { Source: string; DetailType: string; Detail: string; Resources?: string[]; Time?: string },
  ): BusEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account,
      time: entry.Time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail) as unknown,
    };
  }

  /** Puts an event on a bus; deliveries run in the background (see `settled`). */
  put(busAccount: string, region: string, busName: string, event: BusEvent): void {
    for (const rule of this.rules) {
      if (rule.account !== busAccount || rule.region !== region || rule.busName !== busName) continue;
      if (!matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) this.track(this.deliver(rule, target, event));
    }
  }

  /** Resolves when every delivery started so far (and those they started) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(delivery: Promise<void>): void {
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  private async deliver(rule: Rule, target: RuleTarget, event: BusEvent): Promise<void> {
    if (target.kind === 'bus') {
      this.deliveries.push({ rule: rule.name, target: target.id, eventId: event.id, attempts: 1, ok: true });
      this.put(target.account, target.region, target.busName, event);
      return;
    }
    const attempts = 1 + (target.maxRetries ?? 2);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        await target.invoke(event);
        this.deliveries.push({ rule: rule.name, target: target.id, eventId: event.id, attempts: attempt, ok: true });
        return;
      } catch (error) {
        lastError = error;
      }
    }
    this.deliveries.push({ rule: rule.name, target: target.id, eventId: event.id, attempts, ok: false });
    this.deadLetters.push({
      rule: rule.name,
      target: target.id,
      event,
      error: lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
      attempts,
    });
  }
}
