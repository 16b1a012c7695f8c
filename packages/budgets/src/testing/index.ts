export * from './budget-fixtures';
