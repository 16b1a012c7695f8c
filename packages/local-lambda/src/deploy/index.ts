export * from './deploy-service';
export * from './template-gaps';
