/** Mappings (lexamica-api.md §2), private key. Lists use the `{ data, total }` envelope. */
import type { FastifyInstance } from 'fastify';
import type { SandboxState } from '../state/sandbox-state.js';

export function mappingRoutes(app: FastifyInstance, state: SandboxState): void {
  const config = { key: 'private' } as const;
  app.get('/mappings', { config }, async () => {
    const data = state.mappings.list();
    return { data, total: data.length };
  });
  app.post('/mappings', { config }, async (request, reply) => reply.code(201).send(state.mappings.create(request.body)));
  app.put<{ Params: { mapId: string } }>('/mappings/:mapId', { config }, async (request) => state.mappings.replace(request.params.mapId, request.body));
  app.delete<{ Params: { mapId: string } }>('/mappings/:mapId', { config }, async (request, reply) => {
    state.mappings.remove(request.params.mapId, (id) => state.subscriptions.usesMapping(id));
    return reply.code(204).send();
  });
}
