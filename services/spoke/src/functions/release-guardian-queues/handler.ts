import { loadReleaseGuardianQueuesConfig } from './config';
import { createReleaseGuardianQueuesHandler } from './create-handler';

export const handler = createReleaseGuardianQueuesHandler(loadReleaseGuardianQueuesConfig(process.env));
