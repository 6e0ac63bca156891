/**
 * Operations on the queues: failed jobs with their reasons, retried one by one or in bulk, and a
 * backfill of a time range of stored events (the poller re-reads it; job ids make it harmless).
 * Each action is recorded with the identity that asked for it (audit.ts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { backfillRequestSchema, enqueue, jobIdFor, type QueueName, type QueueSet } from '@lexbridge/core/jobs';
import type { AuditTrail } from '../../audit.js';
import { errorResponses } from '../../errors.js';
import { pageLimit, pathId, queuedSchema } from '../../schemas.js';
import { failedJobSchema, listFailedJobs, queueName, retryFailedJob } from './failed-jobs.js';

/** Options of the admin routes. */
export interface AdminRoutesOptions {
  queues: QueueSet;
  audit: AuditTrail;
}

export const adminRoutes: FastifyPluginAsyncZod<AdminRoutesOptions> = async (app, { queues, audit }) => {
  const selected = (q: QueueName | undefined) => (q ? [queues.get(q)] : queues.all());

  app.get('/admin/jobs/failed', {
    schema: {
      tags: ['admin'],
      summary: 'Failed jobs of every queue, newest first, with their reasons',
      querystring: z.strictObject({ queue: queueName.optional(), limit: pageLimit({ default: 50, max: 500 }).describe('Jobs per queue') }),
      response: {
        200: z.object({ items: z.array(failedJobSchema), counts: z.record(z.string(), z.number().int()).describe('Failed jobs per queue (all, not only those listed)') }),
        ...errorResponses(400, 401, 403, 429, 503),
      },
    },
    handler: async (request) => listFailedJobs(queues, request.query.queue, request.query.limit),
  });

  app.post('/admin/jobs/:queue/:id/retry', {
    schema: {
      tags: ['admin'],
      summary: 'Retry one failed job',
      params: z.object({ queue: queueName, id: pathId('Job id') }),
      response: {
        202: z.object({ queue: z.string(), id: z.string(), status: z.literal('retrying') }),
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    },
    handler: async (request, reply) => {
      const { queue, id } = request.params;
      await retryFailedJob(queues, audit, request, queue, id);
      return reply.code(202).send({ queue, id, status: 'retrying' as const });
    },
  });

  app.post('/admin/jobs/retry', {
    schema: {
      tags: ['admin'],
      summary: 'Retry every failed job (of one queue, or of all)',
      body: z.strictObject({ queue: queueName.optional().describe('Only this queue; every queue when absent') }).nullish().describe('Optional; no body retries every queue'),
      response: {
        202: z.object({ retried: z.record(z.string(), z.number().int()).describe('Failed jobs per queue when the retry started') }),
        ...errorResponses(400, 401, 403, 429, 503),
      },
    },
    handler: async (request, reply) => {
      const startedAt = Date.now();
      const retried: Record<string, number> = {};
      for (const q of selected(request.body?.queue)) {
        retried[q.name] = await q.getFailedCount();
        // Only jobs that failed before now: a job failing again during the sweep is not retried in a loop.
        if (retried[q.name]) await q.retryJobs({ state: 'failed', count: 1_000, timestamp: startedAt });
      }
      await audit.record(request, 'jobs.retried', { retried });
      return reply.code(202).send({ retried });
    },
  });

  app.post('/admin/backfill', {
    schema: {
      tags: ['admin'],
      summary: 'Re-read a time range of stored events',
      description: 'Queued for the poller. Events already processed are recognised by their id and not processed again.',
      body: backfillRequestSchema,
      response: { 202: queuedSchema, ...errorResponses(400, 401, 403, 429, 503) },
    },
    handler: async (request, reply) => {
      const jobId = jobIdFor('backfill', randomUUID());
      await enqueue(queues, 'poller.backfill', { ...request.body, requestedBy: request.identity?.name }, { jobId });
      await audit.record(request, 'backfill.requested', { jobId, from: request.body.from, to: request.body.to, ...(request.body.event && { event: request.body.event }) });
      return reply.code(202).send({ id: jobId, status: 'queued' as const });
    },
  });
};
