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
