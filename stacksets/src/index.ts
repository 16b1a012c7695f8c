/**
 * The spoke StackSet as a library: build, roll out to OUs, auto-deploy, inspect and remove, and
 * the organization helpers the local cloud uses. The command-line entry points (build, deploy,
 * remove, auto-deploy-cli) are run as scripts, not exported.
 */
export * from './artifact-store';
export * from './auto-deploy';
export * from './clients';
export * from './config';
export * from './manifest';
export * from './operation-wait';
export * from './organization';
export * from './organization-setup';
export * from './package-service';
export * from './plan';
export * from './rollout';
export * from './spoke-build';
export * from './spoke-inspection';
export * from './spoke-parameters';
export * from './stackset-api';
export * from './stackset-parameters';
export * from './teardown';
export * from './template';
export * from './transform-template';
