/**
 * EventBridge schedule expressions (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):
 *
 * - `rate(value unit)`: value a positive integer; unit minute/minutes, hour/hours, day/days (singular
 *   exactly when the value is 1).
 * - `cron(minutes hours day-of-month month day-of-week year)`, always UTC: `,` `-` `*` `/` in every
 *   field; `?` in day-of-month or day-of-week (exactly one of the two must be `?`); `L` (last day of
 *   the month, or `nL` last weekday n of the month), `W` (nearest weekday) in day-of-month, `n#k`
 *   (k-th weekday n of the month) in day-of-week; months JAN-DEC, days SUN-SAT (1 = Sunday).
 *
 * And EventBridge Scheduler's one-time `at(yyyy-mm-ddThh:mm:ss)` (parseAtExpression).
 */

export type Schedule =
  { kind: 'rate'; everyMs: number; expression: string } | { kind: 'cron'; expression: string; fields: CronFields };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  months: Set<number>;
  years: Set<number>;
  dayOfMonth: DayOfMonthRule | undefined;
  dayOfWeek: DayOfWeekRule | undefined;
}

type DayOfMonthRule =
  | { kind: 'set'; days: Set<number> }
  | { kind: 'last'; offset: number }
  | { kind: 'weekday'; day: number }
  | { kind: 'lastWeekday' };

type DayOfWeekRule =
  { kind: 'set'; days: Set<number> } | { kind: 'last'; day: number } | { kind: 'nth'; day: number; nth: number };

export class InvalidScheduleExpressionError extends Error {
  override readonly name = 'InvalidScheduleExpressionError';
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`Parameter ScheduleExpression is not valid: ${expression} (${reason})`);
  }
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** How far ahead `nextFireTime` looks for a matching day before giving up (cron years end at 2199). */
const MAX_SEARCH_DAYS = 366 * 250;

export function parseScheduleExpression(expression: string): Schedule {
  const trimmed = expression.trim();
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(trimmed);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    const singular = unit.replace(/s$/, '');
    const perUnit = UNIT_MS[singular];
    if (perUnit === undefined) throw new InvalidScheduleExpressionError(expression, `unknown unit ${unit}`);
    if (value < 1) throw new InvalidScheduleExpressionError(expression, 'the value must be positive');
    if ((value === 1) !== (unit === singular)) {
      throw new InvalidScheduleExpressionError(
        expression,
        `use ${value === 1 ? singular : `${singular}s`} with ${value}`,
      );
    }
    return { kind: 'rate', everyMs: value * perUnit, expression: trimmed };
  }
  const cron = /^cron\((.*)\)$/.exec(trimmed);
  if (!cron) throw new InvalidScheduleExpressionError(expression, 'expected rate(…) or cron(…)');
  const parts = (cron[1] as string).trim().split(/\s+/);
  if (parts.length !== 6) throw new InvalidScheduleExpressionError(expression, 'cron needs 6 fields');
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new InvalidScheduleExpressionError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  const fail = (reason: string): never => {
    throw new InvalidScheduleExpressionError(expression, reason);
  };
  return {
    kind: 'cron',
    expression: trimmed,
    fields: {
      minutes: parseSet(minutes, 0, 59, [], fail, 'minutes'),
      hours: parseSet(hours, 0, 23, [], fail, 'hours'),
      months: parseSet(month, 1, 12, MONTHS, fail, 'month'),
      years: parseSet(year, 1970, 2199, [], fail, 'year'),
      dayOfMonth: dayOfMonth === '?' ? undefined : parseDayOfMonth(dayOfMonth, fail),
      dayOfWeek: dayOfWeek === '?' ? undefined : parseDayOfWeek(dayOfWeek, fail),
    },
  };
}

/**
 * The instant of an EventBridge Scheduler one-time expression `at(yyyy-mm-ddThh:mm:ss)`, a wall
 * time in `timeZone` (an IANA name such as Europe/Paris; UTC when left out, as Scheduler's
 * ScheduleExpressionTimezone). Throws InvalidScheduleExpressionError.
 */
export function parseAtExpression(expression: string, timeZone = 'UTC'): Date {
  const match = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression.trim());
  if (!match) throw new InvalidScheduleExpressionError(expression, 'expected at(yyyy-mm-ddThh:mm:ss)');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new InvalidScheduleExpressionError(expression, 'no such date or time');
  }
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return check;
  let offsetOf: (instant: number) => number;
  try {
    offsetOf = zoneOffset(timeZone);
  } catch {
    throw new InvalidScheduleExpressionError(expression, `unknown time zone ${timeZone}`);
  }
  // The instant whose wall time in the zone is `wall`: the zone's offset at a first guess, then
  // once more at the result (the offset may differ across a daylight saving change).
  let instant = wall - offsetOf(wall);
  instant = wall - offsetOf(instant);
  return new Date(instant);
}

/** How far a time zone's wall clock is ahead of UTC at an instant (ms); throws RangeError for an unknown zone. */
function zoneOffset(timeZone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (instant) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
    const wall = Date.UTC(
      Number(parts['year']),
      Number(parts['month']) - 1,
      Number(parts['day']),
      Number(parts['hour']),
      Number(parts['minute']),
      Number(parts['second']),
    );
    return wall - Math.floor(instant / 1000) * 1000;
  };
}

