import { ESLint } from 'eslint';

/**
 * ESLint with the repository's config, for linting a snippet as if it were a file of the repository
 * that need not exist. The type-aware rules are off: they need a file some tsconfig covers
 * (test/floating-promises.test.ts checks them on a real one).
 */
export function snippetLinter(root: string): ESLint {
  return new ESLint({
    cwd: root,
    overrideConfig: [
      {
        languageOptions: { parserOptions: { projectService: false } },
        rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
      },
    ],
  });
}
