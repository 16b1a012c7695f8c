export * from './event-router';
