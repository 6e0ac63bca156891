import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { readScripts, RedisScriptError, scriptSet } from './index.js';

/** A `commands/` folder of `files` (path → Lua) in a fresh temporary directory. */
function commandsDir(files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'lexbridge-scripts-'));
  dirs.push(dir);
  for (const [path, lua] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), lua);
  }
  return pathToFileURL(`${dir}/`);
}
const dirs: string[] = [];

describe('the Redis script loader', () => {
  const t = createTestRedis('redis-scripts');
  afterAll(async () => {
    await t.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('runs a script by name with its includes expanded, each fragment once', async () => {
    const dir = commandsDir({
      'includes/double.lua': 'local function double(x) return x * 2 end\n',
      'includes/both.lua': '--- @include "double"\nlocal function plus_double(a, b) return a + double(b) end\n',
      'bumpTwice-1.lua': '--- @include "includes/double"\n--- @include "includes/both.lua"\nreturn redis.call("INCRBY", KEYS[1], plus_double(tonumber(ARGV[1]), tonumber(ARGV[2])))\n',
    });
    const set = scriptSet(dir, ['bumpTwice'] as const);
    const [script] = set.scripts();
    expect(script).toMatchObject({ name: 'bumpTwice', numberOfKeys: 1 });
    expect(script!.lua.match(/local function double/g)).toHaveLength(1);
    const key = `${t.prefix}:bump`;
    expect(await set.run(t.redis, 'bumpTwice', [key], [1, 2])).toBe(5);
    expect(await set.run(t.redis, 'bumpTwice', [key], [0, 1])).toBe(7);
  });

  it('runs on an auto-pipelining connection, in one tick with other commands, once defined by its factory', async () => {
    const set = scriptSet(commandsDir({ 'incrTwice-1.lua': 'redis.call("INCR", KEYS[1])\nreturn redis.call("INCR", KEYS[1])\n' }), ['incrTwice'] as const);
    const piped = new Redis(t.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
    try {
      set.define(piped);
      const key = `${t.prefix}:piped`;
      const replies = await Promise.all([piped.get(key), ...Array.from({ length: 20 }, () => set.run(piped, 'incrTwice', [key], [])), piped.ping()]);
      expect(replies.slice(1, -1).map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * (i + 1)));
    } finally {
      piped.disconnect();
    }
  });

  it('refuses a call with a key count other than the file name says', async () => {
    const set = scriptSet(commandsDir({ 'getTwo-2.lua': 'return { redis.call("GET", KEYS[1]), redis.call("GET", KEYS[2]) }\n' }), ['getTwo'] as const);
    await expect(async () => set.run(t.redis, 'getTwo', [`${t.prefix}:a`], [])).rejects.toThrow(/getTwo takes 2 keys .* was given 1/);
  });

  it('names the file for a script without a key count, a missing include and an include cycle', () => {
    expect(() => readScripts(commandsDir({ 'noCount.lua': 'return 1' }))).toThrow(/noCount\.lua: a script's file is named <name>-<number of keys>\.lua/);
    expect(() => readScripts(commandsDir({ 'lost-0.lua': '--- @include "includes/nowhere"\nreturn 1' }))).toThrow(RedisScriptError);
    expect(() => readScripts(commandsDir({ 'lost-0.lua': '--- @include "includes/nowhere"\nreturn 1' }))).toThrow(/lost-0\.lua includes .*nowhere\.lua, which cannot be read/);
    expect(() => readScripts(commandsDir({ 'loop-0.lua': '--- @include "includes/a"\nreturn 1', 'includes/a.lua': '--- @include "b"', 'includes/b.lua': '--- @include "a"' }))).toThrow(/include cycle/);
  });

  it('refuses two folders that define a script of the same name', () => {
    const first = scriptSet(commandsDir({ 'sameName-0.lua': 'return 1' }), ['sameName'] as const);
    const second = scriptSet(commandsDir({ 'sameName-0.lua': 'return 2' }), ['sameName'] as const);
    expect(first.scripts()).toHaveLength(1);
    expect(() => second.scripts()).toThrow(/script sameName is defined in both/);
  });

  it('fails at first use when a listed script has no file', () => {
    const set = scriptSet(commandsDir({ 'present-0.lua': 'return 1' }), ['present', 'absent'] as const);
    expect(() => set.scripts()).toThrow(/no script absent-<keys>\.lua/);
  });
});
