import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createStackStatusReader } from './stack-status';

const cloudFormation = mockClient(CloudFormationClient);
const STACK_ID =
  'arn:aws:cloudformation:us-east-1:111111111111:stack/org-budgets-spoke-prod/3b8a0f10-0000-4000-8000-000000000001';

beforeEach(() => cloudFormation.reset());

describe('createStackStatusReader', () => {
  it('reads the status of the stack by its id', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'org-budgets-spoke-prod', StackStatus: 'DELETE_IN_PROGRESS', CreationTime: new Date() }],
    });

    expect(await createStackStatusReader(new CloudFormationClient({}))(STACK_ID)).toBe('DELETE_IN_PROGRESS');
    expect(cloudFormation).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: STACK_ID });
  });

  it('answers undefined for a stack CloudFormation does not know', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error(`Stack with id ${STACK_ID} does not exist`), { name: 'ValidationError' }));

    expect(await createStackStatusReader(new CloudFormationClient({}))(STACK_ID)).toBeUndefined();
  });

  it('lets any other failure through', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }),
      );

    await expect(createStackStatusReader(new CloudFormationClient({}))(STACK_ID)).rejects.toThrow('not authorized');
  });
});
