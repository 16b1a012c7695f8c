import { awsPartitionSetting, lambdaFunctionArnSetting, snsTopicArnSetting } from './index';

const messageOf = (result: { error?: { issues: { message: string }[] } }) => result.error?.issues[0]?.message;

describe('the settings the templates give more than one function', () => {
  it('take the values of every partition', () => {
    for (const partition of ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b']) {
      expect(awsPartitionSetting().parse(partition)).toBe(partition);
    }
    expect(snsTopicArnSetting().parse('arn:aws-cn:sns:cn-north-1:123456789012:org-budgets-alerts')).toBe(
      'arn:aws-cn:sns:cn-north-1:123456789012:org-budgets-alerts',
    );
    expect(
      lambdaFunctionArnSetting().parse('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:enforce-spend'),
    ).toBe('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:enforce-spend');
  });

  it('say what they expected of anything else', () => {
    expect(messageOf(awsPartitionSetting().safeParse('amazon'))).toBe(
      'must be an AWS partition such as aws, aws-cn or aws-us-gov',
    );
    expect(messageOf(snsTopicArnSetting().safeParse('arn:aws:sqs:us-east-1:123456789012:queue'))).toBe(
      'must be an SNS topic ARN',
    );
    expect(messageOf(lambdaFunctionArnSetting().safeParse('arn:aws:lambda:us-east-1:123456789012:function:f:3'))).toBe(
      'must be a Lambda function ARN',
    );
    expect(messageOf(snsTopicArnSetting().safeParse(undefined))).toBe(
      'Invalid input: expected string, received undefined',
    );
  });
});