/** The first time strictly after `after` at which the schedule fires. For rate(): `after` + the rate. */
export function nextFireTime(schedule: Schedule, after: Date): Date {
  if (schedule.kind === 'rate') return new Date(after.getTime() + schedule.everyMs);
  const { fields } = schedule;
  // Start at the next whole minute.
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  for (let i = 0; i < MAX_SEARCH_DAYS; i += 1, day.setUTCDate(day.getUTCDate() + 1)) {
    if (!fields.years.has(day.getUTCFullYear()) || !fields.months.has(day.getUTCMonth() + 1)) continue;
    if (!dayMatches(fields, day)) continue;
    const sameDayAsStart = i === 0;
    for (const hour of sorted(fields.hours)) {
      if (sameDayAsStart && hour < start.getUTCHours()) continue;
      for (const minute of sorted(fields.minutes)) {
        const at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour, minute);
        if (at >= start.getTime()) return new Date(at);
      }
    }
  }
  throw new InvalidScheduleExpressionError(schedule.expression, 'it never fires again');
}

function sorted(values: Set<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

function dayMatches(fields: CronFields, day: Date): boolean {
  const year = day.getUTCFullYear();
  const month = day.getUTCMonth();
  const date = day.getUTCDate();
  const lastDate = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const weekday = day.getUTCDay() + 1; // 1 = Sunday
  const dom = fields.dayOfMonth;
  if (dom) {
    switch (dom.kind) {
      case 'set':
        return dom.days.has(date);
      case 'last':
        return date === lastDate - dom.offset;
      case 'weekday':
        return date === nearestWeekday(year, month, Math.min(dom.day, lastDate), lastDate);
      case 'lastWeekday':
        return date === nearestWeekday(year, month, lastDate, lastDate);
    }
  }
  const dow = fields.dayOfWeek;
  if (!dow) return false;
  switch (dow.kind) {
    case 'set':
      return dow.days.has(weekday);
    case 'last':
      return weekday === dow.day && date + 7 > lastDate;
    case 'nth':
      return weekday === dow.day && Math.ceil(date / 7) === dow.nth;
  }
}

/** The weekday (Mon–Fri) nearest to `target` within the same month, as cron's W does. */
function nearestWeekday(year: number, month: number, target: number, lastDate: number): number {
  const weekday = new Date(Date.UTC(year, month, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === lastDate ? target - 2 : target + 1;
  return target;
}

function parseDayOfMonth(field: string, fail: (reason: string) => never): DayOfMonthRule {
  if (field === 'L') return { kind: 'last', offset: 0 };
  if (field === 'LW') return { kind: 'lastWeekday' };
  const lastMinus = /^L-(\d+)$/.exec(field);
  if (lastMinus) return { kind: 'last', offset: Number(lastMinus[1]) };
  const weekday = /^(\d+)W$/.exec(field);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) fail(`day-of-month ${field} out of range`);
    return { kind: 'weekday', day };
  }
  return { kind: 'set', days: parseSet(field, 1, 31, [], fail, 'day-of-month') };
}

function parseDayOfWeek(field: string, fail: (reason: string) => never): DayOfWeekRule {
  const last = /^([A-Z]{3}|\d)L$/i.exec(field);
  if (last) return { kind: 'last', day: parseValue(last[1] as string, 1, 7, DAYS, fail, 'day-of-week') };
  const nth = /^([A-Z]{3}|\d)#(\d)$/i.exec(field);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(`day-of-week ${field}: # must be 1 to 5`);
    return { kind: 'nth', day: parseValue(nth[1] as string, 1, 7, DAYS, fail, 'day-of-week'), nth: n };
  }
  if (field === 'L') return { kind: 'set', days: new Set([7]) };
  return { kind: 'set', days: parseSet(field, 1, 7, DAYS, fail, 'day-of-week') };
}

function parseSet(
  field: string,
  min: number,
  max: number,
  names: readonly string[],
  fail: (reason: string) => never,
  label: string,
): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) fail(`${label}: bad step in ${part}`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = parseValue(a, min, max, names, fail, label);
      to = parseValue(b, min, max, names, fail, label);
    } else {
      from = parseValue(range, min, max, names, fail, label);
      to = stepText === undefined ? from : max;
    }
    if (from <= to) {
      for (let value = from; value <= to; value += step) values.add(value);
    } else {
      // A range that wraps around (e.g. FRI-MON, 22-2).
      for (let value = from, n = 0; n <= max - min + 1; value += step, n += step) {
        const wrapped = value > max ? value - (max - min + 1) : value;
        if (value > max && wrapped > to) break;
        values.add(wrapped);
      }
    }
  }
  return values;
}

function parseValue(
  text: string,
  min: number,
  max: number,
  names: readonly string[],
  fail: (reason: string) => never,
  label: string,
): number {
  const named = names.indexOf(text.toUpperCase());
  const value = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) fail(`${label}: ${text} is not in ${min}-${max}`);
  return value;
}
