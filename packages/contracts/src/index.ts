export * from './budget-item';
export * from './budget-parameter';
export * from './revision';
export * from './status-event';
