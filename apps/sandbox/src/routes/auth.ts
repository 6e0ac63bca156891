/**
 * Key checks for profile routes (lexamica-api.md §1): `Authorization: Bearer <key>`, or the public
 * key as `?key=`. A missing or unknown key is 401; a valid key of the other kind is 403.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.js';
import type { SandboxOrg } from '../state/sandbox-state.js';

/** Which key a route takes. */
export type KeyKind = 'public' | 'private';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The key kind a profile route requires. */
    key?: KeyKind;
  }
}

function presented(request: FastifyRequest): { key: string; where: 'header' | 'query' } | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new HttpError(401, 'unauthorized', 'Authorization must be "Bearer <key>"');
    return { key: match[1]!, where: 'header' };
  }
  const query = (request.query as Record<string, unknown>)['key'];
  if (typeof query === 'string' && query !== '') return { key: query, where: 'query' };
  return undefined;
}

/** An onRequest hook checking the route's `config.key` against the organisation's keys. */
export function createAuthHook(org: SandboxOrg) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const needed = request.routeOptions.config.key;
    if (!needed) return;
    const given = presented(request);
    if (!given) throw new HttpError(401, 'unauthorized', 'a key is required: Authorization: Bearer <key>');
    const kind: KeyKind | undefined = given.key === org.publicKey ? 'public' : given.key === org.privateKey ? 'private' : undefined;
    if (!kind) throw new HttpError(401, 'unauthorized', 'the key is not valid');
    // Only the public key may travel in a URL; a private key there is treated as not given.
    if (kind === 'private' && given.where === 'query') throw new HttpError(401, 'unauthorized', 'the private key is accepted only in the Authorization header');
    if (kind !== needed) throw new HttpError(403, 'forbidden', `this call needs the ${needed} key`);
    const orgId = (request.params as Record<string, string | undefined>)['orgId'];
    if (orgId !== org.id) throw new HttpError(403, 'forbidden', `the key does not belong to organization ${orgId ?? ''}`);
  };
}
