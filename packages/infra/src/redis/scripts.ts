/**
 * Redis scripts, the way BullMQ keeps them: one `.lua` file per script in a package's `commands/`
 * folder, named `<name>-<numberOfKeys>.lua` (`createLedgerRecord-7.lua`); fragments shared by
 * several scripts live in `commands/includes/` and are pulled in with a line
 * `--- @include "includes/feedAppend"` (relative to the including file, `.lua` implied; each
 * fragment once per script, however often it is named). This module is the one loader: it reads a
 * folder once, at the first connection that needs it (start-up), and defines every script in it as
 * an ioredis command (`defineCommand`: sent once, then run by SHA, reloaded on NOSCRIPT). No code
 * sends a script string with `EVAL` (the lint forbids it; test/redis-scripts.test.ts).
 *
 * Every key a script touches is passed in `KEYS`, in the fixed number its file name says, so a
 * hash-tagged keyspace keeps each script in one cluster slot. The build copies the `.lua` files
 * beside the compiled modules (scripts/copy-lua.mjs), so `dist/` loads them the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import type { Redis } from 'ioredis';

/** A script as defined on a connection: its include lines replaced by the fragments' text. */
export interface RedisScript {
  /** The file name before `-<n>.lua`: the command's name. */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  /** The file it was read from (for error messages). */
  readonly file: string;
}

/** A script argument, as ioredis sends it. */
export type ScriptArg = string | number | Buffer;

/** A `commands/` folder that breaks the loader's rules; the message names the file and what to do. */
export class RedisScriptError extends Error {
  override readonly name = 'RedisScriptError';
}

const SCRIPT_FILE = /^([a-z][A-Za-z0-9]*)-(\d{1,2})\.lua$/;
const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;

function expand(file: string, seen: Set<string>, stack: string[]): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const from = stack.at(-1);
    throw new RedisScriptError(`${from ? `${from} includes ` : ''}${file}, which cannot be read (${(err as Error).message}); fix the @include path`);
  }
  return text.replace(INCLUDE, (_line, path: string) => {
    const target = join(dirname(file), path.endsWith('.lua') ? path : `${path}.lua`);
    if (target === file || stack.includes(target)) throw new RedisScriptError(`Lua include cycle: ${[...stack, file, target].join(' -> ')}`);
    if (seen.has(target)) return `-- (${path}: included above)`;
    seen.add(target);
    return expand(target, seen, [...stack, file]);
  });
}

/**
 * Reads every `<name>-<n>.lua` directly in `dir` (a folder URL ending in `/`), with its includes
 * expanded. Throws {@link RedisScriptError} for a `.lua` file whose name lacks the key count, a
 * missing include, or an include cycle.
 */
export function readScripts(dir: URL): RedisScript[] {
  const path = fileURLToPath(dir);
  const files = readdirSync(path, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.lua'));
  if (files.length === 0) throw new RedisScriptError(`no .lua scripts in ${path}; was the build's copy step (scripts/copy-lua.mjs) run?`);
  return files.map((e) => {
    const m = SCRIPT_FILE.exec(e.name);
    if (!m) throw new RedisScriptError(`${join(path, e.name)}: a script's file is named <name>-<number of keys>.lua (fragments go in includes/)`);
    const file = join(path, e.name);
    return { name: m[1]!, numberOfKeys: Number(m[2]), lua: expand(file, new Set(), []), file: relative(process.cwd(), file) };
  });
}

/** The scripts of one `commands/` folder, run on any connection by name. */
export interface ScriptSet<Name extends string> {
  /** The scripts, read on first use. */
  scripts(): ReadonlyArray<RedisScript>;
  /**
   * Defines every script of the set on `redis` (once per connection). Call it where the connection
   * is handed to the code that runs them (a factory), before its first command: an auto-pipelining
   * connection copies its commands into each pipeline it opens, so a script defined while a
   * pipeline is open is missing from it.
   */
  define(redis: Redis): void;
  /**
   * Runs script `name` on `redis` (defining every script of the set there on first use). Throws
   * {@link RedisScriptError} when `keys` is not as many keys as the script's file name says.
   */
  run(redis: Redis, name: Name, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown>;
}

// Command names are global on a connection: two folders must not both define one.
const owners = new Map<string, string>();
const COMMAND_PREFIX = 'lexbridge:';

/**
 * The scripts in `dir` (`new URL('./commands/', import.meta.url)` from the owning package), as a
 * set whose `name`s the caller lists, so a typo does not compile and a script file that was
 * renamed or is missing fails at first use with its name.
 */
export function scriptSet<const Names extends readonly string[]>(dir: URL, names: Names): ScriptSet<Names[number]> {
  let loaded: Map<string, RedisScript> | undefined;
  const load = () => {
    if (loaded) return loaded;
    const scripts = readScripts(dir);
    const byName = new Map(scripts.map((s) => [s.name, s]));
    for (const n of names) if (!byName.has(n)) throw new RedisScriptError(`no script ${n}-<keys>.lua in ${fileURLToPath(dir)}`);
    for (const s of scripts) {
      const owner = owners.get(s.name);
      if (owner !== undefined && owner !== dir.href) throw new RedisScriptError(`script ${s.name} is defined in both ${owner} and ${dir.href}; rename one`);
      owners.set(s.name, dir.href);
    }
    loaded = byName;
    return byName;
  };
  const define = (redis: Redis) => {
    const r = redis as unknown as Record<string, unknown>;
    for (const s of load().values()) {
      const command = `${COMMAND_PREFIX}${s.name}`;
      if (typeof r[command] !== 'function') redis.defineCommand(command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    }
  };
  return {
    scripts: () => [...load().values()],
    define,
    run(redis, name, keys, args) {
      const script = load().get(name)!;
      if (keys.length !== script.numberOfKeys) {
        throw new RedisScriptError(`script ${name} takes ${script.numberOfKeys} keys (${script.file}), was given ${keys.length}`);
      }
      const command = `${COMMAND_PREFIX}${name}`;
      const r = redis as unknown as Record<string, ((...a: ScriptArg[]) => Promise<unknown>) | undefined>;
      if (typeof r[command] !== 'function') define(redis);
      return r[command]!.apply(redis, [...keys, ...args]);
    },
  };
}
