'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, required by serverless-esbuild */
/**
 * The esbuild plugins of the functions' bundles: `custom.esbuild.plugins` of
 * services/hub/serverless.yml and services/spoke/serverless.yml (serverless-esbuild requires this
 * file from the service's directory). See docs/bundles.md.
 *
 * aws-sdk-lazy-modules: a client a function only needs on a rare path is imported on first use
 * (`import('./sns-sdk')`, packages/aws/src/<service>/<name>-sdk.ts, each one line
 * `export { SNSClient, PublishCommand } from '@aws-sdk/client-sns';`). esbuild wraps a module
 * imported that way, and every module it imports, in a function run on first use; a wrapped
 * package index runs, and so keeps, everything it re-exports: the client's every command and
 * its whole schema (some 20 kB more in each bundle for SNS, 40 for Lambda). The plugin reads such
 * a file's `export { … } from '@aws-sdk/client-…';` lines as one export per name from the module
 * of the package's ES build that declares it (`dist-es/SNSClient.js`,
 * `dist-es/commands/PublishCommand.js`, `dist-es/models/errors.js`), which esbuild keeps alone. A
 * name it finds in none of them fails the build. Tests and tsx read the files as they are.
 * A bundle must not also import such a package through its index (`import { LambdaClient } from
 * '@aws-sdk/client-lambda'` beside the lazy module): esbuild 0.28 then drops the index and the
 * call that initialises the wrapped client module with it, and the bundle fails at load
 * ("… is not a constructor"); the plugin fails such a build, naming the importing files.
 *
 * lambda-credential-provider: every client's runtime configuration imports the SDK's default
 * credential chain (@aws-sdk/credential-provider-node), whose providers for profiles, SSO,
 * `credential_process` and web identity token files bring the SSO, STS and sign-in clients (some
 * 130 kB of each bundle) that a Lambda function, given its credentials in the environment, never
 * runs. The plugin serves ./lambda-credential-provider.mjs for that package instead: the
 * environment, then the SDK's remote provider (container endpoint, instance metadata), with the
 * SDK's memoisation; its imports resolve from the replaced package's own directory.
 */
const { existsSync, readFileSync } = require('node:fs');
const { readFile } = require('node:fs/promises');
const { dirname, join, sep } = require('node:path');

const SDK_EXPORT = /^export \{ ([^}]+) \} from '(@aws-sdk\/client-[a-z0-9-]+)';$/gm;
/** Where a client package's ES build declares a name: the client, a command, an exception. */
const DECLARING_MODULES = (name) => [`${name}.js`, join('commands', `${name}.js`), join('models', 'errors.js')];

/**
 * The source with each `export { A, B } from '@aws-sdk/client-x';` line written as exports from the
 * modules of the package's ES build that declare A and B; undefined when it has none. `packageDir`
 * finds a package's directory; a name declared in none of the modules throws.
 */
function withSdkDeepExports(source, packageDir) {
  if (!new RegExp(SDK_EXPORT.source, 'm').test(source)) return undefined;
  return source.replace(SDK_EXPORT, (_line, names, packageName) => {
    const root = join(packageDir(packageName), 'dist-es');
    return names
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .map((name) => {
        const declaring = DECLARING_MODULES(name).find((file) => {
          const path = join(root, file);
          return (
            existsSync(path) &&
            new RegExp(`^export (class|const|function) ${name}\\b`, 'm').test(readFileSync(path, 'utf8'))
          );
        });
        if (declaring === undefined)
          throw new Error(`${packageName}: ${name} is declared in none of ${DECLARING_MODULES(name).join(', ')}`);
        return `export { ${name} } from ${JSON.stringify(join(root, declaring))};`;
      })
      .join('\n');
  });
}

const SDK_CLIENT_PACKAGE = /^@aws-sdk\/client-[a-z0-9-]+$/;

const awsSdkLazyModules = {
  name: 'aws-sdk-lazy-modules',
  setup(build) {
    /** Package → the files that import it through its index; package → the lazy modules that export from it. */
    const indexImporters = new Map();
    const lazyModules = new Map();
    build.onStart(() => {
      indexImporters.clear();
      lazyModules.clear();
    });
    build.onResolve({ filter: SDK_CLIENT_PACKAGE }, (args) => {
      if (!indexImporters.has(args.path)) indexImporters.set(args.path, new Set());
      indexImporters.get(args.path).add(args.importer);
      return undefined;
    });
    build.onLoad({ filter: /-sdk\.ts$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const packageDirs = new Map();
      for (const [, , name] of source.matchAll(SDK_EXPORT)) {
        if (!lazyModules.has(name)) lazyModules.set(name, new Set());
        lazyModules.get(name).add(args.path);
        const resolved = await build.resolve(`${name}/package.json`, {
          resolveDir: dirname(args.path),
          kind: 'import-statement',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        packageDirs.set(name, dirname(resolved.path));
      }
      const contents = withSdkDeepExports(source, (name) => packageDirs.get(name));
      return contents === undefined ? undefined : { contents, loader: 'ts' };
    });
    build.onEnd(() => {
      const mixed = [...lazyModules]
        .filter(([name]) => indexImporters.has(name))
        .map(
          ([name, modules]) =>
            `${name} is imported on first use by ${[...modules].join(', ')} and through its index by ` +
            `${[...indexImporters.get(name)].join(', ')}`,
        );
      if (mixed.length > 0) {
        throw new Error(
          `${mixed.join('; ')}: esbuild would drop the initialisation of the client's module (the bundle ` +
            'would fail at load). Use the lazy client of packages/aws there as well.',
        );
      }
    });
  },
};

const CREDENTIAL_PROVIDER_NODE = /^@aws-sdk\/credential-provider-node$/;
const LAMBDA_CREDENTIAL_PROVIDER = join(__dirname, 'lambda-credential-provider.mjs');

const lambdaCredentialProvider = {
  name: 'lambda-credential-provider',
  setup(build) {
    build.onResolve({ filter: CREDENTIAL_PROVIDER_NODE }, async (args) => {
      if (args.pluginData?.lambdaCredentialProvider) return undefined;
      const real = await build.resolve(args.path, {
        importer: args.importer,
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: { lambdaCredentialProvider: true },
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lambda-credential-provider' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lambda-credential-provider' }, async (args) => ({
      contents: await readFile(LAMBDA_CREDENTIAL_PROVIDER, 'utf8'),
      // Its imports are the package's own: resolved from the directory of the module it replaces.
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

module.exports = [awsSdkLazyModules, lambdaCredentialProvider];
module.exports.withSdkDeepExports = withSdkDeepExports;
