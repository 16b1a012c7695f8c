export { startFrontDoor, type FrontDoor, type FrontDoorHooks, type FrontDoorOptions } from './front-door';
export { summarizeCalls, type CallCounts, type CallRecord, type CallSummary } from './call-log';
export { MOTO_DEFAULT_ACCOUNT_ID } from './caller-accounts';
export { CONTROL_PREFIX } from './control-api';
export {
  type LambdaInvocationType,
  type LambdaInvoke,
  type LambdaInvokeHandler,
  type LambdaInvokeOutcome,
} from './lambda-invoke';
export { type ScheduleId, type SchedulerSchedule, type ScheduleTarget } from './scheduler-schedules';
export { FAULTS_ENV, LATENCY_ENV } from './injections';
export { snsMessageAttributes, type SnsPublish } from './sns-publish';
export { DEFAULT_UPSTREAM_TIMEOUT_MS } from './upstream';
