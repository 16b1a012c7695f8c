import { MAX_WAIT_SECONDS, readFunctionConfig } from '@org-budgets/aws';
import { lambdaFunctionArnSetting, transformed } from '@org-budgets/contracts';
import { priceOverridesSetting, scheduleIntervalMs } from '@org-budgets/guardian';
import * as z from 'zod/mini';

/** The environment of track-batch-jobs (services/spoke/serverless.yml), and the configuration it reads as. */
export const trackBatchJobsConfigSchema = transformed(
  z.object({
    LEDGER_TABLE_NAME: z.string().check(z.regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name')),
    /** enforce-spend, invoked asynchronously for a check. */
    GUARDIAN_CHECK_FUNCTION_ARN: lambdaFunctionArnSetting(),
    /** delay-guardian-check: a check due at the debounce window's end waits there. */
    GUARDIAN_CHECK_DELAY_FUNCTION_ARN: lambdaFunctionArnSetting(),
    GUARDIAN_SCHEDULE: z._default(z.string(), 'rate(5 minutes)'),
    GUARDIAN_PRICES: priceOverridesSetting,
    AWS_REGION: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name')),
    /**
     * A budget is asked to be checked at most once in this many seconds by job starts (and once
     * more at the window's end): at most MAX_WAIT_SECONDS, so that every check is an invocation.
     */
    CHECK_DEBOUNCE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_WAIT_SECONDS)), 10),
  }),
  (env) => ({
    ledgerTableName: env.LEDGER_TABLE_NAME,
    checkFunctionArn: env.GUARDIAN_CHECK_FUNCTION_ARN,
    checkDelayFunctionArn: env.GUARDIAN_CHECK_DELAY_FUNCTION_ARN,
    /** Until the next scheduled run, at most: how far a starting job's cost is projected. */
    scheduleMs: scheduleIntervalMs(env.GUARDIAN_SCHEDULE),
    prices: env.GUARDIAN_PRICES,
    region: env.AWS_REGION,
    checkDebounceMs: env.CHECK_DEBOUNCE_SECONDS * 1000,
  }),
);

export type TrackBatchJobsConfig = z.output<typeof trackBatchJobsConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadTrackBatchJobsConfig(env: NodeJS.ProcessEnv): TrackBatchJobsConfig {
  return readFunctionConfig('track-batch-jobs', trackBatchJobsConfigSchema, env);
}
