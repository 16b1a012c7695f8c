import { readFunctionConfig } from '@org-budgets/aws';
import { parsePriceOverrides, type PriceOverrides } from '@org-budgets/guardian';
import { z } from 'zod';

const positiveInteger = (max: number) => z.coerce.number().int().min(1).max(max);

const configSchema = z.object({
  LEDGER_TABLE_NAME: z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name'),
  NOTICES_TOPIC_ARN: z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN'),
  PARTITION: z.string().regex(/^aws(-[a-z]+)*$/, 'must be an AWS partition such as aws, aws-cn or aws-us-gov'),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name'),
  GUARDIAN_PRICES: z.string().default(''),
  LIST_JOBS_PAGE_SIZE: positiveInteger(1000).default(100),
  TERMINATE_CONCURRENCY: positiveInteger(50).default(10),
  BILLING_DATA_LAG_HOURS: z.coerce.number().min(0).max(72).default(8),
});

export interface EnforceSpendConfig {
  ledgerTableName: string;
  noticesTopicArn: string;
  partition: string;
  region: string;
  prices: PriceOverrides;
  listJobsPageSize: number;
  terminateConcurrency: number;
  /** How far AWS Budgets' actual spend trails usage (see countedSpend). */
  billingDataLagHours: number;
}

/** Reads the function's configuration once, at cold start; a missing or bad variable fails by name. */
export function loadEnforceSpendConfig(env: NodeJS.ProcessEnv): EnforceSpendConfig {
  const data = readFunctionConfig('enforce-spend', configSchema, env);
  let prices: PriceOverrides = {};
  if (data.GUARDIAN_PRICES.trim() !== '') {
    try {
      prices = parsePriceOverrides(JSON.parse(data.GUARDIAN_PRICES));
    } catch (error) {
      throw new Error(`enforce-spend is misconfigured: GUARDIAN_PRICES: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    ledgerTableName: data.LEDGER_TABLE_NAME,
    noticesTopicArn: data.NOTICES_TOPIC_ARN,
    partition: data.PARTITION,
    region: data.AWS_REGION,
    prices,
    listJobsPageSize: data.LIST_JOBS_PAGE_SIZE,
    terminateConcurrency: data.TERMINATE_CONCURRENCY,
    billingDataLagHours: data.BILLING_DATA_LAG_HOURS,
  };
}
