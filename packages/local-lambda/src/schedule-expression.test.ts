import {
  InvalidScheduleExpressionError,
  nextFireTime,
  parseAtExpression,
  parseScheduleExpression,
} from './schedule-expression';
import { ratePhaseMs, ScheduleRunner } from './schedule-runner';

/** The next `count` fire times after `after`, as ISO strings. */
function fireTimes(expression: string, after: string, count = 3): string[] {
  const schedule = parseScheduleExpression(expression);
  const out: string[] = [];
  let at = new Date(after);
  for (let i = 0; i < count; i += 1) {
    at = nextFireTime(schedule, at);
    out.push(at.toISOString());
  }
  return out;
}

describe('schedule expressions', () => {
  it('rate(): every period, with the unit singular for 1 and plural otherwise', () => {
    expect(fireTimes('rate(1 hour)', '2026-11-23T10:17:00Z', 2)).toEqual([
      '2026-11-23T11:17:00.000Z',
      '2026-11-23T12:17:00.000Z',
    ]);
    expect(fireTimes('rate(5 minutes)', '2026-11-23T10:00:00Z', 1)).toEqual(['2026-11-23T10:05:00.000Z']);
    expect(fireTimes('rate(2 days)', '2026-11-23T10:00:00Z', 1)).toEqual(['2026-11-25T10:00:00.000Z']);
    expect(() => parseScheduleExpression('rate(1 hours)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('rate(5 minute)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('rate(0 minutes)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('rate(1 week)')).toThrow(InvalidScheduleExpressionError);
  });

  // The examples of the EventBridge user guide ("Cron expressions"), all UTC.
  it.each([
    ['cron(0 10 * * ? *)', '2026-11-23T10:00:00Z', ['2026-11-24T10:00:00.000Z', '2026-11-25T10:00:00.000Z']],
    ['cron(15 12 * * ? *)', '2026-11-23T00:00:00Z', ['2026-11-23T12:15:00.000Z', '2026-11-24T12:15:00.000Z']],
    // 2026-11-27 is a Friday.
    ['cron(0 18 ? * MON-FRI *)', '2026-11-27T18:30:00Z', ['2026-11-30T18:00:00.000Z', '2026-12-01T18:00:00.000Z']],
    ['cron(0 8 1 * ? *)', '2026-11-23T00:00:00Z', ['2026-12-01T08:00:00.000Z', '2027-01-01T08:00:00.000Z']],
    ['cron(0/15 * * * ? *)', '2026-11-23T10:07:00Z', ['2026-11-23T10:15:00.000Z', '2026-11-23T10:30:00.000Z']],
    ['cron(0/10 * ? * MON-FRI *)', '2026-11-28T00:00:00Z', ['2026-11-30T00:00:00.000Z', '2026-11-30T00:10:00.000Z']],
    ['cron(0/5 8-17 ? * MON-FRI *)', '2026-11-23T17:56:00Z', ['2026-11-24T08:00:00.000Z', '2026-11-24T08:05:00.000Z']],
    // First Monday of the month.
    ['cron(0 9 ? * 2#1 *)', '2026-11-23T00:00:00Z', ['2026-12-07T09:00:00.000Z', '2027-01-04T09:00:00.000Z']],
    ['cron(0 0 L * ? *)', '2026-11-23T00:00:00Z', ['2026-11-30T00:00:00.000Z', '2026-12-31T00:00:00.000Z']],
    // The weekday nearest the 1st of August 2026 (a Saturday) is Monday the 3rd.
    ['cron(0 12 1W 8 ? 2026)', '2026-01-01T00:00:00Z', ['2026-08-03T12:00:00.000Z']],
    // The last Friday of the month.
    ['cron(30 6 ? * 6L *)', '2026-11-01T00:00:00Z', ['2026-11-27T06:30:00.000Z', '2026-12-25T06:30:00.000Z']],
  ])('%s', (expression, after, expected) => {
    expect(fireTimes(expression, after, expected.length)).toEqual(expected);
  });

  it('refuses cron expressions EventBridge refuses', () => {
    expect(() => parseScheduleExpression('cron(0 10 * * * *)')).toThrow(/exactly one of day-of-month and day-of-week/);
    expect(() => parseScheduleExpression('cron(0 10 * *)')).toThrow(/6 fields/);
    expect(() => parseScheduleExpression('cron(60 10 * * ? *)')).toThrow(/minutes/);
    expect(() => parseScheduleExpression('every hour')).toThrow(InvalidScheduleExpressionError);
  });
});

describe('ScheduleRunner', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('fires a rate rule every period from when it was added', () => {
    jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const runner = new ScheduleRunner();
    const fired: string[] = [];
    runner.add({
      key: 'rule-1',
      name: 'reconcile',
      expression: 'rate(1 hour)',
      fire: (time) => fired.push(time.toISOString()),
    });

    jest.advanceTimersByTime(2 * 3_600_000 + 1000);
    runner.stop();

    expect(fired).toEqual(['2026-11-23T11:00:00.000Z', '2026-11-23T12:00:00.000Z']);
  });

  it('spreads rate rules added together over their period, each first firing within one period', () => {
    const now = new Date('2026-12-03T10:00:00Z');
    const runner = new ScheduleRunner({ timers: false, spreadRates: true, now: () => now });
    const period = 5 * 60_000;
    for (let i = 0; i < 500; i += 1) {
      runner.add({
        key: `arn:aws:events:us-east-1:${String(100000000000 + i)}:rule/org-budgets-spoke-local-GuardianScheduleRule`,
        name: 'org-budgets-spoke-local-GuardianScheduleRule',
        expression: 'rate(5 minutes)',
        fire: () => undefined,
      });
    }
    const offsets = runner.list().map((rule) => rule.next.getTime() - now.getTime());

    expect(Math.min(...offsets)).toBeGreaterThan(0);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(period);
    // Each fifth of the period gets some of the 500 rules, none most of them.
    const fifths = [0, 1, 2, 3, 4].map((k) => offsets.filter((o) => Math.floor((o - 1) / (period / 5)) === k).length);
    for (const count of fifths) {
      expect(count).toBeGreaterThan(50);
      expect(count).toBeLessThan(150);
    }
  });

  it('gives a rule the same phase every time it is added', () => {
    const key = 'arn:aws:events:us-east-1:111111111111:rule/guardian';
    expect(ratePhaseMs(key, 300_000)).toBe(ratePhaseMs(key, 300_000));
    expect(ratePhaseMs(key, 300_000)).not.toBe(
      ratePhaseMs('arn:aws:events:us-east-1:222222222222:rule/guardian', 300_000),
    );
  });

  it('fires a spread rate rule first at its phase, then every period', () => {
    jest.useFakeTimers({ now: new Date('2026-12-03T10:00:00Z') });
    const key = 'arn:aws:events:us-east-1:111111111111:rule/guardian';
    const phase = ratePhaseMs(key, 300_000);
    const runner = new ScheduleRunner({ spreadRates: true });
    const fired: number[] = [];
    runner.add({ key, name: 'guardian', expression: 'rate(5 minutes)', fire: (time) => fired.push(time.getTime()) });

    jest.advanceTimersByTime(phase + 300_000);
    runner.stop();

    const start = Date.parse('2026-12-03T10:00:00Z');
    expect(fired).toEqual([start + phase, start + phase + 300_000]);
  });

  it('leaves cron rules at their minute when spreading rate rules', () => {
    const now = new Date('2026-11-23T10:07:30Z');
    const runner = new ScheduleRunner({ timers: false, spreadRates: true, now: () => now });
    runner.add({ key: 'rule-3', name: 'quarterly', expression: 'cron(0/15 * * * ? *)', fire: () => undefined });

    expect(runner.list()[0]?.next.toISOString()).toBe('2026-11-23T10:15:00.000Z');
  });

  it('fires a cron rule at the matching minutes', () => {
    jest.useFakeTimers({ now: new Date('2026-11-23T10:07:30Z') });
    const runner = new ScheduleRunner();
    const fired: string[] = [];
    runner.add({
      key: 'rule-2',
      name: 'quarterly',
      expression: 'cron(0/15 * * * ? *)',
      fire: (time) => fired.push(time.toISOString()),
    });

    jest.advanceTimersByTime(30 * 60_000);
    runner.stop();

    expect(fired).toEqual(['2026-11-23T10:15:00.000Z', '2026-11-23T10:30:00.000Z']);
  });

  it('fires a rule now by ARN, name or part of a generated name, timers or not', () => {
    const runner = new ScheduleRunner({ timers: false });
    let fired = 0;
    runner.add({
      key: 'arn:aws:events:us-east-1:123456789012:rule/org-budgets-hub-local-ReconcileBudgetsEventsRuleSchedule1-WBL4',
      name: 'org-budgets-hub-local-ReconcileBudgetsEventsRuleSchedule1-WBL4',
      expression: 'rate(1 hour)',
      fire: () => {
        fired += 1;
      },
    });

    expect(runner.fireNow('ReconcileBudgets')).toBe(1);
    expect(
      runner.fireNow(
        'arn:aws:events:us-east-1:123456789012:rule/org-budgets-hub-local-ReconcileBudgetsEventsRuleSchedule1-WBL4',
      ),
    ).toBe(1);
    expect(runner.fireNow('unknown')).toBe(0);
    expect(fired).toBe(2);
    expect(runner.list()[0]).toMatchObject({ fired: 2, expression: 'rate(1 hour)' });
  });
});

describe('parseAtExpression (EventBridge Scheduler one-time schedules)', () => {
  it.each([
    ['at(2026-12-03T10:15:00)', undefined, '2026-12-03T10:15:00.000Z'],
    ['at(2026-12-03T10:15:00)', 'UTC', '2026-12-03T10:15:00.000Z'],
    ['at(2026-12-03T11:15:30)', 'Europe/Paris', '2026-12-03T10:15:30.000Z'],
    ['at(2026-07-01T12:00:00)', 'Europe/Paris', '2026-07-01T10:00:00.000Z'],
    // The first hour after New York's clocks went forward (2026-03-08 02:00 EST → 03:00 EDT).
    ['at(2026-03-08T03:30:00)', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['at(2026-03-08T01:30:00)', 'America/New_York', '2026-03-08T06:30:00.000Z'],
    ['at(2027-01-01T05:30:00)', 'Asia/Kolkata', '2027-01-01T00:00:00.000Z'],
  ])('%s in %s is %s', (expression, timeZone, instant) => {
    expect(parseAtExpression(expression, timeZone).toISOString()).toBe(instant);
  });

  it.each([
    ['at(2026-02-30T00:00:00)', 'UTC'],
    ['at(2026-12-03T24:00:00)', 'UTC'],
    ['at(2026-12-03 10:15:00)', 'UTC'],
    ['at(2026-12-03T10:15)', 'UTC'],
    ['rate(5 minutes)', 'UTC'],
    ['at(2026-12-03T10:15:00)', 'Mars/Olympus_Mons'],
  ])('refuses %s in %s', (expression, timeZone) => {
    expect(() => parseAtExpression(expression, timeZone)).toThrow(InvalidScheduleExpressionError);
  });
});
