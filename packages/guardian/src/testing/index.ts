export * from './batch-events';
export * from './job-records';
