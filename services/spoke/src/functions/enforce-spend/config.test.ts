import { loadEnforceSpendConfig } from './config';

const ENV = {
  LEDGER_TABLE_NAME: 'org-budgets-spoke-prod-GuardianLedgerTable-ABC',
  NOTICES_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:org-budgets-prod-guardian-notices',
  PARTITION: 'aws',
  AWS_REGION: 'us-east-1',
  GUARDIAN_CHECK_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:111111111111:function:org-budgets-spoke-prod-enforceSpend',
  GUARDIAN_CHECK_DELAY_FUNCTION_ARN:
    'arn:aws:lambda:us-east-1:111111111111:function:org-budgets-spoke-prod-delayGuardianCheck',
  GUARDIAN_CHECK_SCHEDULER_ROLE_ARN: 'arn:aws:iam::111111111111:role/org-budgets-spoke-prod-guardian-check-scheduler',
  GUARDIAN_CHECK_DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:us-east-1:111111111111:org-budgets-prod-spoke-dlq',
  GUARDIAN_CHECK_SCHEDULE_PREFIX: 'org-budgets-prod-check-',
};

describe('loadEnforceSpendConfig', () => {
  it('fills in the defaults', () => {
    expect(loadEnforceSpendConfig(ENV)).toMatchObject({
      region: 'us-east-1',
      prices: {},
      listJobsPageSize: 100,
      terminateConcurrency: 10,
      billingDataLagHours: 8,
      scheduleMs: 300_000,
      checks: {
        functionArn: ENV.GUARDIAN_CHECK_FUNCTION_ARN,
        delayFunctionArn: ENV.GUARDIAN_CHECK_DELAY_FUNCTION_ARN,
        schedulerRoleArn: ENV.GUARDIAN_CHECK_SCHEDULER_ROLE_ARN,
        deadLetterQueueArn: ENV.GUARDIAN_CHECK_DEAD_LETTER_QUEUE_ARN,
        scheduleNamePrefix: 'org-budgets-prod-check-',
      },
    });
    expect(loadEnforceSpendConfig({ ...ENV, GUARDIAN_SCHEDULE: 'rate(1 minute)' }).scheduleMs).toBe(60_000);
  });

  it('names every variable that is missing or wrong', () => {
    expect(() => loadEnforceSpendConfig({ ...ENV, NOTICES_TOPIC_ARN: 'topic', LIST_JOBS_PAGE_SIZE: '5000' })).toThrow(
      /^enforce-spend is misconfigured: NOTICES_TOPIC_ARN: must be an SNS topic ARN; LIST_JOBS_PAGE_SIZE: /,
    );
  });

  it('refuses check targets it could not use, by name', () => {
    expect(() =>
      loadEnforceSpendConfig({
        ...ENV,
        GUARDIAN_CHECK_FUNCTION_ARN: 'enforceSpend',
        GUARDIAN_CHECK_SCHEDULE_PREFIX: `${'x'.repeat(40)}-check-`,
      }),
    ).toThrow(
      /^enforce-spend is misconfigured: GUARDIAN_CHECK_FUNCTION_ARN: must be a Lambda function ARN; GUARDIAN_CHECK_SCHEDULE_PREFIX: /,
    );
  });

  it('says what is wrong with the price overrides', () => {
    expect(() => loadEnforceSpendConfig({ ...ENV, GUARDIAN_PRICES: '{"fargat": {}}' })).toThrow(
      /^enforce-spend is misconfigured: GUARDIAN_PRICES: .*fargat/,
    );
    expect(() => loadEnforceSpendConfig({ ...ENV, GUARDIAN_PRICES: '{not json' })).toThrow(/GUARDIAN_PRICES: /);
  });
});
