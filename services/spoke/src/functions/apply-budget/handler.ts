import { loadApplyBudgetConfig } from './config';
import { createApplyBudgetHandler } from './create-handler';

export const handler = createApplyBudgetHandler(loadApplyBudgetConfig(process.env));
