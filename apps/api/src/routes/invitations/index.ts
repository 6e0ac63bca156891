/**
 * Invitations: the ledger, read and filtered; and manual decisions, which go through the same
 * ledger transition and `invitation.act` queue as the rules' decisions.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { QueueSet } from '@lexbridge/core/jobs';
import { LEDGER_STATES, LedgerCursorError, type DecisionMetrics, type Ledger } from '@lexbridge/core/ledger';
import { ApiError, errorResponses } from '../../errors.js';
import { isoDateTime, pageLimit, pathId } from '../../schemas.js';
import { decideInvitation, invitationNotFound } from './decide.js';
import { invitationSchema, manualDecisionSchema } from './schemas.js';

/** Options of the invitation routes. */
export interface InvitationRoutesOptions {
  ledger: Ledger;
  queues: QueueSet;
  /** Where a person's decisions are counted. */
  decisions: DecisionMetrics;
}

const params = z.object({ id: pathId('Lexamica invitation id') });

export const invitationRoutes: FastifyPluginAsyncZod<InvitationRoutesOptions> = async (app, { ledger, queues, decisions }) => {
  app.get('/v1/invitations', {
    schema: {
      tags: ['invitations'],
      summary: 'List invitations, soonest expiry first',
      querystring: z.strictObject({
        state: z.enum(LEDGER_STATES).optional().describe('Only invitations in this state (e.g. manual: waiting for a person)'),
        expiringBefore: isoDateTime.optional().describe('Only invitations expiring before this time'),
        caseType: z.string().min(1).max(200).optional().describe("Lexamica's case type, e.g. Motor Vehicle Accident"),
        limit: pageLimit({ default: 50, max: 500 }),
        cursor: z.string().min(1).max(1_000).optional().describe('`next` of the previous page'),
      }),
      response: {
        200: z.object({ items: z.array(invitationSchema), next: z.string().nullable().describe('Cursor of the next page; null on the last') }),
        ...errorResponses(400, 401, 403, 429, 503),
      },
    },
    handler: async (request) => {
      const q = request.query;
      try {
        return await ledger.list({
          ...(q.state && { state: q.state }),
          ...(q.expiringBefore && { expiringBefore: new Date(q.expiringBefore) }),
          ...(q.caseType && { caseType: q.caseType }),
          ...(q.cursor && { cursor: q.cursor }),
          limit: q.limit,
        });
      } catch (err) {
        if (err instanceof LedgerCursorError) throw new ApiError(400, 'validation_failed', err.message, { field: 'cursor', in: 'querystring' });
        throw err;
      }
    },
  });

  app.get('/v1/invitations/:id', {
    schema: {
      tags: ['invitations'],
      summary: 'One invitation: its state, decision, the rule that fired, and history',
      params,
      response: { 200: invitationSchema, ...errorResponses(400, 401, 403, 404, 429, 503) },
    },
    handler: async (request) => {
      const record = await ledger.get(request.params.id);
      if (!record) throw invitationNotFound(request.params.id);
      return record;
    },
  });

  app.post('/v1/invitations/:id/decision', {
    schema: {
      tags: ['invitations'],
      summary: 'Decide an invitation that waits for a person',
      description:
        'Only from state `manual` (or `shadow`). The decision is recorded in the ledger and the action is queued for Lexamica. ' +
        'The same decision repeated (same action and reason) is answered 202 with the same job, whatever state the invitation ' +
        'has reached since (sending, done, failed), and is never made twice. 409 when the state does not allow it ' +
        '(decided otherwise, expired, closed).',
      params,
      body: manualDecisionSchema,
      response: {
        202: z.object({ invitation: invitationSchema, job: z.object({ id: z.string(), status: z.literal('queued') }) }),
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const identity = request.identity!;
      const { onBehalfOf, ...body } = request.body;
      // The decider is the token's identity; only the CMS relays a decision someone else made.
      if (onBehalfOf !== undefined && !identity.roles.includes('cms')) {
        throw new ApiError(403, 'forbidden', `onBehalfOf needs the role cms; identity "${identity.name}" decides in its own name`, { requiredRoles: ['cms'], field: 'onBehalfOf', in: 'body' });
      }
      const decision = { ...body, by: identity.name, ...(onBehalfOf !== undefined && { onBehalfOf }) };
      const { record, jobId } = await decideInvitation({ ledger, queues, decisions }, id, decision, request.log);
      return reply.code(202).send({ invitation: record, job: { id: jobId, status: 'queued' as const } });
    },
  });
};
