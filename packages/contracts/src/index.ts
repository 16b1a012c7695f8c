export * from './budget-item';
export * from './budget-parameter';
export * from './errors';
export * from './revision';
export * from './status-event';
export * from './organization-target';
export * from './organization-defaults';
