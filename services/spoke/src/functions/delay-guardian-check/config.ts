import { readFunctionConfig } from '@org-budgets/aws';
import { lambdaFunctionArnSetting, transformed } from '@org-budgets/contracts';
import * as z from 'zod/mini';

/** The environment of delay-guardian-check (services/spoke/serverless.yml), and the configuration it reads as. */
export const delayGuardianCheckConfigSchema = transformed(
  z.object({
    /** enforce-spend, invoked asynchronously with the check once its time came. */
    GUARDIAN_CHECK_FUNCTION_ARN: lambdaFunctionArnSetting(),
  }),
  (env) => ({ checkFunctionArn: env.GUARDIAN_CHECK_FUNCTION_ARN }),
);

export type DelayGuardianCheckConfig = z.output<typeof delayGuardianCheckConfigSchema>;

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadDelayGuardianCheckConfig(env: NodeJS.ProcessEnv): DelayGuardianCheckConfig {
  return readFunctionConfig('delay-guardian-check', delayGuardianCheckConfigSchema, env);
}
