export * from './event-pattern';
