export * from './bad-budget-items';
export * from './stream-records';
