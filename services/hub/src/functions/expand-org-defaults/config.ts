import { readFunctionConfig } from '@org-budgets/aws';
import { transformed } from '@org-budgets/contracts';
import * as z from 'zod/mini';

/** The environment of expand-org-defaults (services/hub/serverless.yml), which is its configuration. */
export const expandConfigSchema = transformed(
  z.object({
    TABLE_NAME: z.string().check(z.minLength(1)),
    /** Copy writes at once. */
    MAX_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 25),
  }),
  (env) => ({ tableName: env.TABLE_NAME, maxConcurrency: env.MAX_CONCURRENCY }),
);

export type ExpandConfig = z.output<typeof expandConfigSchema>;

export function loadExpandConfig(env: NodeJS.ProcessEnv): ExpandConfig {
  return readFunctionConfig('expand-org-defaults', expandConfigSchema, env);
}
