export * from './errors';
export * from './spoke-credentials';
export * from './spoke-parameters';
export * from './stream-image';
export * from './sync-status';
export * from './budget-items';
export * from './logger';
export * from './function-config';
