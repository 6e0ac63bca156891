/**
 * Redis connections with roles, the start-up policy check, and the key namespace.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * - `worker`: BullMQ workers and long-lived loops. Commands wait through a reconnect
 *   (`maxRetriesPerRequest: null`), as BullMQ requires for blocking connections.
 * - `producer`: a request path (the API). Fails fast while Redis is away (no offline queue, one
 *   retry), so the caller can answer 503 instead of hanging.
 */
export type RedisRole = 'worker' | 'producer';

export function redisOptions(role: RedisRole): RedisOptions {
  const base: RedisOptions = {
    connectionName: undefined,
    // Reconnect with a capped backoff forever: a Redis restart must not kill the service.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  };
  if (role === 'worker') return { ...base, maxRetriesPerRequest: null, enableReadyCheck: false };
  return { ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 2_000 };
}

/** Creates a connection for `role`. Errors are logged (never thrown unhandled). */
export function createRedis(url: string, role: RedisRole, logger?: Logger, name?: string): Redis {
  const redis = new Redis(url, { ...redisOptions(role), ...(name ? { connectionName: name } : {}) });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // A down Redis emits an error per reconnect attempt; log each distinct one once.
    if (err.message !== lastError) logger?.warn({ err, role }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) logger?.info({ role }, 'redis connection restored');
    lastError = '';
  });
  return redis;
}

/**
 * Waits until Redis answers and has finished loading its dataset (a restarting Redis answers
 * `LOADING` to most commands while it replays its AOF).
 * Services call it before their first command, so a start during a Redis restart waits instead of
 * exiting. Throws after `timeoutMs` with the last error.
 */
export async function waitForRedis(redis: Redis, logger?: Logger, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      // PING answers even while Redis replays its AOF; INFO says whether it is still loading.
      const info = await redis.info('persistence');
      if (/^loading:0/m.test(info)) return;
      if (Date.now() > deadline) throw new Error('still loading its dataset');
      if (!told) logger?.info('waiting for Redis to finish loading its dataset');
      told = true;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Redis did not become ready within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      if (!told) logger?.info({ reason: (err as Error).message }, 'waiting for Redis');
      told = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Warns when Redis may evict keys: BullMQ and the ledgers need `maxmemory-policy noeviction`,
 * or jobs and checkpoints can vanish under memory pressure. Returns the policy found.
 */
export async function checkRedisPolicy(redis: Redis, logger: Logger): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy !== 'noeviction') {
      logger.warn(
        { policy },
        `Redis maxmemory-policy is "${policy}"; set it to "noeviction" or queued jobs and checkpoints may be evicted`,
      );
    }
    return policy;
  } catch (err) {
    // Managed Redis often forbids CONFIG; say so rather than fail start-up.
    logger.warn({ err }, 'could not read Redis maxmemory-policy (CONFIG GET refused); make sure it is "noeviction"');
    return undefined;
  }
}

/**
 * Every Redis key Lexbridge owns, under one prefix. BullMQ queues use `bullPrefix`; Lexbridge's
 * own state uses the helpers, so one place says what lives where.
 */
export function createKeyspace(prefix: string) {
  return {
    prefix,
    /** BullMQ's `prefix` option: queues live at `<prefix>:q:<queue>:…`. */
    bullPrefix: `${prefix}:q`,
    key: (...parts: string[]) => [prefix, ...parts].join(':'),
  };
}

export type Keyspace = ReturnType<typeof createKeyspace>;
