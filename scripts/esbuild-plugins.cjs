'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, required by serverless-esbuild */
/**
 * The esbuild plugins of the functions' bundles: `custom.esbuild.plugins` of
 * services/hub/serverless.yml and services/spoke/serverless.yml (serverless-esbuild requires this
 * file from the service's directory). See docs/bundles.md.
 *
 * zod-namespace-import: our sources write `import { z } from 'zod'`. zod's index re-exports its
 * whole API as the namespace `z`, and esbuild cannot tell which of its members a module that
 * imports the namespace by name uses: it keeps all of zod, every locale included (~470 KB of
 * the ~540 KB record-spoke-status bundle before, minified). `import * as z from 'zod'` (the form
 * zod recommends) names the same members, and esbuild keeps only those used (~100 KB). The
 * plugin reads our own TypeScript files (never node_modules) with that one line rewritten; every
 * other file, and every other form of import, is loaded as esbuild would.
 */
const { readFile } = require('node:fs/promises');
const { sep } = require('node:path');

const NAMED_Z_IMPORT = /^import \{ z \} from 'zod';$/m;
const NAMED_Z_IMPORTS = /^import \{ z \} from 'zod';$/gm;

/** The source with `import { z } from 'zod';` lines written as namespace imports; undefined when it has none. */
function withZodNamespaceImport(source) {
  return NAMED_Z_IMPORT.test(source) ? source.replace(NAMED_Z_IMPORTS, "import * as z from 'zod';") : undefined;
}

const zodNamespaceImport = {
  name: 'zod-namespace-import',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const contents = withZodNamespaceImport(await readFile(args.path, 'utf8'));
      return contents === undefined ? undefined : { contents, loader: 'ts' };
    });
  },
};

module.exports = [zodNamespaceImport];
module.exports.withZodNamespaceImport = withZodNamespaceImport;
