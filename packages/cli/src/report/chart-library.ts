import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkedForInlining } from './chart-library-check';

/**
 * Chart.js's UMD build (a global `Chart`), to inline in the report page: read from the installed
 * package here; the bundled binary (build.mjs) replaces this module with one holding the file's
 * text, so the installed command needs no node_modules either. Its licence header is kept.
 */
export function chartLibrarySource(): string {
  // chart.js's `exports` do not list its UMD file: find it beside the CommonJS build.
  return checkedForInlining(readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8'));
}
