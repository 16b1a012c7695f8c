/**
 * Deploys the built spoke StackSet to the OUs and regions of the rollout configuration.
 *   pnpm stackset:deploy [--config stacksets/config.json] [--build-dir stacksets/build] [--dry-run] [--prune]
 * Runs with the management account's credentials (or a delegated administrator's, callAs
 * DELEGATED_ADMIN). The ExternalId comes from the environment variable the configuration names.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRolloutClients, realClock } from './clients';
import { DEFAULT_CONFIG_PATH, loadRolloutConfig, spokeExternalId } from './config';
import { loadBuild } from './manifest';
import { deploySpokeStackSet } from './rollout';
import { DEFAULT_BUILD_DIR } from './spoke-build';

const USAGE = `usage: stackset:deploy [--config FILE] [--build-dir DIR] [--dry-run] [--prune]
  --config     rollout configuration (default stacksets/config.json; see stacksets/config.example.json)
  --build-dir  output of stackset:build (default stacksets/build)
  --dry-run    print the plan; upload and change nothing
  --prune      also delete stack instances outside the configured OUs and regions
`;

const print = (line: string): void => {
  process.stdout.write(`[stackset:deploy] ${line}\n`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      'build-dir': { type: 'string', default: DEFAULT_BUILD_DIR },
      'dry-run': { type: 'boolean', default: false },
      prune: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const config = await loadRolloutConfig(resolve(values.config));
  const build = await loadBuild(resolve(values['build-dir']));
  const clients = createRolloutClients({ region: config.stackSetRegion, callAs: config.callAs, report: print });
  print(
    `StackSet ${config.stackSetName} in ${config.stackSetRegion} (${clients.dialect === 'moto' ? 'local cloud' : 'AWS'}), build ${build.manifest.artifactKeyPrefix}${values['dry-run'] ? ', dry run' : ''}`,
  );
  try {
    const result = await deploySpokeStackSet(
      { config, build, spokeExternalId: spokeExternalId(config), dryRun: values['dry-run'], prune: values.prune },
      { ...clients, ...realClock, report: print },
    );
    if (!values['dry-run'] && result.missing.length > 0) {
      throw new Error(
        `accounts of the target OUs still without the spoke: ${result.missing.map((m) => `${m.account} ${m.region}`).join(', ')}`,
      );
    }
    print(values['dry-run'] ? 'dry run done' : 'done');
  } finally {
    clients.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[stackset:deploy] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
