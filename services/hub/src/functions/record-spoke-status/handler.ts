import { createRecordStatusHandler, loadRecordStatusConfig } from './create-handler';

export const handler = createRecordStatusHandler(loadRecordStatusConfig(process.env));
