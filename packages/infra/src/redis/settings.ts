/**
 * Where Redis is and how to reach it: one server (plain or TLS), a Sentinel-watched master, or a
 * cluster. Built once from the environment (`redisSettingsFromEnv` in the config module) and turned
 * into ioredis options here, so every connection of every service is built the same way.
 */
import type { ClusterOptions, RedisOptions } from 'ioredis';

/** TLS material for `rediss://`, as PEM text (read from the files the settings name). */
export interface RedisTlsSettings {
  /** REDIS_TLS_CA_FILE: the CA that signed the server's certificate (default: the system's CAs). */
  ca?: string;
  /** REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE: a client certificate, for servers that ask for one. */
  cert?: string;
  key?: string;
  /** REDIS_TLS_SERVERNAME: the name the server's certificate must carry (default: the URL's host). */
  servername?: string;
}

export interface RedisSentinelSettings {
  /** REDIS_SENTINELS: the sentinels to ask where the master is. */
  sentinels: Array<{ host: string; port: number }>;
  /** REDIS_SENTINEL_MASTER: the master's name in the sentinels' configuration. */
  masterName: string;
  /** REDIS_SENTINEL_PASSWORD: the sentinels' own password, when they have one. */
  password?: string;
}

/** How every Lexbridge connection reaches Redis. */
export interface RedisConnectionSettings {
  /**
   * REDIS_URL. Standalone: the server. Sentinel: only its credentials and database are used (the
   * sentinels say where the master is). Cluster: one node to discover the cluster from.
   */
  url: string;
  /** Present when REDIS_URL is `rediss://`. */
  tls?: RedisTlsSettings;
  sentinel?: RedisSentinelSettings;
  /** REDIS_CLUSTER: connect with an ioredis `Cluster`; every key carries the prefix's hash tag. */
  cluster?: boolean;
}

/** A URL alone is the plain standalone case (tests, the demo). */
export function toRedisSettings(target: string | RedisConnectionSettings): RedisConnectionSettings {
  return typeof target === 'string' ? { url: target, ...(target.startsWith('rediss:') && { tls: {} }) } : target;
}

/** Which settings an operator would look at when Redis cannot be reached, for error messages. */
export function redisSettingNames(s: RedisConnectionSettings): string {
  if (s.sentinel) return 'REDIS_SENTINELS, REDIS_SENTINEL_MASTER';
  return s.cluster ? 'REDIS_URL, REDIS_CLUSTER' : 'REDIS_URL';
}

/** Credentials and database from REDIS_URL (percent-decoded). */
function urlParts(url: string) {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
    ...(db !== undefined && Number.isInteger(db) && { db }),
  };
}

function tlsOptions(tls: RedisTlsSettings): NonNullable<RedisOptions['tls']> {
  return {
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.cert !== undefined && { cert: tls.cert }),
    ...(tls.key !== undefined && { key: tls.key }),
    ...(tls.servername !== undefined && { servername: tls.servername }),
  };
}

/** A standalone or Sentinel connection: ioredis options, `roleOptions` included. */
export function redisNodeOptions(s: RedisConnectionSettings, roleOptions: RedisOptions): RedisOptions {
  const { host, port, ...auth } = urlParts(s.url);
  const tls = s.tls ? { tls: tlsOptions(s.tls) } : {};
  if (!s.sentinel) return { host, port, ...auth, ...tls, ...roleOptions };
  return {
    ...auth,
    ...tls,
    ...(s.tls && { enableTLSForSentinelMode: true }),
    sentinels: s.sentinel.sentinels,
    name: s.sentinel.masterName,
    ...(s.sentinel.password !== undefined && { sentinelPassword: s.sentinel.password }),
    // No `failoverDetector`: when the sentinels announce a new master while a connection is
    // reconnecting (asking a sentinel where the master is), ioredis 5 abandons that reconnect and
    // ends the connection for good ("Connection is closed." on every command; reproduced in
    // redis-sentinel.int.test.ts). Without it a connection moves when the old master's socket
    // closes (a killed or demoted master closes its clients) or answers READONLY (below).
    // A demoted master answers READONLY: reconnect (through the sentinels) and resend the command,
    // which Redis refused and so did not run.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...roleOptions,
  };
}

/** A cluster connection: the seed node from REDIS_URL and the options for it and every node. */
export function redisClusterOptions(s: RedisConnectionSettings, roleOptions: RedisOptions): { seeds: Array<{ host: string; port: number }>; options: ClusterOptions } {
  const { host, port, db: _db, ...auth } = urlParts(s.url);
  const { enableOfflineQueue, retryStrategy, ...nodeOptions } = roleOptions;
  return {
    seeds: [{ host, port }],
    options: {
      redisOptions: { ...auth, ...(s.tls && { tls: tlsOptions(s.tls) }), ...nodeOptions },
      ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
      ...(retryStrategy && { clusterRetryStrategy: retryStrategy }),
      // Managed clusters announce nodes by name; their TLS certificates carry those names.
      ...(s.tls && { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }),
      slotsRefreshTimeout: 2_000,
    },
  };
}
