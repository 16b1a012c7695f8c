export * from './batch-job-event';
export * from './cost-model';
export * from './decide';
export * from './errors';
export * from './ledger';
export * from './notice';
export * from './spend-estimate';
