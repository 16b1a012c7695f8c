/**
 * The layering of the workspace, checked by `pnpm lint:deps` (part of `npm test`):
 *
 *   contracts ← aws, budgets, guardian ← services, cli     (production code)
 *   aws-emulator ← local-lambda ← sandbox ← scripts, bench, test   (the local cloud)
 *
 * Production code never imports the local cloud or test helpers; packages never import services;
 * services never import each other; across workspaces only a package's index (or its `testing`
 * subpath, from tests) is imported, never a file under another workspace's `src/`.
 * CONTRIBUTING.md, "Layout", says the same in words.
 */
const TEST_FILE = '(\\.test\\.ts$|/testing/|/test-support\\.ts$|\\.integration\\.test\\.ts$)';
const LOCAL_CLOUD = '^packages/(aws-emulator|local-lambda|sandbox|test-fixtures)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle hides which module is the lower layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'packages-never-import-services',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'services-never-import-each-other',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'production-never-imports-the-local-cloud-or-test-helpers',
      severity: 'error',
      comment: 'Handlers never know they run locally; test helpers stay in tests.',
      from: {
        path: '^(services|stacksets|packages/(contracts|aws|budgets|guardian|cli))/',
        pathNot: TEST_FILE,
      },
      to: { path: [LOCAL_CLOUD, '^test/', TEST_FILE] },
    },
    {
      name: 'the-emulator-imports-nothing-of-org-budgets',
      severity: 'error',
      comment: 'packages/aws-emulator is a general AWS emulator, usable by any project.',
      from: { path: '^packages/aws-emulator/', pathNot: TEST_FILE },
      to: { path: '^(packages/(?!aws-emulator/)|services/|stacksets/)' },
    },
    {
      name: 'no-deep-imports-across-workspaces',
      severity: 'error',
      comment:
        "Import a package through its index (package.json `exports`), not a file of its src/. A service is no library: its functions' create-handler files are what tests and benches run.",
      from: { path: '^((?:packages|services)/[^/]+|stacksets|scripts|bench|test)/' },
      to: {
        path: '^(packages/[^/]+|stacksets)/src/',
        pathNot: ['^$1/', '/src/index\\.ts$', '/src/testing(/index)?\\.ts$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: {
      path: [
        '^test/layering/fixture/',
        '(^|/)node_modules/',
        '(^|/)\\.serverless/',
        '(^|/)\\.esbuild/',
        '^stacksets/build/',
        '^\\.tools/',
      ],
    },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
