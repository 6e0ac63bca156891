/**
 * Test harness: the API built on a real Redis under a key prefix of its own, with a token, and
 * a `close()` that closes everything it opened and deletes the prefix's keys.
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createFeed } from '@lexbridge/shared/feed';
import { QueueSet } from '@lexbridge/shared/jobs';
import { createLedger } from '@lexbridge/shared/ledger';
import { createLogger } from '@lexbridge/shared/logger';
import { createKeyspace, createRedis } from '@lexbridge/shared/redis';
import { deleteKeys, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';
import { buildApp, type ApiLimits, type App } from '../src/app.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'second-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` } as const;

export interface TestApiOptions {
  /** Redis to use (default: the run's Redis). */
  url?: string;
  limits?: Partial<ApiLimits>;
  /** Called after the app is built and before it is ready (e.g. to add an onRoute hook). */
  beforeReady?: (app: FastifyInstance) => void;
  /** Called once the connection is ready and before the app (and its queues) is built. */
  beforeBuild?: () => Promise<void> | void;
}

export async function createTestApi(opts: TestApiOptions = {}) {
  const url = opts.url ?? redisUrl();
  const prefix = uniquePrefix('api');
  const logger = createLogger({ name: 'api-test', level: 'silent' });
  const redis = createRedis(url, 'producer', logger);
  // A plain client for the test's own reads and the clean-up (not the one under test).
  const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on('error', () => {});
  await waitFor(() => redis.status === 'ready', { message: 'redis connection ready' });
  await opts.beforeBuild?.();
  const keyspace = createKeyspace(prefix);
  const queues = new QueueSet(redis, keyspace, logger);
  const app: App = buildApp({ logger, redis, queues, tokens: [TOKEN, OTHER_TOKEN], ...(opts.limits && { limits: opts.limits }) });
  opts.beforeReady?.(app as unknown as FastifyInstance);
  await app.ready();
  return {
    app,
    redis,
    admin,
    queues,
    keyspace,
    prefix,
    ledger: createLedger(admin, keyspace),
    feed: createFeed(admin, keyspace),
    async close() {
      await app.close();
      await queues.close();
      redis.disconnect();
      if (admin.status !== 'end') {
        await deleteKeys(admin, prefix).catch(() => {});
        admin.disconnect();
      }
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof createTestApi>>;
