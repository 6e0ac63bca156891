import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis URL the global set-up found or started for this run. */
    redisUrl: string;
  }
}

/** The URL of the run's Redis, provided by the global set-up. */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test shares: `t:<label>:<random>`. */
export function uniquePrefix(label = 'test'): string {
  return `t:${label.replace(/[^a-zA-Z0-9-]/g, '-')}:${randomBytes(4).toString('hex')}`;
}

/**
 * Deletes every key under `prefix:` (SCAN, never KEYS or FLUSHALL: other tests share the server);
 * on a cluster, on every master.
 */
export async function deleteKeys(redis: Redis | Cluster, prefix: string): Promise<number> {
  if (redis instanceof Cluster) {
    const counts = await Promise.all(redis.nodes('master').map((node) => deleteKeys(node, prefix)));
    return counts.reduce((a, b) => a + b, 0);
  }
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    // One key per DEL (in one pipeline): on a cluster node, keys of different slots may not share a command.
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.del(key);
    for (const [err, n] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      deleted += n as number;
    }
  } while (cursor !== '0');
  return deleted;
}

/**
 * A plain client on the run's Redis with its own prefix. Call `cleanup()` in `afterAll`/`afterEach`:
 * it deletes the prefix's keys and closes the client.
 */
export function createTestRedis(label?: string): { redis: Redis; prefix: string; url: string; cleanup(): Promise<void> } {
  const url = redisUrl();
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix(label);
  return {
    redis,
    prefix,
    url,
    async cleanup() {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

/**
 * A fresh key prefix whose keys are deleted by the returned `cleanup` (push it onto the test's
 * clean-up list): for services that open their own connections under the prefix.
 */
export function scratchPrefix(label?: string): { prefix: string; cleanup(): Promise<void> } {
  const prefix = uniquePrefix(label);
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
      try {
        await deleteKeys(redis, prefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}
