/**
 * Redis connections with roles, the start-up policy check, and the key namespace.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { maskUrlCredentials } from '../redact/index.js';
import type { ErrorKind } from '../errors/index.js';
import { withTimeout } from '../time/index.js';

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

/**
 * Creates a connection for `role`. Errors are logged (never thrown unhandled), each distinct one
 * once; "restored" is logged only once a command works again. A connection without a ready check
 * says `ready` before Redis has answered its AUTH, so with a wrong password it would otherwise log
 * an error and a recovery on every reconnect. The reconnect backoff likewise resets only then.
 */
export function createRedis(url: string, role: RedisRole, logger?: Logger, name?: string): Redis {
  let failures = 0;
  const redis = new Redis(url, {
    ...redisOptions(role),
    ...(name ? { connectionName: name } : {}),
    // Reconnect with a capped backoff forever: a Redis restart must not kill the service.
    retryStrategy: () => Math.min(50 * 2 ** Math.min(++failures, 6), 2_000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // A down Redis emits an error per reconnect attempt; log each distinct one once.
    if (err.message !== lastError) logger?.warn({ err, role }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (!lastError) return;
    redis.ping().then(
      () => {
        failures = 0;
        if (!lastError) return;
        logger?.info({ role }, 'redis connection restored');
        lastError = '';
      },
      // The connection's own 'error' event has said why; this only keeps "restored" unsaid.
      (err: unknown) => logger?.debug({ err, role }, 'redis reconnected but does not answer yet'),
    );
  });
  return redis;
}

/** Redis did not become usable at start within the time allowed; the message names `REDIS_URL`. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  /** For {@link errorKind}. */
  get kind(): ErrorKind {
    return 'redis-unavailable';
  }
  /** The URL tried, without its password. */
  readonly url: string | undefined;
  constructor(url: string | undefined, readonly timeoutMs: number, readonly reason: string) {
    const masked = url === undefined ? undefined : maskUrlCredentials(url);
    super(`Redis${masked === undefined ? '' : ` at ${masked}`} (REDIS_URL) did not become ready within ${timeoutMs} ms: ${reason}`);
    this.url = masked;
  }
}

/**
 * Waits until Redis answers and has finished loading its dataset (a restarting Redis answers
 * `LOADING` to most commands while it replays its AOF). Services call it before their first
 * command, so a start during a Redis restart waits instead of exiting; after `timeoutMs` it throws
 * {@link RedisUnavailableError} with the last reason (refused, wrong password, TLS, loading) and
 * `url` without its password. No command is sent while the connection is down: on a worker
 * connection it would wait in the offline queue past any deadline.
 */
export async function waitForRedis(redis: Redis, logger?: Logger, timeoutMs = 60_000, url?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason = `connection ${redis.status}`;
  const onError = (err: Error) => {
    reason = err.message || String(err);
  };
  redis.on('error', onError);
  let told = false;
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new RedisUnavailableError(url, timeoutMs, reason);
      if (redis.status === 'ready') {
        try {
          // PING answers even while Redis replays its AOF; INFO says whether it is still loading.
          const info = await withTimeout(redis.info('persistence'), Math.max(1, Math.min(left, 5_000)), 'INFO');
          if (/^loading:0/m.test(info)) return;
          reason = 'still loading its dataset';
        } catch (err) {
          reason = (err as Error).message;
        }
      } else if (redis.status === 'end') {
        throw new RedisUnavailableError(url, timeoutMs, `the connection was closed (${reason})`);
      }
      if (!told) logger?.info({ reason }, 'waiting for Redis');
      told = true;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(200, deadline - Date.now()))));
    }
  } finally {
    redis.off('error', onError);
  }
}

/**
 * The one way a service closes a connection at shutdown: QUIT when Redis answers (pending replies
 * arrive first), within `timeoutMs`; otherwise, or when QUIT does not finish in time, drop the
 * socket (a QUIT queued on a connection that is down would wait for Redis forever).
 */
export async function closeRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') return redis.disconnect();
  await withTimeout(redis.quit(), timeoutMs, 'Redis QUIT').catch(() => redis.disconnect());
}

/** True when `redis` is connected and answers PING within `timeoutMs`; sends nothing while it is down. */
export async function redisAnswers(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  return redis.status === 'ready' && (await withTimeout(redis.ping(), timeoutMs, 'PING')) === 'PONG';
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

export { readScripts, scriptSet, RedisScriptError, type RedisScript, type ScriptArg, type ScriptSet } from './scripts.js';
