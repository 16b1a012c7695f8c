export * from './custom-resources';
export * from './deploy-service';
export * from './template-gaps';
