import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the `@lexbridge/source` export
// condition), so tests never need a build first.
const conditions = ['@lexbridge/source', 'node', 'import', 'default'];
const shared = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@lexbridge/source'] } },
};
const exclude = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  ...shared,
  test: {
    reporters: ['default', './packages/testkit/src/summary-reporter.ts'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['{apps,packages}/*/src/**/*.test.ts', '{apps,packages}/*/test/**/*.test.ts', 'test/**/*.test.ts', 'chaos/**/*.test.ts'],
          exclude: [...exclude, '**/*.int.test.ts', '**/*.slow.test.ts', '**/e2e/**'],
        },
      },
      {
        ...shared,
        test: {
          // Nothing started, but seconds of work at volume (50,000 stored events): kept out of the
          // unit project so `npm run test:unit` stays quick.
          name: 'slow',
          include: ['{apps,packages}/*/{src,test}/**/*.slow.test.ts'],
          exclude,
          testTimeout: 120_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['{apps,packages}/*/{src,test}/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          exclude,
          globalSetup: ['./packages/testkit/src/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          exclude,
          globalSetup: ['./packages/testkit/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
