const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  resolver: '<rootDir>/jest.resolver.cjs',
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?@middy/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  setupFiles: ['<rootDir>/test/setup-env.cjs'],
};

/** @type {import('jest').Config} */
module.exports = {
  // `pnpm test:coverage` (in npm test): the pure packages stay covered. v8 coverage: no
  // instrumentation pass, fast with @swc/jest.
  coverageProvider: 'v8',
  coverageThreshold: Object.fromEntries(
    ['contracts', 'budgets', 'guardian'].map((pkg) => [
      `./packages/${pkg}/src/`,
      { statements: 95, lines: 95, functions: 90, branches: 85 },
    ]),
  ),
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/packages/*/src/**/*.test.ts',
        '<rootDir>/services/*/src/**/*.test.ts',
        '<rootDir>/stacksets/src/**/*.test.ts',
        '<rootDir>/bench/**/*.test.ts',
        '<rootDir>/test/layering/*.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', '\\.integration\\.test\\.ts$'],
      setupFilesAfterEnv: ['<rootDir>/test/timeouts/unit.cjs'],
      collectCoverageFrom: [
        '<rootDir>/packages/{contracts,budgets,guardian}/src/**/*.ts',
        '!**/*.test.ts',
        '!**/testing/**',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/packages/*/src/**/*.integration.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/timeouts/integration.cjs'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/timeouts/e2e.cjs'],
    },
  ],
};
