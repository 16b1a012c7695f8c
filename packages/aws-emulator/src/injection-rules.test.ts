import type { CallInfo } from './aws-call';
import { matchesBody, parseFaultRules, parseLatencyRules, pickDelayMs } from './injection-rules';

const call = (service: string, operation: string, body?: unknown): CallInfo => ({
  service,
  operation,
  protocol: 'json',
  method: 'POST',
  path: '/',
  query: {},
  headers: {},
  body,
});

describe('pickDelayMs', () => {
  it('uses the first rule that matches service and (optionally) operation, case-insensitively', () => {
    const rules = [
      { service: 'sts', operation: 'assumerole', delayMs: 100 },
      { service: 'STS', delayMs: 5 },
    ];
    expect(pickDelayMs(rules, call('sts', 'AssumeRole'))).toBe(100);
    expect(pickDelayMs(rules, call('sts', 'GetCallerIdentity'))).toBe(5);
    expect(pickDelayMs(rules, call('ssm', 'GetParameter'))).toBe(0);
  });

  it('adds jitter below jitterMs', () => {
    expect(pickDelayMs([{ service: 'ssm', delayMs: 10, jitterMs: 20 }], call('ssm', 'X'), () => 0.999)).toBe(29);
  });
});

describe('matchesBody', () => {
  it('compares top-level fields, query-protocol strings against numbers too', () => {
    expect(matchesBody(undefined, undefined)).toBe(true);
    expect(matchesBody({ RoleArn: 'a' }, { RoleArn: 'a', Other: 1 })).toBe(true);
    expect(matchesBody({ RoleArn: 'a' }, { RoleArn: 'b' })).toBe(false);
    expect(matchesBody({ DurationSeconds: 900 }, { DurationSeconds: '900' })).toBe(true);
    expect(matchesBody({ RoleArn: 'a' }, undefined)).toBe(false);
  });
});

describe('parseLatencyRules / parseFaultRules', () => {
  it('accepts an array or { rules }', () => {
    expect(parseLatencyRules([{ service: 'sts', delayMs: 50 }], 'x')).toEqual([{ service: 'sts', delayMs: 50 }]);
    expect(
      parseLatencyRules({ rules: [{ service: 'sts', operation: 'AssumeRole', delayMs: 1, jitterMs: 2 }] }, 'x'),
    ).toEqual([{ service: 'sts', operation: 'AssumeRole', delayMs: 1, jitterMs: 2 }]);
    const fault = {
      service: 'ssm',
      operation: 'GetParameter',
      error: { code: 'ThrottlingException', message: 'slow down', httpStatus: 400 },
      times: 2,
      probability: 0.5,
      matchBody: { Name: '/budgets/x' },
    };
    expect(parseFaultRules([fault], 'x')).toEqual([fault]);
  });

  it.each([
    [{ delayMs: 1 }, /x\[0\]\.service must be a non-empty string/],
    [{ service: 'sts', delayMs: -1 }, /x\[0\]\.delayMs must be a number >= 0/],
    [{ service: 'sts', delayMs: 1, delay: 3 }, /unknown field\(s\): delay/],
  ])('rejects latency rule %j', (rule, message) => {
    expect(() => parseLatencyRules([rule], 'x')).toThrow(message);
  });

  it.each([
    [
      { service: 'sts', error: { code: 'A', message: 'm', httpStatus: 200 } },
      /httpStatus must be an integer from 400 to 599/,
    ],
    [
      { service: 'sts', error: { code: 'A', message: 'm', httpStatus: 400 }, probability: 2 },
      /probability must be at most 1/,
    ],
    [{ service: 'sts', error: { code: 'A', message: 'm', httpStatus: 400 }, times: 1.5 }, /times must be an integer/],
    [
      { service: 'sts', error: { code: 'A', message: 'm', httpStatus: 400 }, matchBody: { a: {} } },
      /matchBody\.a must be/,
    ],
    [{ service: 'sts' }, /x\[0\]\.error must be an object/],
  ])('rejects fault rule %j', (rule, message) => {
    expect(() => parseFaultRules([rule], 'x')).toThrow(message);
  });

  it('rejects anything but a list', () => {
    expect(() => parseFaultRules({ service: 'sts' }, 'ORG_BUDGETS_FRONT_DOOR_FAULTS')).toThrow(
      'ORG_BUDGETS_FRONT_DOOR_FAULTS must be an array of rules or { "rules": [...] }',
    );
  });
});
