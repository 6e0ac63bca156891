// ESLint: typescript-eslint's recommended rules, plus the house rules that a type check does not
// catch (no focused tests, no floating promises in service code).
import js from '@eslint/js';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.turbo/**', 'coverage/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: 'focused tests hide the rest of the suite' },
      ],
    },
  },
  // ReDoS: a regular expression that backtracks or scans super-linearly can stall the event loop on
  // one hostile string (a request URL, a Lexamica field). Checked on every file, tests included.
  {
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': ['error', { report: 'certain' }],
      'regexp/no-super-linear-move': ['error', { report: 'certain', ignoreSticky: false, ignorePartial: false }],
    },
  },
  {
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/config.ts', '**/config/**', 'packages/testkit/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration in config.ts and pass it down' }],
    },
  },
  // The sandbox is Lexamica's stand-in, not a mirror of Lexbridge: it shares no code with it, so a
  // bug on one side cannot be copied to the other and pass every end-to-end test (issue 17).
  // Its tests may use the test kit; nothing else of Lexbridge's.
  {
    files: ['apps/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@lexbridge/*', '!@lexbridge/testkit'], message: 'the sandbox shares no code with Lexbridge: write its own (test/sandbox-boundary.test.ts)' }, { group: ['**/packages/**', '../../*/**'], message: 'the sandbox shares no code with Lexbridge' }] }],
    },
  },
  {
    files: ['apps/sandbox/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@lexbridge/*'], message: 'the sandbox shares no code with Lexbridge: write its own (test/sandbox-boundary.test.ts)' }, { group: ['**/packages/**', '../../*/**'], message: 'the sandbox shares no code with Lexbridge' }] }],
    },
  },
);
