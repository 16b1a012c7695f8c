import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/**
 * The status of a stack (DescribeStacks by its id, e.g. DELETE_IN_PROGRESS), or undefined when
 * CloudFormation knows no such stack. By stack id, DescribeStacks also finds a deleted stack
 * (DELETE_COMPLETE) for 90 days; "does not exist" means it was never there, or long gone.
 */
export function createStackStatusReader(
  cloudFormation: CloudFormationClient,
): (stackId: string) => Promise<string | undefined> {
  return async (stackId) => {
    try {
      const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
      return Stacks[0]?.StackStatus;
    } catch (error) {
      if (isStackMissing(error)) return undefined;
      throw error;
    }
  };
}

function isStackMissing(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === 'ValidationError' && typeof message === 'string' && /does not exist/.test(message);
}
