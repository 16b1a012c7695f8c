import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Chart.js's UMD build (a global `Chart`), to inline in the report page: read from the installed
 * package here; the bundled binary (build.mjs) replaces this module with the file's text, so the
 * installed command needs no node_modules either. Its licence header is kept as it is.
 */
export function chartLibrarySource(): string {
  // chart.js's `exports` do not list its UMD file: find it beside the CommonJS build.
  const source = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  return checkedForInlining(source);
}

/** The source, if it can sit inside a <script> element as it is (no `</script` or `<!--`). */
export function checkedForInlining(source: string): string {
  if (/<\/script|<!--/i.test(source)) {
    throw new Error('the chart library contains "</script" or "<!--" and cannot be inlined in the report page');
  }
  return source;
}
