/**
 * Redis connections with roles, the start-up policy check, and the key namespace. Every
 * connection is built here from {@link RedisConnectionSettings}: one server (plain or TLS), a
 * Sentinel-watched master, or a cluster.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { maskUrlCredentials, urlCredentials } from '../redact/index.js';
import type { ErrorKind } from '../errors/index.js';
import { withTimeout } from '../time/index.js';
import { redisClusterOptions, redisNodeOptions, redisSettingNames, toRedisSettings, type RedisConnectionSettings } from './settings.js';

export { toRedisSettings, type RedisConnectionSettings, type RedisSentinelSettings, type RedisTlsSettings } from './settings.js';

/** A connection as the services use it: one server or Sentinel master (`Redis`), or a `Cluster`. */
export type RedisClient = Redis | Cluster;

/** The secrets in `settings` (REDIS_URL's password or user, the sentinels' password), for the logger to mask. */
export function redisSecrets(settings: RedisConnectionSettings): string[] {
  return [...urlCredentials(settings.url), ...(settings.sentinel?.password === undefined ? [] : [settings.sentinel.password])];
}

/**
 * - `worker`: BullMQ workers and long-lived loops. Commands wait through a reconnect
 *   (`maxRetriesPerRequest: null`), as BullMQ requires for blocking connections.
 * - `producer`: a request path (the API). Fails fast while Redis is away (no offline queue, one
 *   retry), so the caller can answer 503 instead of hanging.
 *
 * Neither uses ioredis' ready check: it sends INFO, which a least-privilege ACL user may not have;
 * {@link waitForRedis} checks readiness at start with a command every user has.
 */
export type RedisRole = 'worker' | 'producer';

