import { loadEnforceSpendConfig } from './config';
import { createEnforceSpendHandler } from './create-handler';

export const handler = createEnforceSpendHandler(loadEnforceSpendConfig(process.env));
