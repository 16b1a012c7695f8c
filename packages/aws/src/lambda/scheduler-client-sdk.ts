/** The EventBridge Scheduler client, imported on first use only (`lazySchedulerClient`), never statically. */
export { SchedulerClient } from '@aws-sdk/client-scheduler';
