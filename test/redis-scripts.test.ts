/**
 * Redis scripts are written one way (issue 23): a `<name>-<keys>.lua` file in a package's
 * `commands/` folder, defined by the one loader. The lint of `npm run lint` refuses every other way
 * (a script string sent with EVAL, a hand-written EVALSHA fallback, defineCommand beside the
 * loader); every script file declares the keys it uses; the build copies the files into dist/ and
 * the image copies dist/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readScripts } from '@lexbridge/infra/redis';
import { snippetLinter } from './lint-text.js';

const root = fileURLToPath(new URL('..', import.meta.url));

async function lint(code: string, path = 'packages/core/src/ledger/eval-probe.ts'): Promise<string[]> {
  const eslint = snippetLinter(root);
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

/** Every folder under apps/ and packages/ sources that holds a `.lua` file. */
function luaFolders(): string[] {
  const found = new Set<string>();
  for (const top of ['apps', 'packages']) {
    for (const e of readdirSync(join(root, top), { recursive: true, withFileTypes: true })) {
      const rel = relative(root, e.parentPath);
      if (e.isFile() && e.name.endsWith('.lua') && !/(^|\/)(node_modules|dist)(\/|$)/.test(rel)) found.add(rel);
    }
  }
  return [...found].sort();
}

describe('Redis scripts in npm run lint', () => {
  it('refuses a script string sent with EVAL, EVALSHA or call("EVAL")', async () => {
    expect(await lint("export const f = (redis: any) => redis.eval('return 1', 0);\n")).toEqual([expect.stringMatching(/^raw EVAL/)]);
    expect(await lint("export const f = (redis: any) => redis.evalsha('abc', 1, 'k');\n")).toEqual([expect.stringMatching(/^raw EVAL/)]);
    expect(await lint("export const f = (redis: any) => redis.call('EVAL', 'return 1', 0);\n")).toEqual([expect.stringMatching(/^raw EVAL/)]);
    expect(await lint("export const f = (redis: any) => redis.fcall('f', 0);\n", 'apps/poller/src/probe.ts')).toEqual([expect.stringMatching(/^raw EVAL/)]);
  });

  it('refuses defineCommand anywhere but the loader', async () => {
    const code = "export const f = (redis: any) => redis.defineCommand('x', { numberOfKeys: 1, lua: 'return 1' });\n";
    expect(await lint(code, 'apps/processor/src/probe.ts')).toEqual([expect.stringMatching(/^defineCommand outside the loader/)]);
    expect(await lint(code, 'packages/infra/src/redis/scripts.ts')).toEqual([]);
  });

  it('accepts a script run by name through the loader', async () => {
    expect(await lint("import { coreScripts } from '../commands/index.js';\nexport const f = (redis: any) => coreScripts.run(redis, 'releaseCapacity', ['k'], []);\n")).toEqual([]);
  });
});

describe('the Redis script files', () => {
  const folders = luaFolders();

  it('live in commands/ folders (fragments in commands/includes/)', () => {
    expect(folders.length).toBeGreaterThan(0);
    for (const f of folders) expect(f).toMatch(/\/src\/commands(\/includes)?$/);
  });

  it('use no key beyond the count in their file name, and each name once', () => {
    const names = new Map<string, string>();
    for (const folder of folders.filter((f) => f.endsWith('/commands'))) {
      for (const s of readScripts(pathToFileURL(join(root, folder, '/')))) {
        const used = Math.max(0, ...[...s.lua.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
        expect(used, `${s.file} uses KEYS[${used}]`).toBeLessThanOrEqual(s.numberOfKeys);
        expect(s.lua, `${s.file} reads keys it was not given (KEYS[k] with a computed k)`).not.toMatch(/KEYS\[[^\]0-9]/);
        expect(names.get(s.name), `${s.name} in ${folder} and ${names.get(s.name)}`).toBeUndefined();
        names.set(s.name, folder);
      }
    }
  });

  it('are copied into dist/ by the build of their package, and the image copies that dist/', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const pkg of new Set(folders.map((f) => f.slice(0, f.indexOf('/src/'))))) {
      const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8')) as { scripts: { build: string } };
      expect(manifest.scripts.build, pkg).toMatch(/&& node \.\.\/\.\.\/scripts\/copy-lua\.mjs( &&|$)/);
      expect(dockerfile).toContain(`COPY --from=build --chown=node:node /app/${pkg}/dist ./${pkg}/dist`);
    }
  });
});
