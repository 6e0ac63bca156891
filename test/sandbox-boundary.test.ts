/**
 * The sandbox shares no code with Lexbridge (issue 17): it is the peer Lexbridge is checked
 * against, so a mistake shared by both would pass every end-to-end test. An ESLint rule enforces
 * it; this checks that the rule really fires on a violation, and that no sandbox file has one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { snippetLinter } from './lint-text.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await snippetLinter(root).lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the sandbox boundary', () => {
  it('fails lint when sandbox code imports a Lexbridge package, or reaches into one by path', async () => {
    for (const spec of ['@lexbridge/core/mapping', '@lexbridge/lexamica-client', '@lexbridge/testkit', '../../../packages/core/src/mapping/index.js']) {
      const errors = await importErrors('apps/sandbox/src/boundary-fixture.ts', `import { x } from '${spec}';\nexport const y = x;\n`);
      expect(errors, spec).toEqual([expect.stringContaining('the sandbox shares no code with Lexbridge')]);
    }
  }, 60_000); // four ESLint runs; each loads the whole config, slow on a busy machine

  it('lets sandbox tests use the test kit only', async () => {
    expect(await importErrors('apps/sandbox/test/boundary-fixture.test.ts', "import { waitFor } from '@lexbridge/testkit';\nexport const w = waitFor;\n")).toEqual([]);
    expect(await importErrors('apps/sandbox/test/boundary-fixture.test.ts', "import { resolveProfile } from '@lexbridge/lexamica-client';\nexport const r = resolveProfile;\n")).toHaveLength(1);
  });

  it('holds today: no sandbox file imports Lexbridge, and its package depends on none of it', () => {
    const files = (readdirSync(join(root, 'apps/sandbox'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.includes('node_modules') && !f.startsWith('dist'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(join(root, 'apps/sandbox', f), 'utf8');
      const imports = [...text.matchAll(/from '(@lexbridge\/[^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((i) => i !== '@lexbridge/testkit'), f).toEqual([]);
    }
    // The test kit is the root's devDependency (out of every workspace's tree), so the sandbox declares no @lexbridge package at all.
    const pkg = JSON.parse(readFileSync(join(root, 'apps/sandbox/package.json'), 'utf8')) as { dependencies?: object; devDependencies?: object };
    expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d.startsWith('@lexbridge/'))).toEqual([]);
  });
});
