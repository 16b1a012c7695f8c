export * from '@org-budgets/aws-emulator';
export * from '@org-budgets/local-lambda';
