import { loadReconcileConfig } from './config';
import { createReconcileHandler } from './create-handler';

export const handler = createReconcileHandler(loadReconcileConfig(process.env));
