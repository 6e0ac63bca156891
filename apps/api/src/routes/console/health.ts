/**
 * The health strip: how far behind the poller is, how much work waits in each queue, how many
 * invitations the watchdog would call stuck, and how many Lexamica calls failed in the last hour
 * (the `invitation.action-failed` and `outbound.failed` items of the feed: failures that ended a
 * job, not retries that later succeeded).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findStuck } from '@lexbridge/core/ledger';
import { pollerKeys, readCheckpoint } from '@lexbridge/core/poller-state';
import { errorResponses } from '../../errors.js';
import { CONSOLE_SECURITY, type ConsoleRoutesOptions } from './options.js';

const HOUR_MS = 3_600_000;
const LEXAMICA_FAILURES = new Set(['invitation.action-failed', 'outbound.failed']);

export const healthRoutes: FastifyPluginAsyncZod<ConsoleRoutesOptions> = async (app, o) => {
  const now = o.now ?? (() => new Date());
  // The poller's checkpoint: its watermark is the time up to which every stored event is enqueued.
  const keys = pollerKeys(o.keyspace);

  app.get('/console/api/health', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'Poll lag, queue depths, stuck invitations, Lexamica errors in the last hour',
      response: {
        200: z.object({
          checkedAt: z.string(),
          pollLagSeconds: z.number().nullable().describe('Now minus the poller’s checkpoint; null before the first poll'),
          queues: z.record(z.string(), z.object({ waiting: z.number().int(), active: z.number().int(), delayed: z.number().int(), failed: z.number().int() })),
          stuck: z.number().int().describe('Invitations past their state’s deadline (the watchdog)'),
          lexamicaErrorsLastHour: z.number().int(),
        }),
        ...errorResponses(401, 403, 429, 503),
      },
    },
    handler: async () => {
      const at = now();
      const [checkpoint, stuck, recent, depths] = await Promise.all([
        readCheckpoint(o.redis, keys),
        findStuck(o.redis, o.keyspace, o.settings.watchdog, at),
        o.feed.recent(1_000, at.getTime() - HOUR_MS),
        Promise.all(o.queues.all().map(async (q) => [q.name, await q.getJobCounts('waiting', 'active', 'delayed', 'failed')] as const)),
      ]);
      return {
        checkedAt: at.toISOString(),
        pollLagSeconds: checkpoint === undefined ? null : Math.max(0, Math.round((at.getTime() - checkpoint.watermarkMs) / 1000)),
        queues: Object.fromEntries(depths.map(([name, c]) => [name, { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }])),
        stuck: stuck.length,
        lexamicaErrorsLastHour: recent.filter((e) => LEXAMICA_FAILURES.has(e.type)).length,
      };
    },
  });
};
