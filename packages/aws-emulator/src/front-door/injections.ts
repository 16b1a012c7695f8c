import type { CallInfo } from '../aws-call';
import {
  matchesBody,
  matchesTarget,
  parseFaultRules,
  parseLatencyRules,
  pickDelayMs,
  type FaultRule,
  type LatencyRule,
} from '../injection-rules';

export const LATENCY_ENV = 'ORG_BUDGETS_FRONT_DOOR_LATENCY';
export const FAULTS_ENV = 'ORG_BUDGETS_FRONT_DOOR_FAULTS';

interface ActiveFault {
  rule: FaultRule;
  fired: number;
}

/** The latency and fault rules in force, and how often each fault rule has fired. */
export class Injections {
  private latency: LatencyRule[];
  private faults: ActiveFault[];

  /** Rules given, else JSON from the environment (LATENCY_ENV, FAULTS_ENV), else none. */
  constructor(initial: { latency?: LatencyRule[]; faults?: FaultRule[] }, env: NodeJS.ProcessEnv) {
    this.latency = initial.latency ?? readEnvRules(env, LATENCY_ENV, parseLatencyRules);
    this.faults = toActiveFaults(initial.faults ?? readEnvRules(env, FAULTS_ENV, parseFaultRules));
  }

  /** Replaces the latency rules; returns how many there are now. */
  setLatency(rules: readonly LatencyRule[]): number {
    this.latency = [...rules];
    return this.latency.length;
  }

  /** Replaces the fault rules (and their `times` counters); returns how many there are now. */
  setFaults(rules: readonly FaultRule[]): number {
    this.faults = toActiveFaults(rules);
    return this.faults.length;
  }

  /** Removes all latency and fault rules. */
  clear(): void {
    this.latency = [];
    this.faults = [];
  }

  /** The delay in ms the latency rules give the call (0 for none). */
  delayFor(call: CallInfo): number {
    return pickDelayMs(this.latency, call);
  }

  /** The error of the first fault rule that fires for the call (counted as fired), if any. */
  faultFor(call: CallInfo): FaultRule['error'] | undefined {
    for (const fault of this.faults) {
      const { rule } = fault;
      if (rule.times !== undefined && fault.fired >= rule.times) continue;
      if (!matchesTarget(rule, call) || !matchesBody(rule.matchBody, call.body)) continue;
      if (rule.match && !rule.match(call)) continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      fault.fired++;
      return rule.error;
    }
    return undefined;
  }
}

function toActiveFaults(rules: readonly FaultRule[]): ActiveFault[] {
  return rules.map((rule) => ({ rule, fired: 0 }));
}

function readEnvRules<T>(env: NodeJS.ProcessEnv, name: string, parse: (value: unknown, source: string) => T[]): T[] {
  const text = env[name];
  if (text === undefined || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parse(value, name);
}
