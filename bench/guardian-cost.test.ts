import {
  baselineMonthlyCost,
  CHECK_DELIVERY_CALLS,
  costPerCheck,
  guardianMonthlyCost,
  ISSUE_BASELINE,
  OPERATIONS,
  PRICES,
  ratioLine,
  renderComparison,
  scheduledRunsPerMonth,
  unitPrice,
  type CostBreakdown,
  type GuardianUsage,
} from './guardian-cost';

const GB = 1024 ** 3;

function line(breakdown: CostBreakdown, item: string) {
  const found = breakdown.lines.find((l) => l.item === item);
  if (!found) throw new Error(`no line '${item}' in ${breakdown.lines.map((l) => l.item).join(', ')}`);
  return found;
}

/** A 5-minute schedule, 256 MB arm64, 10,000 job events. */
const usage: GuardianUsage = {
  scheduledRunsPerMonth: 8_640,
  callsPerRun: { 'budgets:DescribeBudget': 1, 'batch:ListJobs': 2, 'dynamodb:Query': 1, 'dynamodb:PutItem': 0.5 },
  lambdaMsPerRun: 250,
  lambdaMemoryMb: 256,
  architecture: 'arm64',
  jobEventsPerMonth: 10_000,
  callsPerJobEvent: { 'dynamodb:GetItem': 1, 'dynamodb:PutItem': 1 },
  trackerMsPerEvent: 40,
  logBytesPerRun: 700,
  logBytesPerEvent: 200,
};

describe('prices', () => {
  it('holds the published us-east-1 list prices', () => {
    expect(unitPrice('lambdaRequests')).toBeCloseTo(0.2 / 1e6, 15);
    expect(PRICES.lambdaDurationArm64.usd).toBe(0.0000133334);
    expect(PRICES.lambdaDurationX86.usd).toBe(0.0000166667);
    expect(unitPrice('stepFunctionsTransitions')).toBeCloseTo(0.000025, 15);
    expect(unitPrice('costExplorerRequests')).toBe(0.01);
    expect(unitPrice('dynamodbWriteUnits')).toBeCloseTo(0.625 / 1e6, 15);
    expect(unitPrice('dynamodbReadUnits')).toBeCloseTo(0.125 / 1e6, 15);
    expect(unitPrice('snsPublishes')).toBeCloseTo(0.5 / 1e6, 15);
    expect(unitPrice('snsEmailDeliveries')).toBeCloseTo(0.00002, 15);
    expect(unitPrice('cloudWatchLogsIngestion')).toBe(0.5);
    expect(unitPrice('sqsRequests')).toBeCloseTo(0.4 / 1e6, 15);
    expect(PRICES.sqsRequests.source).toBe('https://aws.amazon.com/sqs/pricing/');
    expect(unitPrice('cloudWatchAlarms')).toBe(0.1);
    for (const [key, price] of Object.entries(PRICES)) {
      expect({ key, source: price.source }).toEqual({ key, source: expect.stringMatching(/^https:\/\/|^see /) });
    }
  });

  it('prices every operation with a known price and says why', () => {
    for (const [operation, op] of Object.entries(OPERATIONS)) {
      expect(operation).toMatch(/^[a-z]+:[A-Za-z]+$/);
      expect(PRICES[op.price]).toBeDefined();
      expect(op.why.length).toBeGreaterThan(5);
    }
  });
});

