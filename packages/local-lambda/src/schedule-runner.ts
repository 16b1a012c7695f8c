import { nextFireTime, parseScheduleExpression, type Schedule } from './schedule-expression';

export interface ScheduledRule {
  /** Unique, e.g. the rule's ARN. */
  key: string;
  name: string;
  expression: string;
  /** Called at each scheduled time (with that time), or by `fireNow` (with the time it was called). */
  fire: (time: Date) => void;
}

interface Entry {
  rule: ScheduledRule;
  schedule: Schedule;
  next: Date;
  timer?: NodeJS.Timeout;
  fired: number;
}

export interface ScheduleRunnerOptions {
  /** Run timers; with false the rules fire only through `fireNow`. True by default. */
  timers?: boolean;
  now?: () => Date;
  /**
   * Spread rate(…) rules over their period: the first firing comes `ratePhaseMs(key, period)`
   * after the rule is added, not one whole period after (see LocalLambdaRuntimeOptions.spreadRateSchedules).
   * False by default.
   */
  spreadRates?: boolean;
}

/** setTimeout takes at most this many milliseconds. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * When a rate rule added now first fires when rate rules are spread: a phase in (0, period] ms
 * fixed by the rule's key (FNV-1a of it, modulo the period), so that rules added together (every
 * spoke's guardian schedule, deployed at once) fire spread evenly over their period rather than
 * all at the same instant, and a rule keeps its phase from run to run.
 */
export function ratePhaseMs(key: string, periodMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % periodMs) + 1;
}

/**
 * Fires scheduled rules on time: rate(…) every period from when the rule was added (as a new
 * rule on AWS; with `spreadRates`, first after the rule's phase, ratePhaseMs), cron(…) at each
 * matching UTC minute. Timers do not keep the process alive.
 */
export class ScheduleRunner {
  private readonly entries = new Map<string, Entry>();
  private readonly timers: boolean;
  private readonly now: () => Date;
  private readonly spreadRates: boolean;

  constructor(options: ScheduleRunnerOptions = {}) {
    this.timers = options.timers ?? true;
    this.now = options.now ?? (() => new Date());
    this.spreadRates = options.spreadRates ?? false;
  }

  /** Adds (or replaces) a rule; throws InvalidScheduleExpressionError for a bad expression. */
  add(rule: ScheduledRule): void {
    const schedule = parseScheduleExpression(rule.expression);
    this.remove(rule.key);
    const now = this.now();
    const next =
      this.spreadRates && schedule.kind === 'rate'
        ? new Date(now.getTime() + ratePhaseMs(rule.key, schedule.everyMs))
        : nextFireTime(schedule, now);
    const entry: Entry = { rule, schedule, next, fired: 0 };
    this.entries.set(rule.key, entry);
    this.arm(entry);
  }

  remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.timer) clearTimeout(entry.timer);
    this.entries.delete(key);
  }

  /** The rules and when each fires next. */
  list(): { key: string; name: string; expression: string; next: Date; fired: number }[] {
    return [...this.entries.values()].map((e) => ({
      key: e.rule.key,
      name: e.rule.name,
      expression: e.rule.expression,
      next: e.next,
      fired: e.fired,
    }));
  }

  /**
   * Fires the rules whose key or name is `keyOrName` (or that contain it, for a rule name that
   * CloudFormation suffixed) now. Returns how many fired.
   */
  fireNow(keyOrName: string): number {
    let exact = [...this.entries.values()].filter((e) => e.rule.key === keyOrName || e.rule.name === keyOrName);
    if (exact.length === 0) exact = [...this.entries.values()].filter((e) => e.rule.name.includes(keyOrName));
    for (const entry of exact) {
      entry.fired += 1;
      entry.rule.fire(this.now());
    }
    return exact.length;
  }

  stop(): void {
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private arm(entry: Entry): void {
    if (!this.timers) return;
    const delay = Math.max(0, Math.min(MAX_TIMEOUT_MS, entry.next.getTime() - this.now().getTime()));
    entry.timer = setTimeout(() => this.onTimer(entry), delay);
    entry.timer.unref();
  }

  private onTimer(entry: Entry): void {
    if (this.entries.get(entry.rule.key) !== entry) return;
    const now = this.now();
    if (now.getTime() >= entry.next.getTime()) {
      const time = entry.next;
      entry.fired += 1;
      entry.next = nextFireTime(entry.schedule, entry.schedule.kind === 'rate' ? time : now);
      // A rate schedule that fell behind (a suspended machine) fires once, then keeps its rhythm from now.
      if (entry.next.getTime() <= now.getTime()) entry.next = nextFireTime(entry.schedule, now);
      entry.rule.fire(time);
    }
    this.arm(entry);
  }
}
