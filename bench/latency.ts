import type { LatencyRule } from '@org-budgets/sandbox';

/** The AWS-like latency the end-to-end benchmarks inject at the front door, from their `--<service>-ms` options. */
export function awsLikeLatency(options: {
  'sts-ms': number;
  'ssm-ms': number;
  'ddb-ms': number;
  'budgets-ms': number;
  'events-ms': number;
  'org-ms'?: number;
}): LatencyRule[] {
  return [
    { service: 'sts', delayMs: options['sts-ms'] },
    { service: 'ssm', delayMs: options['ssm-ms'] },
    { service: 'dynamodb', delayMs: options['ddb-ms'] },
    { service: 'budgets', delayMs: options['budgets-ms'] },
    { service: 'events', delayMs: options['events-ms'] },
    ...(options['org-ms'] === undefined ? [] : [{ service: 'organizations', delayMs: options['org-ms'] }]),
  ];
}

/**
 * Lambda's waits before the two retries of a failed asynchronous invocation on AWS (1 then 2
 * minutes). The local runtime's default is 200/400 ms, which suits the tests; the end-to-end
 * benchmarks take AWS's, so that an event that fails for a moment (a spoke's report that
 * overtook the hub's delivery record, when the hub lags behind a large fan-out) costs what it
 * costs on AWS instead of running out of retries within a second.
 */
export const AWS_ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];
