/** `POST /inbound-webhooks/case-update/{mapId}/send` (lexamica-api.md §7), public key. */
import type { FastifyInstance } from 'fastify';
import type { SandboxState } from '../state/sandbox-state.js';

export function caseUpdateRoutes(app: FastifyInstance, state: SandboxState): void {
  app.post<{ Params: { mapId: string } }>('/inbound-webhooks/case-update/:mapId/send', { config: { key: 'public' } }, async (request, reply) => {
    const update = state.caseUpdates.receive(request.params.mapId, request.body);
    return reply.code(201).send({ _id: update._id });
  });
}