export function redisOptions(role: RedisRole): RedisOptions {
  const base: RedisOptions = {
    connectionName: undefined,
    enableReadyCheck: false,
    // Reconnect with a capped backoff forever: a Redis restart must not kill the service.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  };
  if (role === 'worker') return { ...base, maxRetriesPerRequest: null };
  return { ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 2_000 };
}

/** Connections {@link closeRedis} is closing: their end is expected. */
const closing = new WeakSet<RedisClient>();

/**
 * Creates a connection for `role` to `target` (settings, or a plain `redis://` URL). Errors are
 * logged (never thrown unhandled), each distinct one once; "restored" is logged only once a command
 * works again. A connection without a ready check says `ready` before Redis has answered its AUTH,
 * so with a wrong password it would otherwise log an error and a recovery on every reconnect. The
 * reconnect backoff likewise resets only then.
 */
export function createRedis(target: string | RedisConnectionSettings, role: RedisRole, logger?: Logger, name?: string): RedisClient {
  const settings = toRedisSettings(target);
  let failures = 0;
  const roleOptions: RedisOptions = {
    ...redisOptions(role),
    ...(name ? { connectionName: name } : {}),
    // Reconnect with a capped backoff forever: a Redis restart must not kill the service.
    retryStrategy: () => Math.min(50 * 2 ** Math.min(++failures, 6), 2_000),
  };
  let redis: RedisClient;
  if (settings.cluster) {
    const { seeds, options } = redisClusterOptions(settings, roleOptions);
    redis = new Cluster(seeds, options);
  } else {
    redis = new Redis(redisNodeOptions(settings, roleOptions));
  }
  watchConnection(redis, { role, logger, name, resetBackoff: () => (failures = 0) });
  return redis;
}

/** Who a connection reports to: what {@link duplicateRedis} gives a duplicate too. */
interface Watch {
  role: RedisRole;
  logger: Logger | undefined;
  name: string | undefined;
  resetBackoff: () => void;
}
const watches = new WeakMap<RedisClient, Watch>();

/**
 * Logs a connection's errors (each distinct one once), its end when nothing closed it, and its
 * recovery once a command works again (then resets the reconnect backoff).
 */
function watchConnection(redis: RedisClient, w: Watch): void {
  const { role, logger, name } = w;
  watches.set(redis, w);
  let lastError = '';
  const onError = (err: Error) => {
    // A down Redis emits an error per reconnect attempt; log each distinct one once.
    if (err.message !== lastError) logger?.warn({ err, role, connection: name }, 'redis connection error');
    lastError = err.message;
  };
  redis.on('error', onError);
  // A cluster reports each node's trouble apart from its own.
  if (redis instanceof Cluster) redis.on('node error', onError);
  // ioredis ends a connection for good on a few paths (a reconnect abandoned half-way); every
  // command then fails with "Connection is closed." Readiness turns false (it pings); this says why.
  redis.on('end', () => {
    if (!closing.has(redis)) logger?.error({ role, connection: name }, 'the redis connection ended and will not reconnect: this service is not ready until it is restarted');
  });
  redis.on('ready', () => {
    if (!lastError) return;
    redis.ping().then(
      () => {
        w.resetBackoff();
        if (!lastError) return;
        logger?.info({ role, connection: name }, 'redis connection restored');
        lastError = '';
      },
      // The connection's own 'error' event has said why; this only keeps "restored" unsaid.
      (err: unknown) => logger?.debug({ err, role, connection: name }, 'redis reconnected but does not answer yet'),
    );
  });
}

/**
 * A second connection like `redis` (same server, credentials, TLS and role), e.g. one that
 * pipelines automatically, logging its trouble as `redis` does. Both kinds of connection take the
 * same overrides.
 */
export function duplicateRedis(redis: RedisClient, overrides: { enableAutoPipelining?: boolean; connectionName?: string } = {}): RedisClient {
  const { connectionName, ...rest } = overrides;
  const copy = redis instanceof Cluster ? redis.duplicate(undefined, { ...rest, redisOptions: { ...redis.options.redisOptions, ...(connectionName && { connectionName }) } }) : redis.duplicate(overrides);
  const watch = watches.get(redis);
  if (watch) watchConnection(copy, { ...watch, name: connectionName ?? watch.name });
  return copy;
}

/** Node options of a connection (a cluster's apply to each of its nodes). */
function nodeOptions(redis: RedisClient): RedisOptions {
  return redis instanceof Cluster ? (redis.options.redisOptions ??= {}) : redis.options;
}

/**
 * What an operator should check for a connection error, naming the setting; empty when unknown.
 * `settings` (what the connection was built from) lets a bare reset be read: over TLS without a
 * client certificate, a server that requires one may close the socket before its alert arrives.
 */
export function redisErrorHint(err: { code?: string; message?: string }, settings?: RedisConnectionSettings): string {
  const code = err.code ?? '';
  const message = err.message ?? '';
  if (settings?.tls && settings.tls.cert === undefined && (/^(ECONNRESET|EPIPE)$/.test(code) || /ECONNRESET|EPIPE|socket disconnected before secure TLS|socket hang up/i.test(message))) {
    return 'the server closed the TLS connection: if it requires a client certificate, set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE';
  }
  if (/^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_SIGNATURE_FAILURE)$/.test(code)) {
    return "the server's TLS certificate is not signed by a CA Lexbridge trusts: set REDIS_TLS_CA_FILE to the CA that signed it";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "the server's TLS certificate does not carry the host's name: set REDIS_TLS_SERVERNAME to the name it carries";
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return "the server's TLS certificate is not valid now; renew it on the server";
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE)/.test(code) || /certificate required|bad certificate/i.test(message)) {
    return 'the server refused the TLS client certificate: check REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE';
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(message)) {
    return 'TLS and plain text are mixed up: use rediss:// for a TLS port and redis:// for a plain one';
  }
  if (/^(WRONGPASS|NOAUTH)/.test(message) || /invalid username-password/i.test(message)) return 'check the user name and password in REDIS_URL';
  if (/^NOPERM/.test(message)) return "the Redis user lacks a grant Lexbridge needs: see 'Redis ACL' in docs/security.md";
  if (/sentinels are unreachable|No master|failed to connect to sentinel/i.test(message)) return 'check REDIS_SENTINELS and REDIS_SENTINEL_MASTER (and REDIS_SENTINEL_PASSWORD)';
  return '';
}

