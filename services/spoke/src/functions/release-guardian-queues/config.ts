import { readFunctionConfig } from '@org-budgets/aws';
import { z } from 'zod';

/** The environment of release-guardian-queues (services/spoke/serverless.yml), and the configuration it reads as. */
export const releaseGuardianQueuesConfigSchema = z
  .object({
    LEDGER_TABLE_NAME: z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name'),
  })
  .transform((env) => ({ ledgerTableName: env.LEDGER_TABLE_NAME }));

export type ReleaseGuardianQueuesConfig = z.output<typeof releaseGuardianQueuesConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadReleaseGuardianQueuesConfig(env: NodeJS.ProcessEnv): ReleaseGuardianQueuesConfig {
  return readFunctionConfig('release-guardian-queues', releaseGuardianQueuesConfigSchema, env);
}
