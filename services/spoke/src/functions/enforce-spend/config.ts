import { MAX_SCHEDULE_PREFIX_LENGTH, readFunctionConfig } from '@org-budgets/aws';
import { awsPartitionSetting, lambdaFunctionArnSetting, snsTopicArnSetting, transformed } from '@org-budgets/contracts';
import { priceOverridesSetting, scheduleIntervalMs } from '@org-budgets/guardian';
import * as z from 'zod/mini';

const positiveInteger = (max: number) => z.coerce.number().check(z.int(), z.gte(1), z.lte(max));

/** The environment of enforce-spend (services/spoke/serverless.yml), and the configuration it reads as. */
export const enforceSpendConfigSchema = transformed(
  z.object({
    LEDGER_TABLE_NAME: z.string().check(z.regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name')),
    NOTICES_TOPIC_ARN: snsTopicArnSetting(),
    PARTITION: awsPartitionSetting(),
    AWS_REGION: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name')),
    GUARDIAN_PRICES: priceOverridesSetting,
    LIST_JOBS_PAGE_SIZE: z._default(positiveInteger(1000), 100),
    TERMINATE_CONCURRENCY: z._default(positiveInteger(50), 10),
    BILLING_DATA_LAG_HOURS: z._default(z.coerce.number().check(z.gte(0), z.lte(72)), 8),
    /** This function's own ARN: follow-up checks invoke it, or a one-time schedule does. */
    GUARDIAN_CHECK_FUNCTION_ARN: lambdaFunctionArnSetting(),
    /** delay-guardian-check: follow-ups wait there (invoked, or the schedules' target). */
    GUARDIAN_CHECK_DELAY_FUNCTION_ARN: lambdaFunctionArnSetting(),
    GUARDIAN_CHECK_SCHEDULER_ROLE_ARN: z
      .string()
      .check(z.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')),
    GUARDIAN_CHECK_DEAD_LETTER_QUEUE_ARN: z
      .string()
      .check(z.regex(/^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w-]+$/, 'must be an SQS queue ARN')),
    GUARDIAN_CHECK_SCHEDULE_PREFIX: z
      .string()
      .check(
        z.maxLength(MAX_SCHEDULE_PREFIX_LENGTH),
        z.regex(/^[0-9a-zA-Z_.-]+$/, 'must be letters, digits, "-", "_" or "."'),
      ),
    GUARDIAN_SCHEDULE: z._default(z.string(), 'rate(5 minutes)'),
  }),
  (env) => ({
    ledgerTableName: env.LEDGER_TABLE_NAME,
    noticesTopicArn: env.NOTICES_TOPIC_ARN,
    partition: env.PARTITION,
    region: env.AWS_REGION,
    prices: env.GUARDIAN_PRICES,
    listJobsPageSize: env.LIST_JOBS_PAGE_SIZE,
    terminateConcurrency: env.TERMINATE_CONCURRENCY,
    /** How far AWS Budgets' actual spend trails usage (see trackedWindowStart). */
    billingDataLagHours: env.BILLING_DATA_LAG_HOURS,
    checks: {
      functionArn: env.GUARDIAN_CHECK_FUNCTION_ARN,
      delayFunctionArn: env.GUARDIAN_CHECK_DELAY_FUNCTION_ARN,
      schedulerRoleArn: env.GUARDIAN_CHECK_SCHEDULER_ROLE_ARN,
      deadLetterQueueArn: env.GUARDIAN_CHECK_DEAD_LETTER_QUEUE_ARN,
      scheduleNamePrefix: env.GUARDIAN_CHECK_SCHEDULE_PREFIX,
    },
    /** The interval of the guardian's schedule: follow-up checks are asked for when a crossing comes sooner. */
    scheduleMs: scheduleIntervalMs(env.GUARDIAN_SCHEDULE),
  }),
);

export type EnforceSpendConfig = z.output<typeof enforceSpendConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing or bad variable fails by name. */
export function loadEnforceSpendConfig(env: NodeJS.ProcessEnv): EnforceSpendConfig {
  return readFunctionConfig('enforce-spend', enforceSpendConfigSchema, env);
}
