import { loadRecordSpendConfig } from './config';
import { createRecordSpendHandler } from './create-handler';

export const handler = createRecordSpendHandler(loadRecordSpendConfig(process.env));
