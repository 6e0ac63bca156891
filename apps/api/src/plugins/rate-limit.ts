/**
 * Per-identity rate limits (@fastify/rate-limit's limiter and in-memory store): each identity may
 * send its `requestsPerMinute` (default `API_RATE_LIMIT_PER_MIN`) in any fixed minute; past that it
 * gets 429 `rate_limited` with Retry-After until the minute ends. One client cannot exhaust the API
 * for the others, and health, metrics and docs (open routes, no identity) are never counted, so
 * probes are not starved. Every answer carries `x-ratelimit-limit`, `-remaining` and `-reset`.
 *
 * The counts live in this process: with several API replicas, each counts its own share.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';
import { sendApiError } from './error-handler.js';

/** Options of the rate-limit plugin. */
export interface RateLimitOptions {
  /** Requests per minute for an identity without its own `requestsPerMinute`. */
  perMinute: number;
}

const WINDOW_MS = 60_000;

async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  // Not global: the limiter runs in this plugin's hook, after authentication (which names the
  // identity) and with the API's own error body on every route, the queue board's included.
  await app.register(rateLimit, { global: false });
  const check = app.createRateLimit({
    timeWindow: WINDOW_MS,
    max: (request) => request.identity?.requestsPerMinute ?? opts.perMinute,
    keyGenerator: (request) => `identity:${request.identity?.name ?? ''}`,
  });

  app.addHook('onRequest', async (request, reply) => {
    const identity = request.identity;
    if (!identity) return;
    const r = await check(request);
    if (r.isAllowed) return;
    reply.header('x-ratelimit-limit', r.max);
    reply.header('x-ratelimit-remaining', r.remaining);
    reply.header('x-ratelimit-reset', r.ttlInSeconds);
    if (!r.isExceeded) return;
    const retryAfter = Math.max(1, r.ttlInSeconds);
    request.log.info({ identity: identity.name, limit: r.max }, 'rate limit reached');
    return sendApiError(
      reply,
      request,
      new ApiError(429, 'rate_limited', `identity "${identity.name}" sent more than ${r.max} requests this minute; retry after ${retryAfter} s`, {
        headers: { 'retry-after': String(retryAfter) },
      }),
    );
  });
}

export default fp(rateLimitPlugin, { name: 'lexbridge-rate-limit', fastify: '5.x', dependencies: ['lexbridge-auth'] });
