import { BudgetsStore } from './budgets-store';
import {
  answerBudgetsRequest,
  parseBudgetArn,
  runBudgetsOperation,
  SERVED_BUDGETS_OPERATIONS,
  type BudgetsCaller,
} from './budgets-service';
import { partitionOfRegion } from './partition';

const caller: BudgetsCaller = { accountId: '111111111111', partition: 'aws' };
const budget = { BudgetName: 'b', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '10', Unit: 'USD' } };

function answer(store: BudgetsStore, operation: string, input: unknown, who = caller) {
  const reply = answerBudgetsRequest(store, operation, Buffer.from(JSON.stringify(input)), who, 'req-1');
  return {
    status: reply.status,
    headers: reply.headers,
    body: JSON.parse(reply.body.toString()) as Record<string, unknown>,
  };
}

describe('answerBudgetsRequest', () => {
  let store: BudgetsStore;
  beforeEach(() => {
    store = new BudgetsStore();
  });

  it('answers JSON 1.1 with the request id', () => {
    const created = answer(store, 'CreateBudget', { AccountId: caller.accountId, Budget: budget });
    expect(created).toEqual({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'content-length': 2, 'x-amzn-requestid': 'req-1' },
      body: {},
    });
    const described = answer(store, 'DescribeBudget', { AccountId: caller.accountId, BudgetName: 'b' });
    expect(described.body.Budget).toMatchObject({ BudgetName: 'b', BudgetLimit: { Amount: '10.0', Unit: 'USD' } });
  });

  it('renders errors as __type and Message with x-amzn-ErrorType', () => {
    const missing = answer(store, 'DescribeBudget', { AccountId: caller.accountId, BudgetName: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.headers['x-amzn-errortype']).toBe('NotFoundException');
    expect(missing.body).toEqual({
      __type: 'NotFoundException',
      Message: "Unable to get budget: nope - the budget doesn't exist.",
    });
  });

  it('checks the model before anything else', () => {
    const invalid = answer(store, 'DescribeBudget', { AccountId: '42', BudgetName: 'b' });
    expect(invalid.body).toMatchObject({ __type: 'ValidationException' });
    expect(answer(store, 'DescribeBudget', { AccountId: caller.accountId }).body.Message).toBe(
      "1 validation error detected: Value null at 'budgetName' failed to satisfy constraint: Member must not be null",
    );
  });

  it('denies access to another account than the caller’s', () => {
    const denied = answer(store, 'DescribeBudget', { AccountId: '222222222222', BudgetName: 'b' });
    expect(denied.body).toEqual({
      __type: 'AccessDeniedException',
      Message:
        'User: arn:aws:iam::111111111111:root is not authorized to perform: budgets:ViewBudget on resource: arn:aws:budgets::222222222222:budget/b',
    });
    expect(
      answer(store, 'CreateBudget', { AccountId: '222222222222', Budget: budget }, { ...caller, partition: 'aws-cn' })
        .body.Message,
    ).toContain('budgets:ModifyBudget on resource: arn:aws-cn:budgets::222222222222:budget/b');
  });

  it('reads the account and budget of tag calls from the budget ARN', () => {
    answer(store, 'CreateBudget', { AccountId: caller.accountId, Budget: budget });
    const arn = 'arn:aws:budgets::111111111111:budget/b';
    expect(answer(store, 'TagResource', { ResourceARN: arn, ResourceTags: [{ Key: 'k', Value: 'v' }] }).status).toBe(
      200,
    );
    expect(answer(store, 'ListTagsForResource', { ResourceARN: arn }).body).toEqual({
      ResourceTags: [{ Key: 'k', Value: 'v' }],
    });
    expect(answer(store, 'UntagResource', { ResourceARN: arn, ResourceTagKeys: ['k'] }).status).toBe(200);
    expect(answer(store, 'ListTagsForResource', { ResourceARN: arn }).body).toEqual({ ResourceTags: [] });

    expect(
      answer(store, 'ListTagsForResource', { ResourceARN: 'arn:aws:budgets::222222222222:budget/b' }).body,
    ).toMatchObject({ __type: 'AccessDeniedException' });
    expect(answer(store, 'ListTagsForResource', { ResourceARN: 'arn:aws:s3:::bucket' }).body).toMatchObject({
      __type: 'InvalidParameterException',
    });
    expect(answer(store, 'ListTagsForResource', { ResourceARN: `${arn}/action/123` }).body).toMatchObject({
      __type: 'NotFoundException',
    });
    expect(
      answer(store, 'ListTagsForResource', { ResourceARN: 'arn:aws:budgets::111111111111:budget/x' }).body,
    ).toMatchObject({ __type: 'NotFoundException' });
  });

  it('answers unknown operations, bad JSON and internal failures', () => {
    expect(answer(store, 'CreateBudgetAction', {}).body).toMatchObject({ __type: 'UnknownOperationException' });
    expect(answer(store, 'toString', {}).body).toMatchObject({ __type: 'UnknownOperationException' });
    const notJson = answerBudgetsRequest(store, 'DescribeBudgets', Buffer.from('{'), caller, 'r');
    expect(JSON.parse(notJson.body.toString())).toMatchObject({ __type: 'SerializationException' });
    expect(answer(store, 'DescribeBudgets', [1]).body).toMatchObject({ __type: 'SerializationException' });

    jest.spyOn(store, 'describeBudgets').mockImplementation(() => {
      throw new Error('boom');
    });
    const failed = answer(store, 'DescribeBudgets', { AccountId: caller.accountId });
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ __type: 'InternalErrorException', Message: 'front door Budgets failed: boom' });
  });

  it('serves the sixteen operations of the brief', () => {
    expect([...SERVED_BUDGETS_OPERATIONS].sort()).toEqual(
      [
        'CreateBudget',
        'CreateNotification',
        'CreateSubscriber',
        'DeleteBudget',
        'DeleteNotification',
        'DeleteSubscriber',
        'DescribeBudget',
        'DescribeBudgets',
        'DescribeNotificationsForBudget',
        'DescribeSubscribersForNotification',
        'ListTagsForResource',
        'TagResource',
        'UntagResource',
        'UpdateBudget',
        'UpdateNotification',
        'UpdateSubscriber',
      ].sort(),
    );
    expect(() => runBudgetsOperation(store, 'DescribeBudgets', undefined, caller)).toThrow(
      /^1 validation error detected: Value null at 'accountId'/,
    );
  });
});

describe('parseBudgetArn and partitionOfRegion', () => {
  it('parses budget ARNs of any partition', () => {
    expect(parseBudgetArn('arn:aws-us-gov:budgets::123456789012:budget/team a')).toEqual({
      partition: 'aws-us-gov',
      accountId: '123456789012',
      budgetName: 'team a',
    });
    expect(parseBudgetArn('arn:aws:budgets::12345:budget/x')).toBeUndefined();
  });

  it('knows the partitions', () => {
    expect(partitionOfRegion('eu-west-1')).toBe('aws');
    expect(partitionOfRegion('cn-north-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOfRegion(undefined)).toBe('aws');
  });
});
