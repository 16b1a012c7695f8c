import { eventInvokeConfigsToApply, subscriptionsToApply, type Template } from '@org-budgets/local-lambda';
import { hiddenStackContext } from './spoke-rollout';

/** The parts of the spoke's StackSet template (stacksets/build) that the gaps depend on. */
const template: Template = {
  Parameters: { AlertEmail: { Default: '' } },
  Conditions: { HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }] } },
  Resources: {
    ApplyBudgetLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: 'org-budgets-spoke-local-applyBudget' },
    },
    ApplyBudgetLambdaEvConf: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'ApplyBudgetLambdaFunction' },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['SpokeDeadLetterQueue', 'Arn'] } } },
        Qualifier: '$LATEST',
        MaximumEventAgeInSeconds: 21600,
        MaximumRetryAttempts: 2,
      },
    },
    BudgetAlertsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'org-budgets-local-budget-alerts' } },
    BudgetAlertsEmailSubscription: {
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasAlertEmail',
      Properties: { TopicArn: { Ref: 'BudgetAlertsTopic' }, Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } },
    },
    SpokeDeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'org-budgets-local-spoke-dlq' } },
    SpokeRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: { Ref: 'SpokeRoleName' } } },
  },
};
const stack = (parameters: Record<string, string>) =>
  hiddenStackContext(template, {
    stackName: 'StackSet-org-budgets-spoke-local',
    account: '111111111111',
    region: 'us-east-1',
    partition: 'aws',
    parameters: { SpokeRoleName: 'org-budgets-spoke', ...parameters },
  });

describe('hiddenStackContext', () => {
  it('names the resources of a StackSet instance moto keeps hidden, as their name properties say', () => {
    expect(stack({ AlertEmail: '' }).resources).toEqual([
      {
        logicalId: 'ApplyBudgetLambdaFunction',
        type: 'AWS::Lambda::Function',
        physicalId: 'org-budgets-spoke-local-applyBudget',
      },
      {
        logicalId: 'BudgetAlertsTopic',
        type: 'AWS::SNS::Topic',
        physicalId: 'arn:aws:sns:us-east-1:111111111111:org-budgets-local-budget-alerts',
      },
      {
        logicalId: 'SpokeDeadLetterQueue',
        type: 'AWS::SQS::Queue',
        physicalId: 'https://sqs.us-east-1.amazonaws.com/111111111111/org-budgets-local-spoke-dlq',
      },
      { logicalId: 'SpokeRole', type: 'AWS::IAM::Role', physicalId: 'org-budgets-spoke' },
    ]);
  });

  it('resolves the EventInvokeConfig moto skips against them, and the subscription only with an email', () => {
    expect(eventInvokeConfigsToApply(template, stack({ AlertEmail: '' }))).toEqual([
      {
        logicalId: 'ApplyBudgetLambdaEvConf',
        FunctionName: 'org-budgets-spoke-local-applyBudget',
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: {
          OnFailure: { Destination: 'arn:aws:sqs:us-east-1:111111111111:org-budgets-local-spoke-dlq' },
        },
      },
    ]);
    expect(subscriptionsToApply(template, stack({ AlertEmail: '' }))).toEqual([]);
    expect(subscriptionsToApply(template, stack({ AlertEmail: 'lab@example.org' }))).toEqual([
      {
        logicalId: 'BudgetAlertsEmailSubscription',
        TopicArn: 'arn:aws:sns:us-east-1:111111111111:org-budgets-local-budget-alerts',
        Protocol: 'email',
        Endpoint: 'lab@example.org',
      },
    ]);
  });
});
