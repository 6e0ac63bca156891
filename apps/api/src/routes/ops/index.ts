/**
 * Health and metrics. Open (no token): `/metrics` must stay on an internal network.
 * - `/health/live`: the process answers.
 * - `/health/ready`: Redis answers, every queue has started (a queue whose start failed refuses
 *   work until it is rebuilt) and the API is not shutting down; 503 otherwise. Within a second.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RedisClient } from '@lexbridge/infra/redis';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { QueueSet } from '@lexbridge/core/jobs';
import { runChecks } from '@lexbridge/infra/ops';
import { redisAnswers } from '@lexbridge/infra/redis';

/** Options of the ops routes. */
export interface OpsRoutesOptions {
  redis: RedisClient;
  /** The API's queues: readiness waits until every one has started. */
  queues: Pick<QueueSet, 'ready'>;
  registry: Registry;
  /** True once shutdown has begun. */
  isClosing: () => boolean;
  /** Longest a readiness check waits for Redis, in ms. Default 1 000. */
  readyTimeoutMs?: number;
}

const readySchema = z.object({ status: z.enum(['ready', 'not ready']), checks: z.record(z.string(), z.boolean()) });

export const opsRoutes: FastifyPluginAsyncZod<OpsRoutesOptions> = async (app, opts) => {
  const timeoutMs = opts.readyTimeoutMs ?? 1_000;

  app.get('/health/live', {
    schema: { tags: ['ops'], summary: 'Liveness', security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/health/ready', {
    schema: { tags: ['ops'], summary: 'Readiness: Redis answers, every queue has started, and the API is not shutting down', security: [], response: { 200: readySchema, 503: readySchema } },
    handler: async (_request, reply) => {
      const result = await runChecks({ redis: () => redisAnswers(opts.redis, timeoutMs), queues: () => opts.queues.ready(), accepting: () => !opts.isClosing() }, timeoutMs);
      return reply.code(result.ok ? 200 : 503).send({ status: result.ok ? 'ready' : 'not ready', checks: result.checks });
    },
  });

  app.get('/metrics', {
    schema: {
      tags: ['ops'],
      summary: 'Prometheus metrics (keep internal)',
      security: [],
      produces: ['text/plain'],
      response: { 200: z.string().describe('Prometheus text exposition format') },
    },
    handler: async (_request, reply) => {
      const text = await opts.registry.metrics();
      return reply.type(opts.registry.contentType).send(text);
    },
  });
};
