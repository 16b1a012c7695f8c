export * from './budget-item';
export * from './budget-parameter';
export * from './errors';
export * from './revision';
export * from './status-event';