describe('guardianMonthlyCost', () => {
  it('counts 8,640 runs a month at a 5-minute schedule (30 days × 288)', () => {
    expect(scheduledRunsPerMonth(5)).toBe(8_640);
    expect(scheduledRunsPerMonth(60)).toBe(720);
  });

  it('prices the calls, the Lambda time and the logs, to the cent and below', () => {
    const cost = guardianMonthlyCost(usage);

    // 8,640 runs + 10,000 events = 18,640 requests × $0.20/1M
    expect(line(cost, 'lambda: requests').quantity).toBe(18_640);
    expect(line(cost, 'lambda: requests').cost).toBeCloseTo(0.003728, 9);
    // 8,640 × 0.25 s × 0.25 GB = 540 GB-s; 10,000 × 0.04 s × 0.25 GB = 100 GB-s; 640 × $0.0000133334
    expect(line(cost, 'lambda: duration (arm64)').quantity).toBeCloseTo(640, 9);
    expect(line(cost, 'lambda: duration (arm64)').cost).toBeCloseTo(0.008533376, 9);
    // Query 8,640 RRU, GetItem 10,000 RRU
    expect(line(cost, 'dynamodb:Query').cost).toBeCloseTo(0.00108, 9);
    expect(line(cost, 'dynamodb:GetItem').cost).toBeCloseTo(0.00125, 9);
    // PutItem: 0.5 × 8,640 + 10,000 = 14,320 WRU × $0.625/1M, one line for runs and events
    expect(line(cost, 'dynamodb:PutItem').quantity).toBe(14_320);
    expect(line(cost, 'dynamodb:PutItem').cost).toBeCloseTo(0.00895, 9);
    // free calls are listed, at $0
    expect(line(cost, 'batch:ListJobs')).toMatchObject({ quantity: 17_280, cost: 0 });
    expect(line(cost, 'budgets:DescribeBudget')).toMatchObject({ quantity: 8_640, cost: 0 });
    expect(line(cost, 'events:ScheduledRuleInvocation (schedule)')).toMatchObject({ quantity: 8_640, cost: 0 });
    expect(line(cost, 'events:AwsServiceEvent (job events)')).toMatchObject({ quantity: 10_000, cost: 0 });
    // logs: 8,640 × (700 + 300) + 10,000 × (200 + 300) = 13,640,000 bytes
    expect(line(cost, 'logs: ingestion').quantity).toBeCloseTo(13_640_000 / GB, 12);
    expect(line(cost, 'logs: ingestion').cost).toBeCloseTo((13_640_000 / GB) * 0.5, 12);
    expect(line(cost, 'logs: storage (3 months kept)').cost).toBeCloseTo((13_640_000 / GB) * 3 * 0.03, 12);

    // 0.003728 + 0.008533376 + 0.00108 + 0.00125 + 0.00895 + 0.006351620 + 0.001143292
    expect(cost.total).toBeCloseTo(0.031036288, 8);
    expect(cost.total.toFixed(2)).toBe('0.03');
    expect(cost.total).toBeCloseTo(
      cost.lines.reduce((s, l) => s + l.cost, 0),
      12,
    );
  });

  it('rounds each invocation up to the millisecond and prices x86 at the x86 rate', () => {
    const cost = guardianMonthlyCost({
      ...usage,
      callsPerRun: {},
      callsPerJobEvent: {},
      jobEventsPerMonth: 0,
      architecture: 'x86_64',
      lambdaMemoryMb: 1024,
      lambdaMsPerRun: 99.2,
    });
    // 8,640 × 0.1 s × 1 GB = 864 GB-s × $0.0000166667
    expect(line(cost, 'lambda: duration (x86_64)').quantity).toBeCloseTo(864, 9);
    expect(line(cost, 'lambda: duration (x86_64)').cost).toBeCloseTo(0.0144000288, 9);
  });

  it('charges EventBridge Scheduler invocations, not scheduled rules', () => {
    const cost = guardianMonthlyCost({ ...usage, scheduleTrigger: 'eventbridge-scheduler' });
    expect(line(cost, 'scheduler:Invocation (schedule)').cost).toBeCloseTo(0.00864, 9);
    expect(cost.total).toBeCloseTo(0.031036288 + 0.00864, 8);
  });

  it('adds a customer managed KMS key at $1 a month when the stack has one', () => {
    const cost = guardianMonthlyCost({ ...usage, kmsKeys: 1 });
    expect(line(cost, 'kms: customer managed keys').cost).toBe(1);
    expect(cost.total).toBeCloseTo(1.031036288, 8);
    expect(guardianMonthlyCost(usage).lines.some((l) => l.item.startsWith('kms'))).toBe(false);
  });

  it('throws on an operation it has no price for, naming it, so no call is silently free', () => {
    expect(() =>
      guardianMonthlyCost({ ...usage, callsPerRun: { 'ce:GetCostAndUsage': 1, 'lambda:ListFunctions': 1 } }),
    ).toThrow(/no price for 'lambda:ListFunctions' \(in callsPerRun\)/);
    expect(() => guardianMonthlyCost({ ...usage, callsPerJobEvent: { 'dynamodb:BatchWriteItem': 1 } })).toThrow(
      /'dynamodb:BatchWriteItem' \(in callsPerJobEvent\).*dynamodb:WriteRequestUnits/,
    );
  });

  describe('checks between scheduled runs', () => {
    /** 1,000 checks a month, each reading like a run for one budget. */
    const withChecks: GuardianUsage = {
      ...usage,
      checks: {
        perMonth: 1_000,
        callsPerCheck: {
          'ssm:GetParameter': 1,
          'dynamodb:GetItem': 1,
          'dynamodb:Query': 16,
          'dynamodb:PutItem': 1,
          'dynamodb:UpdateItem': 1,
        },
        lambdaMsPerCheck: 400,
        logBytesPerCheck: 700,
      },
    };

    it('stands idle for nothing: no queue, no poller, no alarm of their own', () => {
      const cost = guardianMonthlyCost({ ...withChecks, checks: { ...withChecks.checks!, perMonth: 0 } });
      expect(cost.total).toBeCloseTo(guardianMonthlyCost(usage).total, 12);
      expect(cost.lines.some((l) => l.item.startsWith('sqs:') || l.item.startsWith('cloudwatch: alarms'))).toBe(false);
    });

    it('prices each check: its run, its delivery (claim, Invoke, a schedule), its invocation and logs', () => {
      const cost = guardianMonthlyCost(withChecks);
      expect(CHECK_DELIVERY_CALLS).toEqual({
        'dynamodb:UpdateItem': 2,
        'lambda:Invoke': 1,
        'scheduler:CreateSchedule': 1,
        'scheduler:Invocation': 1,
      });
      // requests: 8,640 runs + 10,000 events + 1,000 checks
      expect(line(cost, 'lambda: requests').quantity).toBe(19_640);
      // + 1,000 × 0.4 s × 0.25 GB = 100 GB-s
      expect(line(cost, 'lambda: duration (arm64)').quantity).toBeCloseTo(740, 9);
      // the check run's UpdateItem (the watch) and the tracker's two claims, one line with the runs' and events'
      expect(line(cost, 'dynamodb:UpdateItem').quantity).toBe(3_000);
      expect(line(cost, 'dynamodb:Query').quantity).toBe(8_640 + 16_000);
      expect(line(cost, 'lambda:Invoke').cost).toBe(0);
      expect(line(cost, 'scheduler:CreateSchedule').cost).toBe(0);
      expect(line(cost, 'scheduler:Invocation').cost).toBeCloseTo(0.001, 12);
      // logs: + 1,000 × (700 + 300) bytes
      expect(line(cost, 'logs: ingestion').quantity).toBeCloseTo(14_640_000 / GB, 12);

      // per check: 2e-7 request + 0.1 GB-s × 0.0000133334 + 17 RRU × 1.25e-7 + 4 WRU × 6.25e-7
      // + 1 scheduled invocation × 1e-6 + 1,000 B of logs × (0.5 + 3 × 0.03) / GB
      const perCheck = 2e-7 + 0.1 * 0.0000133334 + 17 * 1.25e-7 + 4 * 6.25e-7 + 1e-6 + (1_000 / GB) * 0.59;
      expect(costPerCheck(withChecks)).toBeCloseTo(perCheck, 12);
      expect(costPerCheck(usage)).toBe(0);
      // the seed's usage and 1,000 checks
      expect(cost.total).toBeCloseTo(0.031036288 + 1_000 * perCheck, 9);
      expect(cost.total.toFixed(4)).toBe('0.0387');
      expect(cost.notes.join('\n')).toMatch(/1,000 checks between scheduled runs \(400 ms each in enforce-spend\)/);
    });

    it('bills a check for its wait: 10 s at 512 MB is $0.0000667', () => {
      const waiting = {
        ...withChecks,
        lambdaMemoryMb: 512,
        checks: { ...withChecks.checks!, lambdaMsPerCheck: 10_000 },
      };
      const quick = { ...waiting, checks: { ...waiting.checks, lambdaMsPerCheck: 0 } };
      expect(costPerCheck(waiting) - costPerCheck(quick)).toBeCloseTo(10 * 0.5 * 0.0000133334, 12);
    });

    it('rejects negative check figures', () => {
      expect(() => guardianMonthlyCost({ ...withChecks, checks: { ...withChecks.checks!, perMonth: -1 } })).toThrow(
        /checks.perMonth/,
      );
      expect(() =>
        guardianMonthlyCost({
          ...withChecks,
          checks: { ...withChecks.checks!, callsPerCheck: { 'sqs:PurgeQueue': 1 } },
        }),
      ).toThrow(/no price for 'sqs:PurgeQueue' \(in checks.callsPerCheck\)/);
    });
  });

  it('prices a Cost Explorer query at $0.01 each', () => {
    const cost = guardianMonthlyCost({ ...usage, callsPerRun: { 'ce:GetCostAndUsage': 1 } });
    expect(line(cost, 'ce:GetCostAndUsage').cost).toBeCloseTo(86.4, 9);
  });

  it('rejects negative or non-finite figures', () => {
    expect(() => guardianMonthlyCost({ ...usage, lambdaMsPerRun: -1 })).toThrow(/lambdaMsPerRun/);
    expect(() => guardianMonthlyCost({ ...usage, scheduledRunsPerMonth: Number.NaN })).toThrow(/scheduledRunsPerMonth/);
    expect(() => guardianMonthlyCost({ ...usage, callsPerRun: { 'batch:ListJobs': -2 } })).toThrow(/batch:ListJobs/);
    expect(() => scheduledRunsPerMonth(0)).toThrow(/intervalMinutes/);
  });
});

