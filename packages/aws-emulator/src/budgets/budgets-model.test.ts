import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BudgetsError } from './budgets-errors';
import { BUDGETS_SHAPES, validateRequest } from './budgets-model';

/** botocore's Budgets model, the authority the shapes here mirror (installed with the AWS CLI). */
function loadBotocoreModel(): { shapes: Record<string, Record<string, unknown>>; operations: Record<string, unknown> } {
  const python = process.env.ORG_BUDGETS_PYTHON ?? 'python3';
  let botocoreDir: string;
  try {
    botocoreDir = execFileSync(python, ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
    }).trim();
  } catch (error) {
    throw new Error(
      `botocore is not importable with ${python}: install the AWS CLI (pip install awscli), which brings it. ${String(error)}`,
      { cause: error },
    );
  }
  const base = join(botocoreDir, 'data', 'budgets', '2016-10-20', 'service-2.json');
  const text = existsSync(base) ? readFileSync(base, 'utf8') : gunzipSync(readFileSync(`${base}.gz`)).toString('utf8');
  return JSON.parse(text) as { shapes: Record<string, Record<string, unknown>>; operations: Record<string, unknown> };
}

function expectValidation(shape: string, input: unknown, ...messages: string[]): void {
  try {
    validateRequest(shape, input);
  } catch (error) {
    expect(error).toBeInstanceOf(BudgetsError);
    expect((error as BudgetsError).code).toBe('ValidationException');
    for (const message of messages) expect((error as BudgetsError).message).toContain(message);
    return;
  }
  throw new Error('expected a ValidationException');
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const budget = { BudgetName: 'b', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '1', Unit: 'USD' } };

describe('BUDGETS_SHAPES', () => {
  const model = loadBotocoreModel();

  it.each(Object.keys(BUDGETS_SHAPES))('%s matches the botocore model', (name) => {
    const theirs = model.shapes[name];
    expect(theirs).toBeDefined();
    const { documentation: _d, exception: _e, box: _b, deprecated: _dep, ...rest } = theirs as Record<string, unknown>;
    const expected: Record<string, unknown> = { ...rest };
    for (const key of ['member', 'key', 'value'] as const) {
      if (expected[key] !== undefined) expected[key] = (expected[key] as { shape: string }).shape;
    }
    if (expected.members !== undefined) {
      expected.members = Object.fromEntries(
        Object.entries(expected.members as Record<string, { shape: string }>).map(([member, ref]) => [
          member,
          ref.shape,
        ]),
      );
    }
    expect(BUDGETS_SHAPES[name]).toEqual(expected);
  });

  it('has the request shape of every operation the front door serves', () => {
    for (const operation of [
      'CreateBudget',
      'DescribeBudget',
      'DescribeBudgets',
      'UpdateBudget',
      'DeleteBudget',
      'CreateNotification',
      'UpdateNotification',
      'DeleteNotification',
      'DescribeNotificationsForBudget',
      'CreateSubscriber',
      'UpdateSubscriber',
      'DeleteSubscriber',
      'DescribeSubscribersForNotification',
      'TagResource',
      'UntagResource',
      'ListTagsForResource',
    ]) {
      const input = (model.operations[operation] as { input: { shape: string } }).input.shape;
      expect(input).toBe(`${operation}Request`);
      expect(BUDGETS_SHAPES[input]).toBeDefined();
    }
  });
});

describe('validateRequest', () => {
  it('accepts a valid request', () => {
    expect(() =>
      validateRequest('CreateBudgetRequest', {
        AccountId: '123456789012',
        Budget: { ...budget, CostFilters: { Service: ['Amazon EC2'] }, TimePeriod: { Start: 1, End: 2 } },
        NotificationsWithSubscribers: [
          {
            Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80 },
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'a@example.com' }],
          },
        ],
        ResourceTags: [{ Key: 'k', Value: '' }],
      }),
    ).not.toThrow();
  });

  it('reports missing required members with their lower camel case path', () => {
    expectValidation(
      'CreateBudgetRequest',
      { Budget: { BudgetName: 'b', TimeUnit: 'MONTHLY' } },
      '2 validation errors detected: ',
      "Value null at 'accountId' failed to satisfy constraint: Member must not be null",
      "Value null at 'budget.budgetType' failed to satisfy constraint: Member must not be null",
    );
  });

  it('reports length, pattern, enum and range violations', () => {
    expectValidation(
      'DescribeBudgetRequest',
      { AccountId: '12345', BudgetName: 'a:b' },
      "Value '12345' at 'accountId' failed to satisfy constraint: Member must have length greater than or equal to 12",
      "Value '12345' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}",
      "Value 'a:b' at 'budgetName' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    expectValidation(
      'UpdateBudgetRequest',
      {
        AccountId: '123456789012',
        NewBudget: { ...budget, TimeUnit: 'WEEKLY', BudgetLimit: { Amount: '2.51E+7', Unit: 'USD' } },
      },
      "Value 'WEEKLY' at 'newBudget.timeUnit' failed to satisfy constraint: Member must satisfy enum value set: [DAILY, MONTHLY, QUARTERLY, ANNUALLY, CUSTOM]",
      "Value '2.51E+7' at 'newBudget.budgetLimit.amount' failed to satisfy constraint: Member must satisfy regular expression pattern: ([0-9]*\\.)?[0-9]+",
    );
    expectValidation(
      'CreateNotificationRequest',
      {
        AccountId: '123456789012',
        BudgetName: 'b',
        Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: -1 },
        Subscribers: [],
      },
      "Value '-1' at 'notification.threshold' failed to satisfy constraint: Member must have value greater than or equal to 0",
      "Value at 'subscribers' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expectValidation(
      'DescribeBudgetsRequest',
      { AccountId: '123456789012', MaxResults: 1001 },
      "Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });

  it('follows lists with 1-based member paths and hides sensitive values', () => {
    expectValidation(
      'CreateNotificationRequest',
      {
        AccountId: '123456789012',
        BudgetName: 'b',
        Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 1 },
        Subscribers: [
          { SubscriptionType: 'EMAIL', Address: 'a@example.com' },
          { SubscriptionType: 'PAGER', Address: '' },
        ],
      },
      "Value 'PAGER' at 'subscribers.2.member.subscriptionType'",
      "Value at 'subscribers.2.member.address' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('runs the budget name rules JavaScript cannot take from the model as written', () => {
    const describe = (name: string) => () =>
      validateRequest('DescribeBudgetRequest', { AccountId: '123456789012', BudgetName: name });
    expect(describe('team-a budget (2026)/x')).not.toThrow();
    expect(describe('a/action/b')).toThrow('regular expression pattern');
    expect(describe('x<SCRIPT>alert(1)</script>')).toThrow('regular expression pattern');
    expect(describe('back\\slash')).toThrow('regular expression pattern');
  });

  it('answers a wrong JSON type with a SerializationException', () => {
    expect(
      thrownBy(() => validateRequest('DescribeBudgetRequest', { AccountId: 123456789012, BudgetName: 'b' })),
    ).toMatchObject({
      code: 'SerializationException',
    });
    expect(
      thrownBy(() =>
        validateRequest('CreateBudgetRequest', {
          AccountId: '123456789012',
          Budget: { ...budget, TimePeriod: { Start: '2026-01-01' } },
        }),
      ),
    ).toMatchObject({ code: 'SerializationException', message: expect.stringContaining("'budget.timePeriod.start'") });
  });
});
