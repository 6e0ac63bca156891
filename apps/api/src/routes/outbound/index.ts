/** The outcome of queued outbound work (a status update or milestone on its way to Lexamica). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { QueueSet } from '@lexbridge/core/jobs';
import { ApiError, errorResponses } from '../../errors.js';
import { pathId } from '../../schemas.js';
import { isoFromMs } from '../../time.js';

/** Options of the outbound routes. */
export interface OutboundRoutesOptions {
  queues: QueueSet;
}

const outboundStatusSchema = z.object({
  id: z.string(),
  status: z.enum(['queued', 'sent', 'failed']).describe('queued: waiting or being retried; sent: Lexamica took it; failed: gave up (see reason)'),
  kind: z.string().describe('case-update or milestone'),
  attempts: z.number().int().describe('Attempts made so far'),
  reason: z.string().optional().describe('Why it failed, or why the last attempt failed while it is retried'),
  queuedAt: z.string(),
  finishedAt: z.string().optional(),
});

type OutboundStatus = z.infer<typeof outboundStatusSchema>['status'];

export const outboundRoutes: FastifyPluginAsyncZod<OutboundRoutesOptions> = async (app, { queues }) => {
  app.get('/v1/outbound/:id', {
    schema: {
      tags: ['outbound'],
      summary: 'Outcome of a queued status update or milestone',
      params: z.object({ id: pathId('The `id` a 202 answered with') }),
      response: { 200: outboundStatusSchema, ...errorResponses(400, 401, 403, 404, 429, 503) },
    },
    handler: async (request) => {
      const job = await queues.get('outbound').getJob(request.params.id);
      if (!job || job.name !== 'outbound.send') {
        throw new ApiError(404, 'not_found', `no outbound job ${request.params.id} (finished jobs are kept 7 days)`, { field: 'id', in: 'params' });
      }
      const state = await job.getState();
      const status: OutboundStatus = state === 'completed' ? 'sent' : state === 'failed' ? 'failed' : 'queued';
      const kind = typeof (job.data as { kind?: unknown }).kind === 'string' ? (job.data as { kind: string }).kind : 'unknown';
      const finishedAt = status === 'queued' ? undefined : isoFromMs(job.finishedOn);
      return {
        id: request.params.id,
        status,
        kind,
        attempts: job.attemptsMade,
        ...(job.failedReason && status !== 'sent' && { reason: job.failedReason }),
        queuedAt: isoFromMs(job.timestamp) ?? new Date(0).toISOString(),
        ...(finishedAt && { finishedAt }),
      };
    },
  });
};