/** Redis did not become usable at start within the time allowed; the message names the settings to check. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  /** For {@link errorKind}. */
  get kind(): ErrorKind {
    return 'redis-unavailable';
  }
  /** The URL tried, without its password. */
  readonly url: string | undefined;
  constructor(target: string | RedisConnectionSettings | undefined, readonly timeoutMs: number, readonly reason: string, readonly hint = '') {
    const settings = target === undefined ? undefined : toRedisSettings(target);
    const masked = settings === undefined ? undefined : maskUrlCredentials(settings.url);
    const names = settings === undefined ? 'REDIS_URL' : redisSettingNames(settings);
    super(`Redis${masked === undefined ? '' : ` at ${masked}`} (${names}) did not become ready within ${timeoutMs} ms: ${reason}${hint ? `; ${hint}` : ''}`);
    this.url = masked;
  }
}

export interface WaitForRedisOptions {
  logger?: Logger | undefined;
  /** Give up after this long (default 60 000 ms). */
  timeoutMs?: number;
  /** What the connection was built from, named (without passwords) in the error. */
  settings?: string | RedisConnectionSettings;
  /**
   * A key under the installation's prefix: the readiness probe is `EXISTS` on it, a command every
   * Lexbridge user may run on its own keys (default `lexbridge:probe`).
   */
  probeKey?: string;
}

/**
 * Waits until Redis answers and has finished loading its dataset (a restarting Redis answers
 * `LOADING` to data commands while it replays its AOF). Services call it before their first
 * command, so a start during a Redis restart waits instead of exiting; after `timeoutMs` it throws
 * {@link RedisUnavailableError} with the last reason (refused, wrong password, TLS, loading), the
 * settings to check and the URL without its password. No command is sent while the connection is
 * down: on a worker connection it would wait in the offline queue past any deadline.
 *
 * It needs no INFO: when the user may not run INFO (a least-privilege ACL user), it tells BullMQ to
 * skip its INFO-based version check on this connection and the ones duplicated from it.
 */
export async function waitForRedis(redis: RedisClient, o: WaitForRedisOptions = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let reason = `connection ${redis.status}`;
  let hint = '';
  const settings = o.settings === undefined ? undefined : toRedisSettings(o.settings);
  const onError = (err: Error & { code?: string }) => {
    reason = err.message || String(err);
    hint = redisErrorHint(err, settings) || hint;
  };
  redis.on('error', onError);
  if (redis instanceof Cluster) redis.on('node error', onError);
  const fail = (why: string) => new RedisUnavailableError(o.settings, timeoutMs, why, hint);
  let told = false;
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw fail(reason);
      if (redis.status === 'ready') {
        try {
          await withTimeout(redis.exists(o.probeKey ?? 'lexbridge:probe'), Math.max(1, Math.min(left, 5_000)), 'EXISTS');
          await tellBullWhetherInfoIsAllowed(redis, o.logger, Math.max(1, Math.min(deadline - Date.now(), 5_000)));
          return;
        } catch (err) {
          const e = err as Error & { code?: string };
          reason = /^LOADING/.test(e.message) ? 'still loading its dataset' : e.message;
          hint = redisErrorHint(e, settings) || hint;
        }
      } else if (redis.status === 'end') {
        throw fail(`the connection was closed (${reason})`);
      }
      if (!told) o.logger?.info({ reason }, 'waiting for Redis');
      told = true;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(200, deadline - Date.now()))));
    }
  } finally {
    redis.off('error', onError);
    if (redis instanceof Cluster) redis.off('node error', onError);
  }
}

/**
 * BullMQ reads the server version with INFO when a queue or worker starts and fails if INFO is
 * refused. A user without INFO gets `skipVersionCheck` on its connection options (duplicates copy
 * them), and BullMQ then assumes its minimum version: correct, on Redis 7, with coarser timeouts.
 */
