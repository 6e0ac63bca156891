/**
 * What waits for a person, soonest expiry first: invitations in `manual` (the rules left them to a
 * person, or they are being evaluated) and, in shadow mode, `shadow`; each with the case facts,
 * why no rule decided, today's capacity for its case type and what the expiry guard will do. Also
 * one invitation as it is now, and a person's decision on it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createCapacityCounter, describeDecision } from '@lexbridge/core/rules';
import type { LedgerRecord } from '@lexbridge/core/ledger';
import { ApiError, errorResponses } from '../../errors.js';
import { pathId } from '../../schemas.js';
import { decideInvitation, invitationNotFound } from '../invitations/decide.js';
import { invitationSchema } from '../invitations/schemas.js';
import { CONSOLE_SECURITY, type ConsoleRoutesOptions } from './options.js';

const waitingItemSchema = z.object({
  invitation: invitationSchema,
  evaluating: z.boolean().describe('Lexamica was asked for more time (status evaluating)'),
  why: z.string().describe('Why a person decides, in words'),
  capacity: z.object({ caseType: z.string(), used: z.number().int(), limit: z.number().int() }).nullable().describe('Automatic accepts of this case type today (UTC), against its limit'),
  guard: z.object({ do: z.enum(['evaluate', 'alert']), at: z.string() }).nullable().describe('What the expiry guard will do, and when; null in shadow mode'),
});

const MAX_WAITING = 500;

/** Why a person decides this one, from its decision and trace. */
function whyOf(r: LedgerRecord, evaluating: boolean): string {
  const d = r.decision;
  if (!d) return 'not decided yet';
  const tried = d.trace.length ? ` Rules tried: ${d.trace.map((t) => `${t.rule} (${t.matched ? 'matched' : 'no match'})`).join(', ')}.` : '';
  if (evaluating) return `Lexamica gave more time (evaluating) after: ${describeDecision(d)}.${tried}`;
  if (r.state === 'shadow') return `Shadow mode: the rules would ${describeDecision(d)}; nothing was sent.${tried}`;
  if (d.rule === null && !d.capacity) return `No rule matched, so the default applies: a person decides${d.note ? ` (${d.note})` : ''}.${tried}`;
  return `${describeDecision(d)}.${tried}`;
}

export const waitingRoutes: FastifyPluginAsyncZod<ConsoleRoutesOptions> = async (app, o) => {
  const { ledger, settings } = o;
  const capacity = createCapacityCounter(o.redis, o.keyspace, settings.rules.capacity);
  const now = o.now ?? (() => new Date());
  const params = z.object({ id: pathId('Lexamica invitation id') });

  app.get('/console/api/waiting', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'Invitations waiting for a person, soonest expiry first',
      response: { 200: z.object({ now: z.string(), shadow: z.boolean(), items: z.array(waitingItemSchema) }), ...errorResponses(401, 403, 429, 503) },
    },
    handler: async () => {
      const states = settings.rules.shadow ? (['manual', 'shadow'] as const) : (['manual'] as const);
      const pages = await Promise.all(states.map((state) => ledger.list({ state, limit: MAX_WAITING })));
      const records = pages.flatMap((p) => p.items).sort((a, b) => Date.parse(a.expires) - Date.parse(b.expires));
      const at = now();
      const used = new Map<string, number>();
      for (const caseType of new Set(records.map((r) => r.caseType).filter((t): t is string => t !== undefined))) {
        if (capacity.limitFor(caseType)) used.set(caseType, await capacity.used(caseType, at));
      }
      const items = records.map((r) => {
        const evaluating = r.lexamicaStatus === 'evaluating';
        const limit = r.caseType === undefined ? undefined : capacity.limitFor(r.caseType);
        const plan = r.state === 'shadow' ? undefined : evaluating ? settings.rules.expiryGuard.evaluate : settings.rules.expiryGuard.manual;
        return {
          invitation: r,
          evaluating,
          why: whyOf(r, evaluating),
          capacity: limit && r.caseType !== undefined ? { caseType: r.caseType, used: used.get(r.caseType) ?? 0, limit: limit.maxAcceptsPerDay } : null,
          guard: plan ? { do: plan.do, at: new Date(Date.parse(r.expires) - plan.beforeMs).toISOString() } : null,
        };
      });
      return { now: at.toISOString(), shadow: settings.rules.shadow, items };
    },
  });

  app.get('/console/api/invitations/:id', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'One invitation as it is now (who decided, the outcome)', params, response: { 200: invitationSchema, ...errorResponses(400, 401, 403, 404, 429, 503) } },
    handler: async (request) => {
      const record = await ledger.get(request.params.id);
      if (!record) throw invitationNotFound(request.params.id);
      return record;
    },
  });

  app.post('/console/api/invitations/:id/decision', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'Decide an invitation waiting for a person, in the signed-in person’s name',
      description:
        'A decline needs `reason`, one of the firm’s decline reasons (console.declineReasons); `details` adds free text to it. ' +
        'Lexamica receives "<reason>: <details>". 409 `invalid_state` when someone (or something) decided first; the message says who.',
      params,
      body: z.strictObject({
        action: z.enum(['accept', 'decline', 'evaluate']),
        reason: z.string().trim().min(1).max(200).optional().describe('For a decline: one of the firm’s decline reasons'),
        details: z.string().trim().min(1).max(1_500).optional().describe('For a decline: free text added to the reason'),
      }),
      response: {
        202: z.object({ invitation: invitationSchema, job: z.object({ id: z.string(), status: z.literal('queued') }) }),
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    },
    handler: async (request, reply) => {
      const { action, reason, details } = request.body;
      const reasons = settings.console.declineReasons;
      if (action === 'decline' && reason === undefined) throw new ApiError(400, 'validation_failed', `a decline needs a reason, one of: ${reasons.join('; ')}`, { field: 'reason', in: 'body' });
      if (action === 'decline' && !reasons.includes(reason!)) throw new ApiError(400, 'validation_failed', `reason must be one of the firm’s decline reasons: ${reasons.join('; ')}`, { field: 'reason', in: 'body' });
      if (action !== 'decline' && (reason !== undefined || details !== undefined)) {
        throw new ApiError(400, 'validation_failed', `only a decline takes a reason or details (Lexamica receives none with ${action})`, { field: reason !== undefined ? 'reason' : 'details', in: 'body' });
      }
      const text = action === 'decline' ? (details ? `${reason}: ${details}` : reason) : undefined;
      const { record, jobId } = await decideInvitation(o, request.params.id, { action, ...(text !== undefined && { reason: text }), by: request.identity!.name }, request.log);
      return reply.code(202).send({ invitation: record, job: { id: jobId, status: 'queued' as const } });
    },
  });
};
