export * from './aws-call';
export * from './aws-error';
export * from './dynamodb-stream-reader';
export * from './free-port';
export * from './front-door';
export * from './injection-rules';
export * from './moto-server';
