/**
 * What the benchmark reads from its private Redis: `INFO commandstats` (calls per command, counting
 * commands run inside Lua scripts too, as Redis does), `used_memory`, and a clean slate between
 * scenarios. The server is the benchmark's own, so FLUSHALL and CONFIG RESETSTAT touch nobody else.
 */
import { Redis } from 'ioredis';

/** Calls per command name (`get`, `evalsha`, `config|resetstat`, …). */
export type CommandCounts = Map<string, number>;

/** The probe's own commands, left out of every count. */
const PROBE_COMMANDS = new Set(['info', 'config|resetstat', 'config|get', 'flushall', 'ping', 'memory|usage']);

/** Parses the `# Commandstats` section of `INFO commandstats`. */
function parseCommandStats(info: string): CommandCounts {
  const counts: CommandCounts = new Map();
  for (const line of info.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match && !PROBE_COMMANDS.has(match[1]!)) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

/** The total of `counts`, and its biggest entries (name, calls), largest first. */
export function summarizeCommands(counts: CommandCounts, top = 8): { total: number; top: Array<[string, number]> } {
  let total = 0;
  for (const n of counts.values()) total += n;
  return { total, top: [...counts].sort((a, b) => b[1] - a[1]).slice(0, top) };
}

/** Script invocations (`eval`, `evalsha`, `fcall`): the round trips that carry Lua logic. */
export function scriptCalls(counts: CommandCounts): number {
  let n = 0;
  for (const [name, calls] of counts) if (/^(eval|evalsha|evalsha_ro|eval_ro|fcall|fcall_ro)$/.test(name)) n += calls;
  return n;
}

export interface RedisProbe {
  /** FLUSHALL and CONFIG RESETSTAT: the next scenario starts from nothing. */
  clean(): Promise<void>;
  resetStats(): Promise<void>;
  commandStats(): Promise<CommandCounts>;
  usedMemoryBytes(): Promise<number>;
  /** CPU seconds the server has used (user + system, from INFO cpu). */
  cpuSeconds(): Promise<number>;
  close(): void;
}

export function createRedisProbe(url: string): RedisProbe {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  return {
    async clean() {
      await redis.flushall();
      await redis.config('RESETSTAT');
    },
    async resetStats() {
      await redis.config('RESETSTAT');
    },
    async commandStats() {
      return parseCommandStats(await redis.info('commandstats'));
    },
    async usedMemoryBytes() {
      const match = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
      return match ? Number(match[1]) : 0;
    },
    async cpuSeconds() {
      const info = await redis.info('cpu');
      const read = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
      return read('used_cpu_user') + read('used_cpu_sys');
    },
    close() {
      redis.disconnect();
    },
  };
}
