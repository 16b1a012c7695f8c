import { loadTrackBatchJobsConfig } from './config';
import { createTrackBatchJobsHandler } from './create-handler';

export const handler = createTrackBatchJobsHandler(loadTrackBatchJobsConfig(process.env));