async function tellBullWhetherInfoIsAllowed(redis: RedisClient, logger: Logger | undefined, timeoutMs: number): Promise<void> {
  try {
    await withTimeout(redis.info('server'), timeoutMs, 'INFO');
  } catch (err) {
    if (!/^NOPERM/.test((err as Error).message)) throw err;
    Object.assign(nodeOptions(redis), { skipVersionCheck: true });
    logger?.info('this Redis user may not run INFO; BullMQ skips its server version check (Lexbridge needs Redis 7 or later)');
  }
}

/**
 * The one way a service closes a connection at shutdown: QUIT when Redis answers (pending replies
 * arrive first), within `timeoutMs`; otherwise, or when QUIT does not finish in time, drop the
 * socket (a QUIT queued on a connection that is down would wait for Redis forever).
 */
export async function closeRedis(redis: RedisClient, timeoutMs = 2_000): Promise<void> {
  closing.add(redis);
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') return redis.disconnect();
  await withTimeout(redis.quit(), timeoutMs, 'Redis QUIT').catch(() => redis.disconnect());
}

/** True when `redis` is connected and answers PING within `timeoutMs`; sends nothing while it is down. */
export async function redisAnswers(redis: RedisClient, timeoutMs = 1_000): Promise<boolean> {
  return redis.status === 'ready' && (await withTimeout(redis.ping(), timeoutMs, 'PING')) === 'PONG';
}

/**
 * Warns when Redis may evict keys: BullMQ and the ledgers need `maxmemory-policy noeviction`,
 * or jobs and checkpoints can vanish under memory pressure. Returns the policy found.
 */
export async function checkRedisPolicy(redis: RedisClient, logger: Logger): Promise<string | undefined> {
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
 *
 * With `hashTag` (cluster mode) the prefix is wrapped in braces, `{lexbridge}`, unless it already
 * carries a hash tag: every key of the installation, BullMQ's and Lexbridge's, then hashes to one
 * cluster slot, so their scripts and transactions, which touch several keys at once, stay legal.
 */
export function createKeyspace(prefix: string, opts: { hashTag?: boolean } = {}) {
  const tagged = opts.hashTag && !/\{[^{}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
  return {
    prefix: tagged,
    /** BullMQ's `prefix` option: queues live at `<prefix>:q:<queue>:…`. */
    bullPrefix: `${tagged}:q`,
    key: (...parts: string[]) => [tagged, ...parts].join(':'),
  };
}

/** The keyspace of an installation on `settings`: hash-tagged on a cluster. */
export function keyspaceFor(settings: RedisConnectionSettings, prefix: string) {
  return createKeyspace(prefix, { hashTag: settings.cluster === true });
}

export type Keyspace = ReturnType<typeof createKeyspace>;

export { readScripts, scriptSet, RedisScriptError, type RedisScript, type ScriptArg, type ScriptSet } from './scripts.js';

/**
 * The least a Redis ACL user needs to run every Lexbridge service (poller, processor, API, the
 * `lexbridge` command), as `ACL SETUSER <user> on ><password> …` rules: the installation's keys
 * only, no channels, the data, scripting, transaction and connection commands, and nothing
 * dangerous (no INFO, CONFIG, KEYS, FLUSHALL, CLIENT LIST, DEBUG). A cluster also needs to read its
 * slot map. docs/security.md explains each; a test runs the whole stack as such a user.
 */
export function redisAclRules(keyspace: Keyspace, o: { cluster?: boolean } = {}): string[] {
  return [
    'resetkeys', `~${keyspace.prefix}:*`, 'resetchannels',
    '-@all', '+@read', '+@write', '+@scripting', '+@transaction', '+@connection', '+time', '-@dangerous',
    ...(o.cluster ? ['+cluster|slots', '+cluster|shards', '+cluster|info'] : []),
  ];
}
