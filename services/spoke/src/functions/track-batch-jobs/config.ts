import { readFunctionConfig } from '@org-budgets/aws';
import { z } from 'zod';

/** The environment of track-batch-jobs (services/spoke/serverless.yml), and the configuration it reads as. */
export const trackBatchJobsConfigSchema = z
  .object({
    LEDGER_TABLE_NAME: z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name'),
  })
  .transform((env) => ({ ledgerTableName: env.LEDGER_TABLE_NAME }));

export type TrackBatchJobsConfig = z.output<typeof trackBatchJobsConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadTrackBatchJobsConfig(env: NodeJS.ProcessEnv): TrackBatchJobsConfig {
  return readFunctionConfig('track-batch-jobs', trackBatchJobsConfigSchema, env);
}
