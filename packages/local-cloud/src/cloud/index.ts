export * from './local-cloud';
export * from './spoke-rollout';
export * from './sync-watcher';
export * from './demo-scenario';
export * from './guardian-act';
