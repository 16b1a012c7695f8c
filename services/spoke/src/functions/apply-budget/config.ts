import { readFunctionConfig } from '@org-budgets/aws';
import { awsPartitionSetting, snsTopicArnSetting, transformed } from '@org-budgets/contracts';
import * as z from 'zod/mini';

/** The environment of apply-budget (services/spoke/serverless.yml), and the configuration it reads as. */
export const applyBudgetConfigSchema = transformed(
  z.object({
    ALERT_TOPIC_ARN: snsTopicArnSetting(),
    PARTITION: awsPartitionSetting(),
    STATUS_EVENT_BUS: z._default(z.string().check(z.minLength(1)), 'default'),
    /** The cost guardian's ledger: its latest estimate goes with a guarded budget's spend report. */
    LEDGER_TABLE_NAME: z.optional(z.string().check(z.minLength(1))),
  }),
  (env) => ({
    alertTopicArn: env.ALERT_TOPIC_ARN,
    partition: env.PARTITION,
    statusEventBus: env.STATUS_EVENT_BUS,
    ...(env.LEDGER_TABLE_NAME ? { ledgerTableName: env.LEDGER_TABLE_NAME } : {}),
  }),
);

export type ApplyBudgetConfig = z.output<typeof applyBudgetConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadApplyBudgetConfig(env: NodeJS.ProcessEnv): ApplyBudgetConfig {
  return readFunctionConfig('apply-budget', applyBudgetConfigSchema, env);
}
