import { readFunctionConfig } from '@org-budgets/aws';
import { transformed } from '@org-budgets/contracts';
import * as z from 'zod/mini';

/** The environment of release-guardian-queues (services/spoke/serverless.yml), and the configuration it reads as. */
export const releaseGuardianQueuesConfigSchema = transformed(
  z.object({
    LEDGER_TABLE_NAME: z.string().check(z.regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name')),
  }),
  (env) => ({ ledgerTableName: env.LEDGER_TABLE_NAME }),
);

export type ReleaseGuardianQueuesConfig = z.output<typeof releaseGuardianQueuesConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadReleaseGuardianQueuesConfig(env: NodeJS.ProcessEnv): ReleaseGuardianQueuesConfig {
  return readFunctionConfig('release-guardian-queues', releaseGuardianQueuesConfigSchema, env);
}
