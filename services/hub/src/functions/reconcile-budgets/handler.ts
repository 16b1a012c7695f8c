import { createReconcileHandler, loadReconcileConfig } from './create-handler';

export const handler = createReconcileHandler(loadReconcileConfig(process.env));
