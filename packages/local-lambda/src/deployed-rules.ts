import {
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule as SdkRule,
  type Target as SdkTarget,
} from '@aws-sdk/client-eventbridge';
import { parseArn, type AccountCredentials } from './account-credentials';
import { DestinationSender } from './destinations';
import type { BusEvent, DeadLetter, EventRouter, Rule, RuleTarget } from './event-router';
import type { Invoker } from './invoker';
import type { ScheduleRunner } from './schedule-runner';
import { scheduleRule } from './scheduled-rules';

/** The origin of the rules the runtime reads from EventBridge (others on its router are left alone). */
const DEPLOYED = 'deployed';

export interface DeployedRulesOptions {
  /** Where the rules are read. */
  endpoint: string;
  region: string;
  credentials: AccountCredentials;
  router: EventRouter;
  schedules: ScheduleRunner;
  /** Invokes the rules' Lambda targets (asynchronously, as EventBridge does). */
  invoker: Invoker;
  /** Delivers the rules' SQS and SNS targets and dead letters. */
  destinations: DestinationSender;
}

/**
 * The EventBridge rules deployed in the accounts, on the runtime's router: event patterns with
 * their targets (functions, buses, queues and topics, with retry policy and dead-letter queue),
 * and schedules on the schedule runner.
 */
export class DeployedRules {
  constructor(private readonly options: DeployedRulesOptions) {}

  /**
   * Replaces the deployed rules (and schedules) with the accounts' rules as they are now. What
   * cannot run here is added to `skipped`.
   */
  async refresh(accounts: readonly string[], skipped: string[]): Promise<void> {
    this.options.router.removeRules((rule) => rule.origin === DEPLOYED);
    this.options.schedules.stop();
    for (const account of accounts) await this.loadRules(account, skipped);
  }

  private async loadRules(account: string, skipped: string[]): Promise<void> {
    const events = new EventBridgeClient({
      region: this.options.region,
      endpoint: this.options.endpoint,
      credentials: () => this.options.credentials.forAccount(account),
    });
    try {
      const buses = await allPages(async (NextToken) => {
        const page = await events.send(new ListEventBusesCommand({ NextToken }));
        return { items: (page.EventBuses ?? []).flatMap((bus) => (bus.Name ? [bus.Name] : [])), next: page.NextToken };
      });
      for (const busName of buses) {
        const rules: SdkRule[] = await allPages(async (NextToken) => {
          const page = await events.send(new ListRulesCommand({ EventBusName: busName, NextToken }));
          return { items: page.Rules ?? [], next: page.NextToken };
        });
        for (const rule of rules) {
          if (!rule.Name || rule.State === 'DISABLED') continue;
          const ruleName = rule.Name;
          const targets: SdkTarget[] = await allPages(async (NextToken) => {
            const page = await events.send(
              new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName, NextToken }),
            );
            return { items: page.Targets ?? [], next: page.NextToken };
          });
          this.addRule(account, busName, rule, targets, skipped);
        }
      }
    } finally {
      events.destroy();
    }
  }

  private addRule(account: string, busName: string, rule: SdkRule, targets: SdkTarget[], skipped: string[]): void {
    const { region, router, schedules } = this.options;
    const name = rule.Name as string;
    const arn =
      rule.Arn ?? `arn:aws:events:${region}:${account}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
    const routed: Rule = {
      name,
      origin: DEPLOYED,
      arn,
      account,
      region,
      busName,
      targets: targets.flatMap((target) => this.ruleTarget(arn, target, skipped)),
    };
    if (rule.EventPattern) {
      router.addRule({ ...routed, pattern: rule.EventPattern });
    }
    if (rule.ScheduleExpression) {
      const scheduled = { ...routed, arn, scheduleExpression: rule.ScheduleExpression };
      router.addRule(scheduled);
      try {
        scheduleRule(schedules, router, scheduled);
      } catch (error) {
        skipped.push(`rule ${name}: ${(error as Error).message}`);
      }
    }
  }

  private ruleTarget(ruleArn: string, target: SdkTarget, skipped: string[]): RuleTarget[] {
    const { invoker, destinations } = this.options;
    const id = target.Id ?? '';
    const arn = target.Arn ?? '';
    const retry = {
      maxRetries: target.RetryPolicy?.MaximumRetryAttempts ?? 185,
      maxEventAgeSeconds: target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400,
      ...(target.DeadLetterConfig?.Arn ? { deadLetter: this.deadLetterHandler(target.DeadLetterConfig.Arn) } : {}),
    };
    if (target.InputTransformer || target.InputPath) {
      skipped.push(
        `rule target ${ruleArn} ${id}: InputPath/InputTransformer are not applied locally (the whole event is sent)`,
      );
    }
    const input = target.Input === undefined ? undefined : (JSON.parse(target.Input) as unknown);
    const payload = (event: BusEvent): unknown => input ?? event;
    let service: string;
    try {
      service = parseArn(arn).service;
    } catch {
      skipped.push(`rule target ${ruleArn} ${id}: ${arn} is not an ARN`);
      return [];
    }
    if (service === 'lambda') {
      return [{ kind: 'function', id, arn, invoke: (event) => invoker.invokeAsync(arn, payload(event)), ...retry }];
    }
    if (service === 'events' && arn.includes(':event-bus/')) {
      const { account, region, resource } = parseArn(arn);
      return [{ kind: 'bus', id, arn, account, region, busName: resource.replace(/^event-bus\//, '') }];
    }
    if (DestinationSender.supports(arn)) {
      return [
        {
          kind: 'send',
          id,
          arn,
          send: (event) => destinations.send(arn, { body: JSON.stringify(payload(event)) }),
          ...retry,
        },
      ];
    }
    skipped.push(`rule target ${ruleArn} ${id}: ${service} targets are not delivered locally (${arn})`);
    return [];
  }

  /** EventBridge's dead-letter message: the event, with attributes that say why. */
  private deadLetterHandler(queueArn: string): (letter: DeadLetter) => Promise<void> {
    return (letter) =>
      this.options.destinations.send(queueArn, {
        body: JSON.stringify(letter.event),
        attributes: {
          RULE_ARN: letter.ruleArn ?? letter.rule,
          TARGET_ARN: letter.targetArn ?? letter.target,
          ERROR_CODE: letter.error.split(':')[0] ?? 'Error',
          ERROR_MESSAGE: letter.error,
          EXHAUSTED_RETRY_CONDITION: letter.condition,
          RETRY_ATTEMPTS: String(letter.attempts - 1),
        },
      });
  }
}

async function allPages<T>(
  read: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await read(token);
    out.push(...items);
    token = next || undefined;
  } while (token !== undefined);
  return out;
}
