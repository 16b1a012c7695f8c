import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.serverless/**',
      '**/.esbuild/**',
      '**/dist/**',
      'coverage/**',
      '.tools/**',
      '.local-cloud/**',
      'stacksets/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      'no-console': 'error',
      // Schemas are written with zod/mini, imported as a namespace: classic zod (~70 kB more), or the
      // named `z` (zod's whole API, every locale included), would weigh on every Lambda bundle.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'zod', message: "Write schemas with `import * as z from 'zod/mini'` (docs/bundles.md)." },
            { name: 'zod/v4', message: "Write schemas with `import * as z from 'zod/mini'` (docs/bundles.md)." },
            { name: 'zod/v3', message: "Write schemas with `import * as z from 'zod/mini'` (docs/bundles.md)." },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value=/^zod/] > ImportSpecifier[imported.name='z']",
          message: "Import the namespace: `import * as z from 'zod/mini'` (docs/bundles.md).",
        },
      ],
    },
  },
  {
    // Tests, benchmarks and command-line scripts print; the functions log through Powertools.
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'scripts/**', 'packages/aws-emulator/src/cli/**'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // jest's asymmetric matchers (expect.any, expect.objectContaining) are typed any.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
  },
);
