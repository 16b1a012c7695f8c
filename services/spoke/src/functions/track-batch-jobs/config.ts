import { readFunctionConfig } from '@org-budgets/aws';
import { z } from 'zod';

const configSchema = z.object({
  LEDGER_TABLE_NAME: z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name'),
});

export interface TrackBatchJobsConfig {
  ledgerTableName: string;
}

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadTrackBatchJobsConfig(env: NodeJS.ProcessEnv): TrackBatchJobsConfig {
  const data = readFunctionConfig('track-batch-jobs', configSchema, env);
  return { ledgerTableName: data.LEDGER_TABLE_NAME };
}
