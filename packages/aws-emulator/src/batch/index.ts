export { BatchError, clientException, notSupportedLocally, type BatchErrorCode } from './batch-errors';
export {
  answerBatchRequest,
  BATCH_SIGNING_NAME,
  isSimulatedBatchCall,
  SIMULATED_BATCH_OPERATIONS,
  type BatchReply,
  type BatchRequest,
} from './batch-service';
export {
  BatchJobSimulator,
  CONTAINER_EXITED_REASON,
  DEFAULT_BATCH_SIMULATION,
  MAX_BULK_JOB_IDS,
  MAX_DESCRIBE_JOBS,
  STOPPED_CONTAINER_EXIT_CODE,
  TIMEOUT_REASON,
  type BatchCaller,
  type BatchJobSimulatorOptions,
  type BatchLookup,
  type BatchSimulationSettings,
  type SimulatedBatchJob,
} from './batch-simulator';
export {
  JOB_EXIT_CODE_VARIABLE,
  JOB_SECONDS_VARIABLE,
  MAX_DEPENDENCIES,
  type Architecture,
  type JobResources,
  type Platform,
} from './job-spec';
export {
  BATCH_EVENT_SOURCE,
  BATCH_JOB_STATE_CHANGE,
  batchJobStateChangeEvent,
  type BatchJobStateChangeEvent,
} from './job-state-change';
export { JOB_STATUSES, MAX_FILTERED_LIST_JOBS_RESULTS, MAX_LIST_JOBS_RESULTS, type BatchJobStatus } from './list-jobs';
