/**
 * Per-identity rate limits (@fastify/rate-limit's limiter and in-memory store): each identity may
 * send its `requestsPerMinute` (default `API_RATE_LIMIT_PER_MIN`), counted in fixed 10-second
 * windows of a sixth of it each, so a burst takes at most that much of the API before the rest of
 * it is refused; past it the identity gets 429 `rate_limited` with Retry-After until its window
 * ends. One client cannot exhaust the API for the others, and health, metrics and docs (open
 * routes, no identity) are never counted, so probes are not starved. Every answer to an identity
 * carries `x-ratelimit-limit` (per window), `-remaining` and `-reset`.
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

const WINDOW_MS = 10_000;
const WINDOWS_PER_MINUTE = 60_000 / WINDOW_MS;

/** The requests one window allows for a per-minute limit (at least one). */
function perWindow(perMinute: number): number {
  return Math.max(1, Math.ceil(perMinute / WINDOWS_PER_MINUTE));
}

async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  // Not global: the limiter runs in this plugin's hook, after authentication (which names the
  // identity) and with the API's own error body on every route, the queue board's included.
  await app.register(rateLimit, { global: false });
  const check = app.createRateLimit({
    timeWindow: WINDOW_MS,
    max: (request) => perWindow(request.identity?.requestsPerMinute ?? opts.perMinute),
    keyGenerator: (request) => `identity:${request.identity?.name ?? ''}`,
  });

  // One log line per identity and window, not one per refused request: a flood must not flood the log.
  const told = new Map<string, number>();

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
    const windowEnds = Date.now() + r.ttl;
    if ((told.get(identity.name) ?? 0) < Date.now()) {
      told.set(identity.name, windowEnds);
      request.log.info({ identity: identity.name, limit: r.max, windowMs: WINDOW_MS, retryAfterSec: retryAfter }, 'rate limit reached; refusing until the window ends');
    }
    return sendApiError(
      reply,
      request,
      new ApiError(429, 'rate_limited', `identity "${identity.name}" sent more than ${r.max} requests in ${WINDOW_MS / 1000} s; retry after ${retryAfter} s`, {
        headers: { 'retry-after': String(retryAfter) },
      }),
    );
  });
}

export default fp(rateLimitPlugin, { name: 'lexbridge-rate-limit', fastify: '5.x', dependencies: ['lexbridge-auth'] });
