import { readFunctionConfig } from '@org-budgets/aws';
import { z } from 'zod';

/** The environment of expand-org-defaults (services/hub/serverless.yml), which is its configuration. */
export const expandConfigSchema = z
  .object({
    TABLE_NAME: z.string().min(1),
    /** Copy writes at once. */
    MAX_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(25),
  })
  .transform((env) => ({ tableName: env.TABLE_NAME, maxConcurrency: env.MAX_CONCURRENCY }));

export type ExpandConfig = z.output<typeof expandConfigSchema>;

export function loadExpandConfig(env: NodeJS.ProcessEnv): ExpandConfig {
  return readFunctionConfig('expand-org-defaults', expandConfigSchema, env);
}
