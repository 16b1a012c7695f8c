import { loadDelayGuardianCheckConfig } from './config';
import { createDelayGuardianCheckHandler } from './create-handler';

export const handler = createDelayGuardianCheckHandler(loadDelayGuardianCheckConfig(process.env));
