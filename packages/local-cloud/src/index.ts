export * from '@org-budgets/aws-emulator';
export * from './dynamodb-stream-reader';
export * from './runtime';
export * from './deploy';
