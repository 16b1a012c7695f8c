/**
 * Deletes every stack instance of the spoke StackSet, waiting for each operation, then the StackSet.
 *   pnpm stackset:remove [--config stacksets/config.json] [--dry-run]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRolloutClients, realClock } from './clients';
import { DEFAULT_CONFIG_PATH, loadRolloutConfig, operationPreferences } from './config';
import { removeSpokeStackSet } from './teardown';

const print = (line: string): void => {
  process.stdout.write(`[stackset:remove] ${line}\n`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: stackset:remove [--config FILE] [--dry-run]\n');
    return;
  }
  const config = await loadRolloutConfig(resolve(values.config));
  const clients = createRolloutClients({ region: config.stackSetRegion, callAs: config.callAs, report: print });
  try {
    await removeSpokeStackSet(
      {
        stackSetName: config.stackSetName,
        preferences: operationPreferences(config.operationPreferences),
        timeoutMs: config.operationTimeoutMinutes * 60_000,
        dryRun: values['dry-run'],
      },
      { stackSets: clients.stackSets, ...realClock, report: print },
    );
  } finally {
    clients.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[stackset:remove] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
