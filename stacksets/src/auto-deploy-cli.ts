/**
 * Applies auto-deployment to accounts that moved, as AWS would (for the local cloud; AWS does
 * it by itself).
 *   pnpm stackset:auto-deploy --account 111111111111 [--account …] [--config stacksets/config.json]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createAutoDeployer } from './auto-deploy';
import { DEFAULT_CONFIG_PATH, loadRolloutConfig, operationPreferences } from './config';

const print = (line: string): void => {
  process.stdout.write(`[stackset:auto-deploy] ${line}\n`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      account: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.account.length === 0) {
    process.stdout.write('usage: stackset:auto-deploy --account ID [--account ID …] [--config FILE]\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  const config = await loadRolloutConfig(resolve(values.config));
  const deployer = createAutoDeployer({
    stackSetName: config.stackSetName,
    region: config.stackSetRegion,
    callAs: config.callAs,
    targetOrganizationalUnitIds: config.targets.organizationalUnitIds,
    regions: config.targets.regions,
    preferences: operationPreferences(config.operationPreferences),
    timeoutMs: config.operationTimeoutMinutes * 60_000,
    report: print,
  });
  try {
    for (const accountId of values.account) {
      const result = await deployer.accountMoved(accountId);
      print(
        `account ${accountId}: created in [${result.createdRegions.join(', ')}], deleted in [${result.deletedRegions.join(', ')}]`,
      );
    }
  } finally {
    deployer.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[stackset:auto-deploy] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
