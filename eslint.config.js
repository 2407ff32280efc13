// ESLint flat config for the whole workspace (each package lints its own `src` through nx).
// Type-aware rules are chosen for the mistakes that hurt most here: forgotten promises around
// async GPU work, non-exhaustive op switches, skipped tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Test modifiers that make a test not run (or run alone): the project rule is no skips. */
const SKIPPING = 'MemberExpression[object.name=/^(it|test|describe|suite)$/][property.name=/^(skip|only|todo|skipIf|runIf)$/]';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', 'bench/results/**', '.nx/**', '**/coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // promises: a dropped promise around a GPU readback is a silent race
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      // op tables and dtype switches must cover every case
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      // style, not bugs: reported without failing the lint
      '@typescript-eslint/no-unnecessary-type-assertion': 'warn',
      'prefer-const': 'warn',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'smart'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // the dependency direction of DESIGN.md §1: core knows no other package
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@peft/*'], message: '@peft/core must not depend on other @peft packages.' }] },
      ],
    },
  },
  {
    // no import cycles in any package's source: a module never needs, at load time, a module that needs it
    // back (type-only imports are erased and do not count). Relative imports name `.js` files that are
    // `.ts` sources; other packages are outside each package's graph.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: SKIPPING, message: 'Tests never skip or run alone: fix the test or remove it (see CONTRIBUTING.md).' },
      ],
    },
  },
  {
    // examples are third-party code: the public entry points only, never a path into packages/
    files: ['examples/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/packages/**', '@peft/*/*', '!@peft/*/node', '!@peft/core/plugin'],
              message: 'Examples import only the public entry points: @peft/<package>, @peft/<package>/node and @peft/core/plugin.',
            },
          ],
        },
      ],
    },
  },
  {
    // scripts and benchmarks talk to the terminal
    files: ['tools/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // plain JavaScript (configs, the WebGPU probe) runs in Node without type information
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
