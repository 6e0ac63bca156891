// ESLint: typescript-eslint's recommended rules, plus the house rules that a type check does not
// catch (no focused tests, no floating promises in service code).
import js from '@eslint/js';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';

const FOCUSED_TESTS = { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: 'focused tests hide the rest of the suite' };
// Redis scripts are `<name>-<keys>.lua` files in a package's `commands/` folder, defined by the one
// loader (scriptSet in @lexbridge/shared/redis) and run by name: no script string sent with EVAL,
// no hand-written EVALSHA fallback, no defineCommand beside the loader (test/redis-scripts.test.ts).
const SCRIPT_RULE = 'put the script in a commands/<name>-<keys>.lua file and run it through scriptSet (@lexbridge/shared/redis)';
const RAW_REDIS_SCRIPTS = [
  { selector: "CallExpression[callee.property.name=/^(eval|evalsha|eval_?ro|evalsha_?ro|evalRo|evalshaRo|evalBuffer|evalshaBuffer|fcall|fcall_ro|fcallRo)$/]", message: `raw EVAL: ${SCRIPT_RULE}` },
  { selector: "CallExpression[callee.property.name=/^(call|send_command|sendCommand)$/] > Literal.arguments:first-child[value=/^(eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro)$/i]", message: `raw EVAL: ${SCRIPT_RULE}` },
];
const DEFINE_COMMAND = { selector: "CallExpression[callee.property.name='defineCommand']", message: `defineCommand outside the loader: ${SCRIPT_RULE}` };

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
      'no-restricted-syntax': ['error', FOCUSED_TESTS, ...RAW_REDIS_SCRIPTS, DEFINE_COMMAND],
    },
  },
  // The one Redis script loader defines the commands; nothing else does.
  {
    files: ['packages/shared/src/redis/scripts.ts'],
    rules: { 'no-restricted-syntax': ['error', FOCUSED_TESTS, ...RAW_REDIS_SCRIPTS] },
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
