/**
 * The emulator's test helpers, for the tests of the packages built on it
 * (`@org-budgets/aws-emulator/testing`): clean-ups that run however a test ends, upstreams that
 * misbehave deterministically, and an in-memory stand-in for the Batch resources moto holds.
 */
export * from './test-support';
export * from './batch/batch-test-support';
