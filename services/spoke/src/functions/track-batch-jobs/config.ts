import { z } from 'zod';

const configSchema = z.object({
  LEDGER_TABLE_NAME: z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name'),
});

export interface TrackBatchJobsConfig {
  ledgerTableName: string;
}

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadTrackBatchJobsConfig(env: NodeJS.ProcessEnv): TrackBatchJobsConfig {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`track-batch-jobs is misconfigured: ${problems}`);
  }
  return { ledgerTableName: result.data.LEDGER_TABLE_NAME };
}
