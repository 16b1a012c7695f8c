import { readFunctionConfig } from '@org-budgets/aws';
import { z } from 'zod';

const configSchema = z.object({
  TABLE_NAME: z.string().min(1),
  SPOKE_ROLE_NAME: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name'),
  SPOKE_EXTERNAL_ID: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 characters of [\\w+=,.@:/-]'),
  PARTITION: z.string().regex(/^aws(-[a-z]+)*$/, 'must be an AWS partition such as aws, aws-cn or aws-us-gov'),
  MAX_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(32),
  SPOKE_ACCESS_ROLE_ARN: z.string().startsWith('arn:').optional(),
  ALERTS_TOPIC_ARN: z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN'),
});

export interface PropagateConfig {
  tableName: string;
  spokeRoleName: string;
  spokeExternalId: string;
  partition: string;
  maxConcurrency: number;
  /** The one hub role every spoke trusts; the spoke role is assumed through it. */
  spokeAccessRoleArn?: string;
  /** Where the hub reports a spoke parameter it did not write. */
  alertsTopicArn: string;
}

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadPropagateConfig(env: NodeJS.ProcessEnv): PropagateConfig {
  const c = readFunctionConfig('propagate-budget-edits', configSchema, env);
  return {
    tableName: c.TABLE_NAME,
    spokeRoleName: c.SPOKE_ROLE_NAME,
    spokeExternalId: c.SPOKE_EXTERNAL_ID,
    partition: c.PARTITION,
    maxConcurrency: c.MAX_CONCURRENCY,
    alertsTopicArn: c.ALERTS_TOPIC_ARN,
    ...(c.SPOKE_ACCESS_ROLE_ARN ? { spokeAccessRoleArn: c.SPOKE_ACCESS_ROLE_ARN } : {}),
  };
}
