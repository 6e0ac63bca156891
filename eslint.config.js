// ESLint: typescript-eslint's recommended rules, plus the house rules that a type check does not
// catch (no focused tests, no floating promises in service code, import boundaries between layers).
import js from '@eslint/js';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';

/** The shipped code of every workspace (tests aside). */
const SERVICE_CODE = ['apps/*/src/**/*.ts', 'packages/{core,infra,lexamica-client}/src/**/*.ts'];

const FOCUSED_TESTS = { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: 'focused tests hide the rest of the suite' };
// Redis scripts are `<name>-<keys>.lua` files in a package's `commands/` folder, defined by the one
// loader (scriptSet in @lexbridge/infra/redis) and run by name: no script string sent with EVAL,
// no hand-written EVALSHA fallback, no defineCommand beside the loader (test/redis-scripts.test.ts).
const SCRIPT_RULE = 'put the script in a commands/<name>-<keys>.lua file and run it through scriptSet (@lexbridge/infra/redis)';
const RAW_REDIS_SCRIPTS = [
  { selector: "CallExpression[callee.property.name=/^(eval|evalsha|eval_?ro|evalsha_?ro|evalRo|evalshaRo|evalBuffer|evalshaBuffer|fcall|fcall_ro|fcallRo)$/]", message: `raw EVAL: ${SCRIPT_RULE}` },
  { selector: "CallExpression[callee.property.name=/^(call|send_command|sendCommand)$/] > Literal.arguments:first-child[value=/^(eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro)$/i]", message: `raw EVAL: ${SCRIPT_RULE}` },
];
const DEFINE_COMMAND = { selector: "CallExpression[callee.property.name='defineCommand']", message: `defineCommand outside the loader: ${SCRIPT_RULE}` };

// The layers (docs/architecture.md, "Layers"): each may import only the Lexbridge packages listed
// here, by package name. infra is the bottom; core sits on it; the Lexamica client on both; the
// apps on all three and never on each other. The sandbox is Lexamica's stand-in, not a mirror of
// Lexbridge: it shares no code with it, so a bug on one side cannot be copied to the other and pass
// every end-to-end test (issue 17). The test kit is for tests only (a root devDependency, absent
// from the image). test/boundaries.test.ts lints a violation of each rule.
const LAYERS = [
  { dir: 'packages/infra', may: [], why: 'infra is the bottom layer: it imports no Lexbridge package, the core least of all' },
  { dir: 'packages/core', may: ['infra'], why: 'the core imports infra only' },
  { dir: 'packages/lexamica-client', may: ['infra', 'core'], why: 'the Lexamica client imports infra and core only' },
  { dir: 'apps/{api,cli,poller,processor,receiver}', may: ['infra', 'core', 'lexamica-client'], why: 'apps never import apps: move what two apps share into packages/core or packages/infra' },
  { dir: 'apps/sandbox', may: [], why: 'the sandbox shares no code with Lexbridge: write its own (test/sandbox-boundary.test.ts)' },
  { dir: 'packages/testkit', may: [], why: 'the test kit imports no Lexbridge package' },
];
// A relative path that walks into another package's folder (`../../poller/src/x.js`,
// `../../../packages/core/src/jobs/index.js`) dodges the package rule; no relative import crosses a
// package.
const PACKAGE_DIRS = ['apps', 'packages', 'api', 'cli', 'poller', 'processor', 'sandbox', 'core', 'infra', 'lexamica-client', 'testkit'];
const crossesPackage = `^(\\.\\./)+(.*/)?(${PACKAGE_DIRS.join('|')})/(src|test|dist)/|^(\\.\\./)+(.*/)?(apps|packages)/`;

/** One block for tests (which may use the test kit too), one for shipped code. */
function layerBoundaries() {
  const rule = (may, why) => ['error', {
    patterns: [
      { regex: `^@lexbridge/(?!(${may.join('|') || '$^'})(/|$))`, message: why },
      { regex: crossesPackage, message: `${why}; and no relative import crosses a package` },
    ],
  }];
  return LAYERS.flatMap(({ dir, may, why }) => [
    { files: [`${dir}/**/*.ts`], rules: { 'no-restricted-imports': rule([...may, 'testkit'], why) } },
    { files: [`${dir}/src/**/*.ts`], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': rule(may, `${why} (the test kit is for tests only)`) } },
  ]);
}

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
    files: ['packages/infra/src/redis/scripts.ts'],
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
  // Promises in service code are awaited, returned, or handed to something that reports their
  // failure: a floating one fails silently (an unhandled rejection, or work the shutdown never waits
  // for). Type-aware, so only over the code the workspaces' tsconfigs cover.
  {
    files: SERVICE_CODE,
    ignores: ['**/*.test.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  {
    files: SERVICE_CODE,
    ignores: ['**/*.test.ts', '**/config.ts', '**/config/**', 'packages/testkit/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration in config.ts and pass it down' }],
    },
  },
  ...layerBoundaries(),
  // The console page runs in the browser, bundled by Vite: it takes types from the Lexbridge packages
  // (the case facts' one definition is the core's), never code, which would bring Node into the page.
  {
    files: ['apps/api/console/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex: '^@lexbridge/', allowTypeImports: true, message: 'the console page runs in a browser: import only types (`import type`) from Lexbridge packages' }] }],
    },
  },
);
