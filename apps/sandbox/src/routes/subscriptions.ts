/** Stored-event subscriptions (lexamica-api.md §3), private key. */
import type { FastifyInstance } from 'fastify';
import type { SandboxState } from '../state/sandbox-state.js';

export function subscriptionRoutes(app: FastifyInstance, state: SandboxState): void {
  const config = { key: 'private' } as const;
  const path = '/stored-event-subscriptions';
  app.get(path, { config }, async () => {
    const data = state.subscriptions.list();
    return { data, total: data.length };
  });
  app.post(path, { config }, async (request, reply) => reply.code(201).send(state.subscriptions.create(request.body)));
  app.patch<{ Params: { id: string } }>(`${path}/:id`, { config }, async (request) => state.subscriptions.update(request.params.id, request.body));
  app.delete<{ Params: { id: string } }>(`${path}/:id`, { config }, async (request, reply) => {
    state.subscriptions.remove(request.params.id);
    return reply.code(204).send();
  });
}
