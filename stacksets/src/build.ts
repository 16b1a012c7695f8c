/**
 * Builds the StackSet-ready spoke template from the packaged spoke service.
 *   pnpm stackset:build [--out-dir stacksets/build] [--stage prod]
 * Offline: runs `serverless package` in services/spoke and transforms its template.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSpokeStackSet, DEFAULT_BUILD_DIR, DEFAULT_STAGE } from './spoke-build';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'out-dir': { type: 'string', default: DEFAULT_BUILD_DIR },
      stage: { type: 'string', default: DEFAULT_STAGE },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: stackset:build [--out-dir DIR] [--stage STAGE]\n');
    return;
  }
  const build = await buildSpokeStackSet({
    outDir: resolve(values['out-dir']),
    stage: values.stage,
    report: (line) => process.stdout.write(`[stackset:build] ${line}\n`),
  });
  process.stdout.write(`[stackset:build] done: key prefix ${build.manifest.artifactKeyPrefix}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[stackset:build] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
