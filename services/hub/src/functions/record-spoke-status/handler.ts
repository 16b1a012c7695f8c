import { loadRecordStatusConfig } from './config';
import { createRecordStatusHandler } from './create-handler';

export const handler = createRecordStatusHandler(loadRecordStatusConfig(process.env));
