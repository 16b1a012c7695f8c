import { readFunctionConfig } from '@org-budgets/aws';
import { z } from 'zod';

const configSchema = z.object({
  ALERT_TOPIC_ARN: z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN'),
  PARTITION: z.string().regex(/^aws(-[a-z]+)*$/, 'must be an AWS partition such as aws, aws-cn or aws-us-gov'),
  STATUS_EVENT_BUS: z.string().min(1).default('default'),
});

export interface ApplyBudgetConfig {
  alertTopicArn: string;
  partition: string;
  statusEventBus: string;
}

/** Reads the function's configuration once, at cold start; a missing variable fails by name. */
export function loadApplyBudgetConfig(env: NodeJS.ProcessEnv): ApplyBudgetConfig {
  const data = readFunctionConfig('apply-budget', configSchema, env);
  return {
    alertTopicArn: data.ALERT_TOPIC_ARN,
    partition: data.PARTITION,
    statusEventBus: data.STATUS_EVENT_BUS,
  };
}
