import { loadPropagateConfig } from './config';
import { createPropagateHandler } from './create-handler';

export const handler = createPropagateHandler(loadPropagateConfig(process.env));
