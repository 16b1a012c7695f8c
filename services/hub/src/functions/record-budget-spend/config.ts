import { readFunctionConfig } from '@org-budgets/aws';
import { snsTopicArnSetting, transformed } from '@org-budgets/contracts';
import * as z from 'zod/mini';

/** The environment of record-budget-spend (services/hub/serverless.yml), and the configuration it reads as. */
export const recordSpendConfigSchema = transformed(
  z.object({
    TABLE_NAME: z.string().check(z.minLength(1)),
    ALERTS_TOPIC_ARN: snsTopicArnSetting(),
    LOCKDOWN_NOTICES_TOPIC_ARN: snsTopicArnSetting(),
    /** The management account (where the hub runs): service control policies never apply to it. */
    MANAGEMENT_ACCOUNT_ID: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
  }),
  (env) => ({
    tableName: env.TABLE_NAME,
    alertsTopicArn: env.ALERTS_TOPIC_ARN,
    lockdownNoticesTopicArn: env.LOCKDOWN_NOTICES_TOPIC_ARN,
    managementAccountId: env.MANAGEMENT_ACCOUNT_ID,
  }),
);
export type RecordSpendConfig = z.output<typeof recordSpendConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadRecordSpendConfig(env: NodeJS.ProcessEnv): RecordSpendConfig {
  return readFunctionConfig('record-budget-spend', recordSpendConfigSchema, env);
}
