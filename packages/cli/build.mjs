// Bundles the command line into one file, dist/org-budgets.cjs, for `npm pack` / `npm install`
// outside this workspace: the workspace packages it uses (contracts, aws) are TypeScript
// sources, so the installable package carries them bundled, with its npm dependencies.
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const outfile = join(import.meta.dirname, 'dist', 'org-budgets.cjs');
await build({
  entryPoints: [join(import.meta.dirname, 'src', 'bin.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  legalComments: 'none',
  logLevel: 'warning',
});
process.stdout.write(`dist/org-budgets.cjs: ${(statSync(outfile).size / 1024).toFixed(0)} kB\n`);
