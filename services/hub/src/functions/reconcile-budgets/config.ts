import { readFunctionConfig } from '@org-budgets/aws';
import * as z from 'zod/mini';

/** The environment of reconcile-budgets (services/hub/serverless.yml), which is its configuration. */
export const reconcileConfigSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  SPOKE_ROLE_NAME: z.string().check(z.minLength(1)),
  SPOKE_EXTERNAL_ID: z.string().check(z.minLength(2)),
  PARTITION: z.string().check(z.regex(/^aws(-[a-z]+)*$/)),
  ALERTS_TOPIC_ARN: z.string().check(z.startsWith('arn:')),
  MAX_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 16),
  SPOKE_ACCESS_ROLE_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /**
   * `organization` (default): every account of the organization is looked at (ListAccounts), so
   * parameters left in accounts without items are found, and items of accounts that left are
   * marked. `items`: only accounts that have items (a hub without organizations:ListAccounts).
   */
  ACCOUNTS_TO_CHECK: z._default(z.enum(['organization', 'items']), 'organization'),
  /** An item PENDING or DELIVERED for longer than this is redelivered. */
  STUCK_AFTER_MINUTES: z._default(z.coerce.number().check(z.gte(0), z.lte(1440)), 15),
});

/** The configuration, defaults filled in. */
export type ReconcileConfig = z.output<typeof reconcileConfigSchema>;
/** The same variables before defaults: what createReconcileHandler takes (the environment, or a test's values). */
export type ReconcileConfigInput = z.input<typeof reconcileConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadReconcileConfig(env: NodeJS.ProcessEnv): ReconcileConfig {
  return readFunctionConfig('reconcile-budgets', reconcileConfigSchema, env);
}
