/**
 * What the guardian's later checks send to EventBridge Scheduler. Imported on first use only
 * (`loadSchedulerSdk`), never statically: a check later than two minutes is rare. The client is
 * apart (./scheduler-client-sdk): track-batch-jobs, which makes no schedule, bundles no client.
 */
export { ConflictException, CreateScheduleCommand } from '@aws-sdk/client-scheduler';
