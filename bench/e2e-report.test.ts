import {
  overtakenEdits,
  callsPerEdit,
  callTimes,
  coldStartRows,
  formatPercentiles,
  invocationRows,
  originOf,
  percentilesOf,
  renderCallsPerEdit,
  renderCallTimes,
  renderColdStartRows,
  renderInvocationRows,
  shortFunctionName,
  within,
  type CallOrigin,
} from './e2e-report';

const roles = new Map<string, CallOrigin>([
  ['hub-propagate-role', { side: 'hub', who: 'propagateBudgetEdits' }],
  ['org-budgets-spoke', { side: 'hub', who: 'spoke role (in the member account)' }],
  ['spoke-apply-role', { side: 'spoke', who: 'applyBudget' }],
]);
const call = (service: string, operation: string, roleName?: string, startedAt = 0) => ({
  service,
  operation,
  startedAt,
  ...(roleName === undefined ? {} : { roleName }),
});

describe('percentilesOf', () => {
  it('takes the nearest-rank p50, p90, p99 and the max', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentilesOf(values)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('says none for no values', () => {
    expect(formatPercentiles(percentilesOf([]))).toBe('none');
  });

  it('prints seconds with two decimals and the count', () => {
    expect(formatPercentiles(percentilesOf([1240, 1490]))).toBe('p50 1.24 s, p90 1.49 s, p99 1.49 s, max 1.49 s (2)');
  });
});

describe('shortFunctionName', () => {
  it('keeps the last part of a deployed function’s name', () => {
    expect(shortFunctionName('org-budgets-spoke-local-applyBudget')).toBe('applyBudget');
    expect(shortFunctionName('applyBudget')).toBe('applyBudget');
  });
});

describe('originOf', () => {
  it('names the function or hub role whose session made the call', () => {
    expect(originOf(call('ssm', 'PutParameter', 'org-budgets-spoke'), roles)).toEqual({
      side: 'hub',
      who: 'spoke role (in the member account)',
    });
    expect(originOf(call('budgets', 'DescribeBudget', 'spoke-apply-role'), roles)).toEqual({
      side: 'spoke',
      who: 'applyBudget',
    });
  });

  it('counts other credentials as the local cloud’s own', () => {
    expect(originOf(call('dynamodbstreams', 'GetRecords'), roles)).toEqual({
      side: 'local cloud',
      who: 'static credentials',
    });
    expect(originOf(call('sts', 'AssumeRole', 'OrganizationAccountAccessRole'), roles)).toEqual({
      side: 'local cloud',
      who: 'OrganizationAccountAccessRole',
    });
  });
});

describe('callsPerEdit', () => {
  const calls = [
    call('dynamodb', 'GetItem', 'hub-propagate-role'),
    call('dynamodb', 'UpdateItem', 'hub-propagate-role'),
    call('dynamodb', 'GetItem', 'hub-propagate-role'),
    call('dynamodb', 'UpdateItem', 'hub-propagate-role'),
    call('ssm', 'GetParameter', 'spoke-apply-role'),
    call('ssm', 'PutParameter', 'org-budgets-spoke'),
    call('dynamodbstreams', 'GetRecords'),
  ];

  it('counts calls by side, who and operation, per edit; hub first, then spoke, then the local cloud', () => {
    expect(
      callsPerEdit(calls, roles, 2).map((row) => [row.side, row.who, row.operation, row.calls, row.perEdit]),
    ).toEqual([
      ['hub', 'propagateBudgetEdits', 'dynamodb:GetItem', 2, 1],
      ['hub', 'propagateBudgetEdits', 'dynamodb:UpdateItem', 2, 1],
      ['hub', 'spoke role (in the member account)', 'ssm:PutParameter', 1, 0.5],
      ['spoke', 'applyBudget', 'ssm:GetParameter', 1, 0.5],
      ['local cloud', 'static credentials', 'dynamodbstreams:GetRecords', 1, 0.5],
    ]);
  });

  it('prints one line per side and who with its total per edit', () => {
    expect(renderCallsPerEdit(callsPerEdit(calls, roles, 2))).toEqual([
      'hub         propagateBudgetEdits                2.00/edit: dynamodb:GetItem 1.00, dynamodb:UpdateItem 1.00',
      'hub         spoke role (in the member account)  0.50/edit: ssm:PutParameter 0.50',
      'spoke       applyBudget                         0.50/edit: ssm:GetParameter 0.50',
      'local cloud static credentials                  0.50/edit: dynamodbstreams:GetRecords 0.50',
    ]);
  });
});

describe('coldStartRows', () => {
  const coldStart = (functionName: string, initMs: number | undefined, startMs: number, queuedMs: number) => ({
    functionName,
    at: 0,
    slotWaitMs: 0,
    credentialsMs: 200,
    queuedMs,
    startMs,
    initMs,
  });

  it('gives each function’s init and start medians and maxima, and the wait for a turn', () => {
    const rows = coldStartRows([
      coldStart('org-budgets-spoke-local-applyBudget', 80, 150, 0),
      coldStart('org-budgets-spoke-local-applyBudget', 100, 170, 40),
      coldStart('org-budgets-spoke-local-applyBudget', 120, 400, 1000),
      coldStart('org-budgets-hub-local-propagateBudgetEdits', undefined, 90, 0),
    ]);

    expect(rows).toEqual([
      {
        functionName: 'applyBudget',
        count: 3,
        initMedianMs: 100,
        initMaxMs: 120,
        startMedianMs: 170,
        startMaxMs: 400,
        waitMedianMs: 40,
        waitMaxMs: 1000,
      },
      {
        functionName: 'propagateBudgetEdits',
        count: 1,
        initMedianMs: Number.NaN,
        initMaxMs: Number.NaN,
        startMedianMs: 90,
        startMaxMs: 90,
        waitMedianMs: 0,
        waitMaxMs: 0,
      },
    ]);
    expect(renderColdStartRows(rows)[1]).toBe(
      'propagateBudgetEdits     1 cold starts: init median —, max —; process start + init median 90 ms, max 90 ms; waited for a turn median 0 ms, max 0 ms',
    );
  });
});

describe('invocationRows', () => {
  it('counts invocations and cold starts by function with the median and total duration', () => {
    const rows = invocationRows([
      { functionName: 'x-enforceSpend', at: 0, durationMs: 400, coldStart: true },
      { functionName: 'x-enforceSpend', at: 0, durationMs: 600, coldStart: false },
      { functionName: 'x-applyBudget', at: 0, durationMs: 300, coldStart: true },
    ]);

    expect(rows).toEqual([
      { functionName: 'enforceSpend', invocations: 2, coldStarts: 1, durationMedianMs: 500, busyMs: 1000 },
      { functionName: 'applyBudget', invocations: 1, coldStarts: 1, durationMedianMs: 300, busyMs: 300 },
    ]);
    expect(renderInvocationRows(rows)[0]).toBe('enforceSpend      2 invocations (1 cold), median 500 ms, 1.0 s in all');
  });
});

describe('within', () => {
  it('keeps the records of a time window, by `at` or `startedAt`', () => {
    expect(within([{ at: 1 }, { at: 5 }, { at: 9 }], 2, 9)).toEqual([{ at: 5 }, { at: 9 }]);
    expect(within([call('sts', 'AssumeRole', undefined, 3)], 4, 9)).toEqual([]);
  });
});

describe('callTimes', () => {
  it('ranks operations by their total time at the front door, with median, p99 and the injected delay', () => {
    const timed = (operation: string, durationMs: number | undefined, delayedMs: number) => ({
      ...call('ssm', operation),
      delayedMs,
      ...(durationMs === undefined ? {} : { durationMs }),
    });
    const rows = callTimes([
      timed('GetParameter', 40, 30),
      timed('GetParameter', 50, 30),
      timed('PutParameter', 400, 30),
      timed('PutParameter', undefined, 30),
    ]);

    expect(rows).toEqual([
      { operation: 'ssm:PutParameter', calls: 1, medianMs: 400, p99Ms: 400, totalMs: 400, delayMeanMs: 30 },
      { operation: 'ssm:GetParameter', calls: 2, medianMs: 45, p99Ms: 50, totalMs: 90, delayMeanMs: 30 },
    ]);
    expect(renderCallTimes(rows)[1]).toBe('ssm:GetParameter       2 calls: median 45 ms (30 ms injected), p99 50 ms');
  });
});

describe('overtakenEdits', () => {
  it('counts the edits of an item that resolved with a revision another of its edits resolved with', () => {
    expect(
      overtakenEdits([
        { item: 'a/bench', revision: '1' },
        { item: 'a/bench', revision: '3' },
        { item: 'a/bench', revision: '3' },
        { item: 'b/bench', revision: '3' },
        { item: 'b/bench', revision: '4' },
      ]),
    ).toBe(1);
  });
});
