import { readFunctionConfig } from '@org-budgets/aws';
import { snsTopicArnSetting } from '@org-budgets/contracts';
import * as z from 'zod/mini';

/** The environment of record-spoke-status (services/hub/serverless.yml), which is its configuration. */
export const recordStatusConfigSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  HISTORY_TABLE_NAME: z.string().check(z.minLength(1)),
  ALERTS_TOPIC_ARN: snsTopicArnSetting(),
});

export type RecordStatusConfig = z.output<typeof recordStatusConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadRecordStatusConfig(env: NodeJS.ProcessEnv): RecordStatusConfig {
  return readFunctionConfig('record-spoke-status', recordStatusConfigSchema, env);
}
