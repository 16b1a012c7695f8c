import { loadExpandConfig } from './config';
import { createExpandHandler } from './create-handler';

export const handler = createExpandHandler(loadExpandConfig(process.env));
