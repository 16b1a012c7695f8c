import { randomUUID } from 'node:crypto';
import type { EventRouter, Rule } from './event-router';
import { isoSeconds } from './failure-records';
import type { ScheduleRunner } from './schedule-runner';

/**
 * Puts a rule with a ScheduleExpression (already on the router) on the schedule runner: each time
 * it is due (or fired by hand) the router delivers a "Scheduled Event" to its targets, as
 * EventBridge does. Throws when the expression cannot be run here.
 */
export function scheduleRule(
  schedules: ScheduleRunner,
  router: EventRouter,
  rule: Rule & { arn: string; scheduleExpression: string },
): void {
  schedules.add({
    key: rule.arn,
    name: rule.name,
    expression: rule.scheduleExpression,
    fire: (time) =>
      router.fire(rule, {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: rule.account,
        time: isoSeconds(time),
        region: rule.region,
        resources: [rule.arn],
        detail: {},
      }),
  });
}
