/**
 * Activity: what was decided and done lately (from the CMS feed, newest first) with who or which
 * rule decided and the outcome; failed jobs with their reasons (admins retry them here); and the
 * accepted cases nearing Lexamica's 90-day update limit.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FeedEntry } from '@lexbridge/core/feed';
import { caseActivityKeys, dueAtMs, warnBeforeMs } from '@lexbridge/core/ledger';
import { errorResponses } from '../../errors.js';
import { pathId } from '../../schemas.js';
import { failedJobSchema, listFailedJobs, queueName, retryFailedJob } from '../admin/failed-jobs.js';
import { CONSOLE_SECURITY, type ConsoleRoutesOptions } from './options.js';

const DAY_MS = 86_400_000;
/** Feed item types the activity view shows: decisions, their outcomes, alerts and operators' actions. */
const SHOWN = /^(invitation\.|admin\.action$|outbound\.|case\.update-due$)/;

const activityItemSchema = z.object({
  cursor: z.string(),
  type: z.string().describe('The feed item type: invitation.decided, invitation.action-sent, invitation.action-failed, …'),
  occurredAt: z.string(),
  invitationId: z.string().nullable(),
  summary: z.string().describe('What happened, in words'),
  by: z.string().describe('Who or what decided or acted: a person’s identity, a rule, the expiry guard, Lexbridge'),
  outcome: z.enum(['ok', 'failed', 'info']),
});

type Data = Record<string, unknown> & { decision?: { action?: string; description?: string; by?: string; rule?: string | null; source?: string } };

/** One feed item for a person: what, who, and whether it went well. */
function activityOf(e: FeedEntry) {
  const d = e.data as Data;
  const decision = d.decision;
  const by = decision?.by ?? (decision?.rule ? `rule ${decision.rule}` : decision?.source === 'expiry-guard' ? 'expiry guard' : decision?.source === 'rules' ? 'rules (default)' : typeof d.by === 'string' ? d.by : 'Lexbridge');
  const id = typeof d.invitationId === 'string' ? d.invitationId : null;
  const failed = e.type.endsWith('failed') || e.type === 'invitation.stuck';
  const sent = e.type === 'invitation.action-sent' || e.type === 'outbound.sent';
  const summary =
    e.type === 'invitation.decided'
      ? `decided: ${decision?.description ?? decision?.action ?? '?'}`
      : sent
        ? `${decision?.action ?? String(d.kind ?? 'update')} sent; Lexamica answered OK${d.lexamicaStatus ? ` (${String(d.lexamicaStatus)})` : ''}`
        : failed
          ? `${decision?.action ?? String(d.kind ?? '')} failed: ${String(d.error ?? d.lastError ?? d.reason ?? d.lexamicaStatus ?? 'see the failed jobs')}`
          : e.type === 'admin.action'
            ? `${String(d.action)}${d.jobId ? ` ${String(d.jobId)}` : ''}`
            : `${e.type}${d.reason ? `: ${String(d.reason)}` : d.state ? `: ${String(d.state)}` : ''}`;
  return { cursor: e.cursor, type: e.type, occurredAt: e.occurredAt, invitationId: id, summary, by, outcome: failed ? ('failed' as const) : sent ? ('ok' as const) : ('info' as const) };
}

export const activityRoutes: FastifyPluginAsyncZod<ConsoleRoutesOptions> = async (app, o) => {
  const now = o.now ?? (() => new Date());
  const { lastUpdate } = caseActivityKeys(o.keyspace);

  app.get('/console/api/activity', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'Recent decisions and actions, failed jobs, and cases nearing the 90-day update limit',
      querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50).describe('Activity items, 1..500 (default 50)') }),
      response: {
        200: z.object({
          items: z.array(activityItemSchema),
          failed: z.array(failedJobSchema),
          failedCounts: z.record(z.string(), z.number().int()),
          updateDue: z.array(z.object({ caseId: z.string(), lastUpdate: z.string(), dueAt: z.string(), daysLeft: z.number() })).describe('Oldest first'),
          updateRule: z.object({ warnAfterDays: z.number(), limitDays: z.number() }),
        }),
        ...errorResponses(400, 401, 403, 429, 503),
      },
    },
    handler: async (request) => {
      const at = now().getTime();
      const rule = o.settings.updateRule;
      // Read more than asked: the feed also carries events the activity view does not show.
      const [recent, failed, due] = await Promise.all([
        o.feed.recent(Math.min(request.query.limit * 4, 1_000)),
        listFailedJobs(o.queues, undefined, 20),
        o.redis.zrangebyscore(lastUpdate, '-inf', warnBeforeMs(at, rule), 'WITHSCORES', 'LIMIT', 0, 100),
      ]);
      const updateDue = [];
      for (let i = 0; i < due.length; i += 2) {
        const ms = Number(due[i + 1]);
        const dueAt = dueAtMs(ms, rule);
        updateDue.push({ caseId: due[i]!, lastUpdate: new Date(ms).toISOString(), dueAt: new Date(dueAt).toISOString(), daysLeft: Math.round(((dueAt - at) / DAY_MS) * 10) / 10 });
      }
      return {
        items: recent.filter((e) => SHOWN.test(e.type)).slice(0, request.query.limit).map(activityOf),
        failed: failed.items,
        failedCounts: failed.counts,
        updateDue,
        updateRule: { warnAfterDays: rule.warnAfterDays, limitDays: rule.limitDays },
      };
    },
  });

  app.post('/console/api/jobs/:queue/:id/retry', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'Retry one failed job (admins)',
      params: z.object({ queue: queueName, id: pathId('Job id') }),
      response: { 202: z.object({ queue: z.string(), id: z.string(), status: z.literal('retrying') }), ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
    },
    handler: async (request, reply) => {
      const { queue, id } = request.params;
      await retryFailedJob(o.queues, o.audit, request, queue, id);
      return reply.code(202).send({ queue, id, status: 'retrying' as const });
    },
  });
};
