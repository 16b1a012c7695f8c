import {
  eventInvokeConfigsToApply,
  subscriptionsToApply,
  findSkippedResources,
  resolveOutputs,
  resolveValue,
  type StackContext,
  type Template,
} from './template-gaps';

/** The shape serverless generates for a function with maximumRetryAttempts and an onFailure destination. */
const TEMPLATE: Template = {
  Parameters: { AlertEmail: { Default: '' } },
  Conditions: { HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }] } },
  Resources: {
    RecordSpokeStatusLambdaFunction: { Type: 'AWS::Lambda::Function' },
    HubDeadLetterQueue: { Type: 'AWS::SQS::Queue' },
    StatusBus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'org-budgets-local-status' } },
    BudgetsTable: { Type: 'AWS::DynamoDB::Table' },
    RecordSpokeStatusLambdaEvConf: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'RecordSpokeStatusLambdaFunction' },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['HubDeadLetterQueue', 'Arn'] } } },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
      },
    },
    ReconcileLambdaEvConf: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: { FunctionName: 'reconcile', DestinationConfig: {}, Qualifier: '$LATEST', MaximumRetryAttempts: 0 },
    },
    ErrorsAlarm: { Type: 'AWS::CloudWatch::Alarm' },
    AlertsTopic: { Type: 'AWS::SNS::Topic' },
    AlertsEmailSubscription: {
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasAlertEmail',
      Properties: { TopicArn: { Ref: 'AlertsTopic' }, Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } },
    },
  },
  Outputs: {
    StatusBusArn: { Value: { 'Fn::GetAtt': ['StatusBus', 'Arn'] } },
    QueueUrl: { Value: { Ref: 'HubDeadLetterQueue' } },
    StreamArn: { Value: { 'Fn::GetAtt': ['BudgetsTable', 'StreamArn'] } },
    LogGroupArn: { Value: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:x' } },
    Unknown: { Value: { 'Fn::GetAtt': ['ErrorsAlarm', 'Arn'] } },
  },
};

const STACK: StackContext = {
  stackName: 'org-budgets-hub-local',
  account: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  parameters: { AlertEmail: '' },
  resources: [
    {
      logicalId: 'RecordSpokeStatusLambdaFunction',
      type: 'AWS::Lambda::Function',
      physicalId: 'org-budgets-hub-local-recordSpokeStatus',
    },
    {
      logicalId: 'HubDeadLetterQueue',
      type: 'AWS::SQS::Queue',
      physicalId: 'https://sqs.us-east-1.amazonaws.com/123456789012/org-budgets-local-hub-dlq',
    },
    { logicalId: 'StatusBus', type: 'AWS::Events::EventBus', physicalId: '' },
    { logicalId: 'BudgetsTable', type: 'AWS::DynamoDB::Table', physicalId: 'org-budgets-local' },
    { logicalId: 'AlertsTopic', type: 'AWS::SNS::Topic', physicalId: 'arn:aws:sns:us-east-1:123456789012:alerts' },
  ],
  attributes: { 'BudgetsTable.StreamArn': 'arn:aws:dynamodb:us-east-1:123456789012:table/org-budgets-local/stream/1' },
};

describe('template gaps', () => {
  it('tells resources moto did not create from those a false Condition leaves out', () => {
    expect(findSkippedResources(TEMPLATE, STACK)).toEqual([
      { logicalId: 'RecordSpokeStatusLambdaEvConf', type: 'AWS::Lambda::EventInvokeConfig', reason: 'not-created' },
      { logicalId: 'ReconcileLambdaEvConf', type: 'AWS::Lambda::EventInvokeConfig', reason: 'not-created' },
      { logicalId: 'ErrorsAlarm', type: 'AWS::CloudWatch::Alarm', reason: 'not-created' },
      { logicalId: 'AlertsEmailSubscription', type: 'AWS::SNS::Subscription', reason: 'condition' },
    ]);
  });

  it('resolves the skipped EventInvokeConfigs to PutFunctionEventInvokeConfig input', () => {
    expect(eventInvokeConfigsToApply(TEMPLATE, STACK)).toEqual([
      {
        logicalId: 'RecordSpokeStatusLambdaEvConf',
        FunctionName: 'org-budgets-hub-local-recordSpokeStatus',
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:org-budgets-local-hub-dlq' },
        },
      },
      { logicalId: 'ReconcileLambdaEvConf', FunctionName: 'reconcile', Qualifier: '$LATEST', MaximumRetryAttempts: 0 },
    ]);
  });

  it('resolves the skipped SNS subscriptions whose Condition holds to Subscribe input', () => {
    expect(subscriptionsToApply(TEMPLATE, STACK)).toEqual([]);
    expect(subscriptionsToApply(TEMPLATE, { ...STACK, parameters: { AlertEmail: 'ops@example.org' } })).toEqual([
      {
        logicalId: 'AlertsEmailSubscription',
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
        Protocol: 'email',
        Endpoint: 'ops@example.org',
      },
    ]);
  });

  it('resolves the outputs moto forgets, and names those it cannot', () => {
    expect(resolveOutputs(TEMPLATE, STACK)).toEqual({
      outputs: {
        StatusBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/org-budgets-local-status',
        QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/org-budgets-local-hub-dlq',
        StreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/org-budgets-local/stream/1',
        LogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:x',
      },
      unresolved: [expect.stringContaining('ErrorsAlarm.Arn')],
    });
  });

  it('evaluates conditions with the stack’s parameters', () => {
    expect(
      resolveValue({ Condition: 'HasAlertEmail' }, TEMPLATE, {
        ...STACK,
        parameters: { AlertEmail: 'ops@example.org' },
      }),
    ).toBe(true);
    expect(resolveValue({ 'Fn::If': ['HasAlertEmail', 'yes', 'no'] }, TEMPLATE, STACK)).toBe('no');
  });
});
