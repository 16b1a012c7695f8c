import { loadEnforceSpendConfig } from './config';

const ENV = {
  LEDGER_TABLE_NAME: 'org-budgets-spoke-prod-GuardianLedgerTable-ABC',
  NOTICES_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:org-budgets-prod-guardian-notices',
  PARTITION: 'aws',
  AWS_REGION: 'us-east-1',
  GUARDIAN_CHECKS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111111111111/org-budgets-spoke-prod-guardian-checks',
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
    });
    expect(loadEnforceSpendConfig({ ...ENV, GUARDIAN_SCHEDULE: 'rate(1 minute)' }).scheduleMs).toBe(60_000);
  });

  it('names every variable that is missing or wrong', () => {
    expect(() => loadEnforceSpendConfig({ ...ENV, NOTICES_TOPIC_ARN: 'topic', LIST_JOBS_PAGE_SIZE: '5000' })).toThrow(
      /^enforce-spend is misconfigured: NOTICES_TOPIC_ARN: must be an SNS topic ARN; LIST_JOBS_PAGE_SIZE: /,
    );
  });

  it('says what is wrong with the price overrides', () => {
    expect(() => loadEnforceSpendConfig({ ...ENV, GUARDIAN_PRICES: '{"fargat": {}}' })).toThrow(
      /^enforce-spend is misconfigured: GUARDIAN_PRICES: .*fargat/,
    );
    expect(() => loadEnforceSpendConfig({ ...ENV, GUARDIAN_PRICES: '{not json' })).toThrow(/GUARDIAN_PRICES: /);
  });
});
