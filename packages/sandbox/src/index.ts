export * from './local-cloud';
export * from './spoke-rollout';
export * from './sync-watcher';
export * from './demo-scenario';
export * from './guardian-act';
export * from './guardian-lab';
// What scripts, benchmarks and tests pass to the cloud's front door or read from it, so that they
// need no other package of the local cloud.
export type { CallInfo, CallRecord, FaultRule, LatencyRule } from '@org-budgets/aws-emulator';
export * from './organization-moves';
export * from './lockdown-view';
export * from './lockdown-act';
export * from './eventually';
export * from './org-defaults-act';
