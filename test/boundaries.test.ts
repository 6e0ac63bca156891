/**
 * The layers (docs/architecture.md, "Layers"): infra at the bottom, the core on it, the Lexamica
 * client on both, the apps on all three and never on each other. `no-restricted-imports` in
 * eslint.config.js enforces them; this lints a deliberate violation of each rule, and the imports
 * each layer may use, so a rule that stops firing (or fires on everything) fails here.
 * The sandbox's own rule has test/sandbox-boundary.test.ts.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { snippetLinter } from './lint-text.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const eslint = snippetLinter(root);

async function importErrors(filePath: string, spec: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${spec}';\nexport const y = x;\n`, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** [file that imports, what it imports, the words the error must carry] */
const violations: Array<[string, string, string]> = [
  ['packages/infra/src/redis/fixture.ts', '@lexbridge/core/jobs', 'infra is the bottom layer'],
  ['packages/infra/src/redis/fixture.test.ts', '@lexbridge/core/ledger', 'infra is the bottom layer'],
  ['packages/infra/src/redis/fixture.ts', '../../../core/src/jobs/index.js', 'no relative import crosses a package'],
  ['packages/core/src/jobs/fixture.ts', '@lexbridge/lexamica-client', 'the core imports infra only'],
  ['packages/core/src/jobs/fixture.ts', '@lexbridge/processor', 'the core imports infra only'],
  ['packages/core/src/jobs/fixture.ts', '../../../infra/src/redis/index.js', 'no relative import crosses a package'],
  ['packages/lexamica-client/src/fixture.ts', '@lexbridge/poller', 'the Lexamica client imports infra and core only'],
  ['apps/api/src/routes/fixture.ts', '@lexbridge/poller', 'apps never import apps'],
  ['apps/processor/test/fixture.ts', '@lexbridge/api', 'apps never import apps'],
  ['apps/cli/src/fixture.ts', '@lexbridge/poller/setup', 'apps never import apps'],
  ['apps/poller/src/fixture.ts', '../../processor/src/main.js', 'no relative import crosses a package'],
  ['apps/api/src/routes/cases/fixture.ts', '../../../../../apps/processor/src/main.js', 'no relative import crosses a package'],
  ['apps/processor/src/fixture.ts', '@lexbridge/testkit', 'the test kit is for tests only'],
  ['packages/core/src/ledger/fixture.ts', '@lexbridge/testkit', 'the test kit is for tests only'],
];

/** [file that imports, what it imports]: allowed, no error */
const allowed: Array<[string, string]> = [
  ['packages/infra/src/ops/fixture.ts', '../redis/index.js'],
  ['packages/infra/src/ops/fixture.test.ts', '@lexbridge/testkit'],
  ['packages/core/src/ledger/fixture.ts', '@lexbridge/infra/redis'],
  ['packages/lexamica-client/src/fixture.ts', '@lexbridge/core/mapping'],
  ['apps/api/src/routes/cases/fixture.ts', '../../idempotency/index.js'],
  ['apps/api/src/fixture.ts', '@lexbridge/core/jobs'],
  ['apps/poller/src/fixture.ts', '@lexbridge/lexamica-client'],
  ['apps/cli/src/fixture.ts', '@lexbridge/infra/config'],
  ['apps/processor/src/handlers/fixture.test.ts', '../../test/harness.js'],
  ['apps/processor/test/fixture.ts', '@lexbridge/testkit'],
];

describe('the layer boundaries', () => {
  it('fail lint on an import that goes up a layer, across to another app, or around a package by path', async () => {
    for (const [file, spec, words] of violations) {
      expect(await importErrors(file, spec), `${file} importing ${spec}`).toEqual([expect.stringContaining(words)]);
    }
  }, 60_000); // each lintText loads the config for its file: slow on a busy machine

  it('let each layer import the layers below it, and tests the test kit', async () => {
    for (const [file, spec] of allowed) {
      expect(await importErrors(file, spec), `${file} importing ${spec}`).toEqual([]);
    }
  }, 60_000);

  it('let the console page take types from the core, and no code (it runs in a browser)', async () => {
    const errors = async (filePath: string, code: string) => {
      const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
      return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
    };
    const value = "import { caseFactsSchema } from '@lexbridge/core/ledger';\nexport const y = caseFactsSchema;\n";
    const type = "import type { CaseFacts } from '@lexbridge/core/ledger';\nexport type Y = CaseFacts;\n";
    for (const file of ['apps/api/console/src/fixture.ts', 'apps/api/console/src/fixture.tsx']) {
      expect(await errors(file, value), file).toEqual([expect.stringContaining('the console page runs in a browser')]);
      expect(await errors(file, type), file).toEqual([]);
    }
    // The API's own code imports the same module's values freely.
    expect(await errors('apps/api/src/routes/fixture.ts', value)).toEqual([]);
  }, 60_000);
});
