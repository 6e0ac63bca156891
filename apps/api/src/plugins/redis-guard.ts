/**
 * Fails fast while Redis is unreachable: every protected route needs Redis, so instead of waiting
 * on a connection that is not there, it answers 503 with Retry-After at once.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RedisClient } from '@lexbridge/infra/redis';
import { ApiError } from '../errors.js';
import { sendApiError } from './error-handler.js';
import { isOpenRoute } from './route-access.js';

/** Options of the Redis guard. */
export interface RedisGuardOptions {
  /** The request-path (producer) connection. */
  redis: RedisClient;
  /** Retry-After (seconds) on the 503. */
  retryAfterSec: number;
}

async function redisGuardPlugin(app: FastifyInstance, opts: RedisGuardOptions): Promise<void> {
  // Runs after auth (registered later): an unauthenticated caller learns nothing about Redis.
  app.addHook('onRequest', async (request, reply) => {
    if (isOpenRoute(request.routeOptions.url) || opts.redis.status === 'ready') return;
    const err = new ApiError(503, 'service_unavailable', 'storage is unavailable; retry later', { headers: { 'retry-after': String(opts.retryAfterSec) } });
    return sendApiError(reply, request, err);
  });
}

export default fp(redisGuardPlugin, { name: 'lexbridge-redis-guard', fastify: '5.x', dependencies: ['lexbridge-auth'] });
