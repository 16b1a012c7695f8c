import { matchesEventPattern, parseEventPattern, type EventPattern } from '@org-budgets/aws-emulator';

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

/** What a target does when a delivery finally fails: e.g. send the event to the target's SQS dead-letter queue. */
export type DeadLetterHandler = (letter: DeadLetter) => Promise<void>;

/** How often, and for how long, a failed delivery is tried again (a target's RetryPolicy). */
export interface TargetRetry {
  /** Retries after the first attempt; for function targets 2 when left out (see RuleTarget). */
  maxRetries?: number;
  /** Events older than this are not tried again (MaximumEventAgeInSeconds). */
  maxEventAgeSeconds?: number;
  /** Called once a delivery has failed for good (the target's DeadLetterConfig); the letter is kept in `deadLetters` too. */
  deadLetter?: DeadLetterHandler;
}

export type RuleTarget =
  /**
   * A function. With the local Lambda runtime `invoke` hands the event over for an asynchronous
   * invocation (which has its own retries, see LocalLambdaRuntime), so only a refused hand-over is
   * retried here. A plain `invoke` that runs the function is retried twice by default, as Lambda
   * retries asynchronous events.
   */
  | ({ kind: 'function'; id: string; arn?: string; invoke: (event: BusEvent) => Promise<unknown> } & TargetRetry)
  /** A queue or any other target that takes the event as it is (SQS SendMessage...). */
  | ({ kind: 'send'; id: string; arn?: string; send: (event: BusEvent) => Promise<void> } & TargetRetry)
  /** Another event bus (also in another account): the event goes on as it is, `account` kept. */
  | { kind: 'bus'; id: string; arn?: string; account: string; region: string; busName: string };

export interface Rule {
  name: string;
  /** Who added the rule, e.g. `deployed` for the local runtime's rules read from EventBridge. */
  origin?: string;
  arn?: string;
  account: string;
  region: string;
  busName: string;
  /** Events on the bus that match it go to the targets; a rule with only a schedule has none. */
  pattern?: EventPattern;
  /** rate(…) or cron(…): the rule fires on time (see ScheduleRunner), never on bus events. */
  scheduleExpression?: string;
  targets: RuleTarget[];
}

export type RuleInput = Omit<Rule, 'pattern'> & { pattern?: EventPattern | string | object };

export interface DeadLetter {
  rule: string;
  ruleArn?: string;
  target: string;
  targetArn?: string;
  event: BusEvent;
  error: string;
  attempts: number;
  /** Which limit ended the retries: MaximumRetryAttempts or MaximumEventAgeInSeconds. */
  condition: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';
  /** Why the dead-letter handler (the DLQ) could not take it, if it failed too. */
  deadLetterError?: string;
}

export interface Delivery {
  rule: string;
  target: string;
  eventId: string;
  attempts: number;
  ok: boolean;
}

export interface EventRouterOptions {
  /** Wait before retry number `retry` (1-based); none by default. EventBridge backs off up to minutes. */
  retryDelayMs?: (retry: number) => number;
  /** The clock, for event ages. */
  now?: () => number;
}

const DEFAULT_FUNCTION_RETRIES = 2;
/** EventBridge's default RetryPolicy: 185 retries, 24 hours. */
const DEFAULT_TARGET_RETRIES = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;

/**
 * The EventBridge data plane of the local cloud: puts events on buses, matches them against the
 * rules of that bus, and delivers them to the rules' targets as AWS would, keeping the sending
 * account on events forwarded to another account's bus. Failed deliveries are retried (the
 * target's retry policy) and then handed to the target's dead-letter handler and kept in
 * `deadLetters`: never dropped silently.
 */
export class EventRouter {
  private readonly rules: Rule[] = [];
  readonly deadLetters: DeadLetter[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly retryDelayMs: (retry: number) => number;
  private readonly now: () => number;

  constructor(options: EventRouterOptions = {}) {
    this.retryDelayMs = options.retryDelayMs ?? (() => 0);
    this.now = options.now ?? Date.now;
  }

  addRule(rule: RuleInput): void {
    const { pattern, ...rest } = rule;
    if (pattern === undefined && rule.scheduleExpression === undefined) {
      throw new Error(`EventRouter: rule ${rule.name} has neither an event pattern nor a schedule expression`);
    }
    this.rules.push({ ...rest, ...(pattern === undefined ? {} : { pattern: parseEventPattern(pattern) }) });
  }

  removeRules(predicate: (rule: Rule) => boolean): void {
    for (let i = this.rules.length - 1; i >= 0; i -= 1) if (predicate(this.rules[i] as Rule)) this.rules.splice(i, 1);
  }

  /** The rules registered now (copies of the list, the rules themselves are shared). */
  listRules(): Rule[] {
    return [...this.rules];
  }

  /**
   * Puts an event on a bus; deliveries run in the background (see `settled`). Returns how many
   * rules matched.
   */
  put(busAccount: string, region: string, busName: string, event: BusEvent): number {
    let matched = 0;
    for (const rule of this.rules) {
      if (rule.account !== busAccount || rule.region !== region || rule.busName !== busName) continue;
      if (rule.pattern === undefined || !matchesEventPattern(rule.pattern, event)) continue;
      matched += 1;
      for (const target of rule.targets) this.track(this.deliver(rule, target, event));
    }
    return matched;
  }

  /** Delivers `event` to every target of `rule` as a scheduled rule does when it fires. */
  fire(rule: Rule, event: BusEvent): void {
    for (const target of rule.targets) this.track(this.deliver(rule, target, event));
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
    const attempt = target.kind === 'function' ? () => target.invoke(event) : () => target.send(event);
    const maxRetries =
      target.maxRetries ?? (target.kind === 'function' ? DEFAULT_FUNCTION_RETRIES : DEFAULT_TARGET_RETRIES);
    const maxAgeMs = (target.maxEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    const firstAttemptAt = this.now();
    let lastError: unknown;
    let attempts = 0;
    let condition: DeadLetter['condition'] = 'MaximumRetryAttempts';
    for (;;) {
      attempts += 1;
      try {
        await attempt();
        this.deliveries.push({ rule: rule.name, target: target.id, eventId: event.id, attempts, ok: true });
        return;
      } catch (error) {
        lastError = error;
      }
      if (attempts > maxRetries) break;
      const delay = this.retryDelayMs(attempts);
      if (this.now() + delay - firstAttemptAt > maxAgeMs) {
        condition = 'MaximumEventAgeInSeconds';
        break;
      }
      if (delay > 0) await new Promise((resolveDelay) => setTimeout(resolveDelay, delay));
    }
    this.deliveries.push({ rule: rule.name, target: target.id, eventId: event.id, attempts, ok: false });
    const letter: DeadLetter = {
      rule: rule.name,
      ...(rule.arn === undefined ? {} : { ruleArn: rule.arn }),
      target: target.id,
      ...(target.arn === undefined ? {} : { targetArn: target.arn }),
      event,
      error: lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
      attempts,
      condition,
    };
    this.deadLetters.push(letter);
    if (target.deadLetter) {
      try {
        await target.deadLetter(letter);
      } catch (error) {
        letter.deadLetterError = error instanceof Error ? error.message : String(error);
      }
    }
  }
}
