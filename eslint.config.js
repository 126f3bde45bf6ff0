// ESLint 9 flat config: typescript-eslint's type-aware recommended rules over lib/, test/ and
// bench/, tuned to the codebase (see the comments on each override). Formatting is Prettier's job,
// so no stylistic rules here. Run with `npm run lint` (which also type-checks the tests).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'require', 'module', '__dirname', '__filename', 'URL', 'setTimeout', 'clearTimeout', 'TextEncoder', 'TextDecoder'].map(
    (g) => [g, 'readonly'],
  ),
);

export default tseslint.config(
  // Hand-written declarations of .mjs scripts are checked where tests import them (test/tsconfig.json).
  { ignores: ['dist/', 'build/', 'build-*/', 'prebuilds/', 'node_modules/', 'vendor/', 'coverage/', 'deps/', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // lib/ and bench/ belong to tsconfig.json, test/ to test/tsconfig.json.
        projectService: { allowDefaultProject: ['vitest*.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Hot loops index typed arrays whose bounds the loop guarantees; `!` there is deliberate, and
      // without noUncheckedIndexedAccess the type checker calls each such `!` unnecessary.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Output interfaces (Output.write, ...) are async by contract even when an implementation
      // finishes synchronously (files), so callers can always await.
      '@typescript-eslint/require-await': 'off',
      // Numbers in messages and cache keys are intended.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Byte-class checks on names and headers (control characters, Latin-1 ranges) are deliberate.
      'no-control-regex': 'off',
      // `void promise` marks fire-and-forget cleanup on purpose.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
    },
  },
  {
    // Tests poke at internals, parse JSON fixtures and use vitest's loosely typed matchers.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (build scripts, the test loader, this file): no type information.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals, sourceType: 'module' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
