/**
 * Invitations (lexamica-api.md §6), public key: read one, and the firm's actions on it. A read
 * also expires an invitation whose time has passed, as the platform would show it.
 */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../http-error.js';
import { INVITATION_ACTIONS, type InvitationAction } from '../state/invitation-actions.js';
import type { SandboxState } from '../state/sandbox-state.js';

export function invitationRoutes(app: FastifyInstance, state: SandboxState): void {
  const config = { key: 'public' } as const;
  app.get<{ Params: { id: string } }>('/case-invitations/:id', { config }, async (request) => {
    const record = state.invitations.get(request.params.id);
    if (!record) throw notFound('invitation', request.params.id);
    state.invitations.expireIfDue(record);
    return record.doc;
  });
  app.post<{ Params: { mapId: string; id: string; action: string } }>(
    '/inbound-webhooks/case-invitation/:mapId/:id/:action',
    { config },
    async (request) => {
      const { mapId, id, action } = request.params;
      if (!(INVITATION_ACTIONS as readonly string[]).includes(action)) throw notFound('action', action);
      return state.act({ mappingId: mapId, invitationId: id, action: action as InvitationAction, body: request.body });
    },
  );
}
