import { readFunctionConfig } from '@org-budgets/aws';
import { awsPartitionSetting, snsTopicArnSetting, transformed } from '@org-budgets/contracts';
import * as z from 'zod/mini';

/** The environment of propagate-budget-edits (services/hub/serverless.yml), and the configuration it reads as. */
export const propagateConfigSchema = transformed(
  z.object({
    TABLE_NAME: z.string().check(z.minLength(1)),
    SPOKE_ROLE_NAME: z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name')),
    SPOKE_EXTERNAL_ID: z
      .string()
      .check(z.regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 characters of [\\w+=,.@:/-]')),
    PARTITION: awsPartitionSetting(),
    MAX_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 32),
    SPOKE_ACCESS_ROLE_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
    ALERTS_TOPIC_ARN: snsTopicArnSetting(),
    HISTORY_TABLE_NAME: z.string().check(z.minLength(1)),
    HISTORY_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(36500)), 400),
  }),
  (env) => ({
    tableName: env.TABLE_NAME,
    spokeRoleName: env.SPOKE_ROLE_NAME,
    spokeExternalId: env.SPOKE_EXTERNAL_ID,
    partition: env.PARTITION,
    maxConcurrency: env.MAX_CONCURRENCY,
    /** Where the hub reports a spoke parameter it did not write. */
    alertsTopicArn: env.ALERTS_TOPIC_ARN,
    /** The edit history (docs/history.md): one entry per edit, kept this many days (its TTL). */
    historyTableName: env.HISTORY_TABLE_NAME,
    historyRetentionDays: env.HISTORY_RETENTION_DAYS,
    /** The one hub role every spoke trusts; the spoke role is assumed through it. */
    ...(env.SPOKE_ACCESS_ROLE_ARN ? { spokeAccessRoleArn: env.SPOKE_ACCESS_ROLE_ARN } : {}),
  }),
);

export type PropagateConfig = z.output<typeof propagateConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadPropagateConfig(env: NodeJS.ProcessEnv): PropagateConfig {
  return readFunctionConfig('propagate-budget-edits', propagateConfigSchema, env);
}
