// Bundles the command line into one file, dist/org-budgets.cjs, for `npm pack` / `npm install`
// outside this workspace: the workspace packages it uses (contracts, aws) are TypeScript
// sources, so the installable package carries them bundled, with its npm dependencies.
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The report page inlines Chart.js's UMD build: the bundle carries its text in place of
// src/report/chart-library.ts's read from node_modules (the installed command has none).
const require = createRequire(import.meta.url);
const chartJs = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
const inlineChartLibrary = {
  name: 'inline-chart-library',
  setup(b) {
    b.onLoad({ filter: /[\\/]report[\\/]chart-library\.ts$/ }, (args) => ({
      loader: 'ts',
      resolveDir: dirname(args.path),
      contents:
        `import { checkedForInlining } from './chart-library-check';\n` +
        `export function chartLibrarySource(): string { return checkedForInlining(${JSON.stringify(chartJs)}); }\n`,
    }));
  },
};

const outfile = join(import.meta.dirname, 'dist', 'org-budgets.cjs');
await build({
  entryPoints: [join(import.meta.dirname, 'src', 'bin.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  legalComments: 'none',
  plugins: [inlineChartLibrary],
  logLevel: 'warning',
});
process.stdout.write(`dist/org-budgets.cjs: ${(statSync(outfile).size / 1024).toFixed(0)} kB\n`);
