export * from './budget-csv';
export * from './budget-row';
export * from './cli';
export * from './context';
export * from './import-plan';
export * from './list-view';
export * from './organization-directory';
