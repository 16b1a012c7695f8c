export * from './budget-shapes';
export * from './desired-budget';
export * from './errors';
export * from './plan-budget-reconciliation';
export * from './budget-drift';
export * from './budget-state';
export * from './lockdown';