describe('baselineMonthlyCost (serverless-batch-cost-guardian)', () => {
  it('prices the sample as written: 5 s polling for the whole month', () => {
    const cost = baselineMonthlyCost();
    // 720 h × 3,600 s / 5 s = 518,400 checks
    // transitions: 518,400 × 3 + 4 (start-up) = 1,555,204 × $0.025/1,000
    expect(line(cost, 'states: state transitions').quantity).toBe(1_555_204);
    expect(line(cost, 'states: state transitions').cost).toBeCloseTo(38.8801, 9);
    // requests: 518,400 checks + 90 CUR checks + 2 start-up
    expect(line(cost, 'lambda: requests').quantity).toBe(518_492);
    expect(line(cost, 'lambda: requests').cost).toBeCloseTo(0.1036984, 9);
    // 128 MB: 518,400 × 0.05 s + 90 × 1 s + 2 × 0.5 s = 26,011 s × 0.125 GB = 3,251.375 GB-s
    expect(line(cost, 'lambda: duration (x86_64)').quantity).toBeCloseTo(3_251.375, 9);
    expect(line(cost, 'lambda: duration (x86_64)').cost).toBeCloseTo(3_251.375 * 0.0000166667, 9);
    expect(line(cost, 'dynamodb: read request units').cost).toBeCloseTo(0.0648, 9);
    expect(line(cost, 'dynamodb: write request units').quantity).toBe(518_402);
    expect(line(cost, 'dynamodb: write request units').cost).toBeCloseTo(0.32400125, 9);
    // Cost Explorer only per CUR delivery: 90 × $0.01
    expect(line(cost, 'ce:GetCostAndUsage')).toMatchObject({ quantity: 90 });
    expect(line(cost, 'ce:GetCostAndUsage').cost).toBeCloseTo(0.9, 9);
    expect(line(cost, 'sns:EmailDelivery').cost).toBeCloseTo(0.0018, 9);
    // logs: 518,492 invocations × 300 B
    expect(line(cost, 'logs: ingestion').cost).toBeCloseTo(((518_492 * 300) / GB) * 0.5, 12);

    // the SNS topic's KMS key, $1/month, and 90 GenerateDataKey × $0.03/10,000
    expect(line(cost, 'kms: customer managed keys').cost).toBe(1);
    expect(line(cost, 'kms:GenerateDataKey').cost).toBeCloseTo(0.00027, 12);

    // 38.8801 + 0.1036984 + 0.0541897 + 0.0648 + 0.3240013 + 0.9 + 0.000045 + 0.0018
    // + 1 + 0.00027 + logs 0.0724326 + 0.0130379
    expect(cost.total).toBeCloseTo(41.414375, 5);
    expect(cost.total.toFixed(2)).toBe('41.41');
  });

  it("follows the wait: 1,200 s (the README's free-tier advice) is 2,160 checks", () => {
    const cost = baselineMonthlyCost({ pollSeconds: 1200 });
    expect(line(cost, 'states: state transitions').quantity).toBe(2_160 * 3 + 4);
    expect(line(cost, 'states: state transitions').cost).toBeCloseTo(0.1621, 9);
    // 0.1621 + requests 2,252 × 2e-7 + GB-s (2,160 × 0.05 + 90 + 1) × 0.125 × 0.0000166667
    // + RRU 2,160 × 1.25e-7 + WRU 2,162 × 6.25e-7 + CE 0.90 + SNS 0.000045 + 0.0018 + logs
    const logsGb = (2_252 * 300) / GB;
    const expected =
      0.1621 +
      2_252 * 2e-7 +
      (2_160 * 0.05 + 90 + 1) * 0.125 * 0.0000166667 +
      2_160 * 1.25e-7 +
      2_162 * 6.25e-7 +
      0.9 +
      0.000045 +
      0.0018 +
      logsGb * 0.5 +
      logsGb * 3 * 0.03 +
      1 +
      90 * 0.000003;
    expect(cost.total).toBeCloseTo(expected, 12);
    expect(cost.total.toFixed(2)).toBe('2.07');
  });

  it("prices the issue's reading: one Cost Explorer query per check", () => {
    const cost = baselineMonthlyCost(ISSUE_BASELINE);
    // (518,400 + 90) × $0.01
    expect(line(cost, 'ce:GetCostAndUsage').cost).toBeCloseTo(5_184.9, 6);
    expect(cost.total.toFixed(2)).toBe('5225.41');
  });

  it('counts ECS task stops: 2 Lambda invocations and 2 WRU each', () => {
    const base = baselineMonthlyCost();
    const withStops = baselineMonthlyCost({ ecsTaskStopsPerMonth: 1_000 });
    expect(line(withStops, 'lambda: requests').quantity - line(base, 'lambda: requests').quantity).toBe(2_000);
    expect(
      line(withStops, 'dynamodb: write request units').quantity - line(base, 'dynamodb: write request units').quantity,
    ).toBe(2_000);
  });

  it('rejects a zero wait', () => {
    expect(() => baselineMonthlyCost({ pollSeconds: 0 })).toThrow(/pollSeconds/);
  });
});

describe('rendering', () => {
  it('prints both tables aligned, and the ratio', () => {
    const text = renderComparison(guardianMonthlyCost(usage), baselineMonthlyCost());
    const lines = text.split('\n');
    expect(lines[0]).toBe('cost guardian (this project), per account per month');
    // every row of a table ends at the same column (USD/month is right-aligned)
    const firstTable = lines.slice(1, lines.indexOf(''));
    const rows = firstTable.filter((l) => !l.startsWith('  ·'));
    expect(new Set(rows.map((l) => l.length)).size).toBe(1);
    expect(text).toContain('$0.625 / 1M WRU');
    expect(text).toContain('$0.025 / 1,000 transitions');
    expect(lines.at(-1)).toBe('guardian $0.0310 vs sample design $41.4144 per account per month: 1,334× less');
  });

  it('says so when the guardian is free or costs more', () => {
    const zero: CostBreakdown = { total: 0, lines: [], notes: [] };
    const one: CostBreakdown = { total: 1, lines: [], notes: [] };
    const two: CostBreakdown = { total: 2, lines: [], notes: [] };
    expect(ratioLine(zero, one)).toMatch(/the guardian costs nothing$/);
    expect(ratioLine(two, one)).toMatch(/2\.0× more$/);
  });
});
