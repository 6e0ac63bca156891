/**
 * Key checks for profile routes (lexamica-api.md §1), where the profile says each key travels: a
 * header (with its scheme, `Authorization: Key <key>` by default) or a query parameter. A missing
 * key, or one in another place, is 401 with where it was expected; a valid key of the other kind
 * is 403; a key of another organisation is 403.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.js';
import type { KeyName, KeySpot, SandboxProfile } from '../profile/sandbox-profile.js';
import type { SandboxOrg } from '../state/sandbox-state.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The key a profile route requires. */
    key?: KeyName;
  }
}

function describeSpot(spot: KeySpot): string {
  return spot.in === 'query' ? `the query parameter "${spot.name}"` : `the header "${spot.name}: ${spot.scheme ? `${spot.scheme} ` : ''}<key>"`;
}

/** The key found where `spot` says, or undefined. A header with the wrong scheme is a 401 that says so. */
function keyAt(request: FastifyRequest, spot: KeySpot): string | undefined {
  if (spot.in === 'query') {
    const v = (request.query as Record<string, unknown>)[spot.name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }
  const raw = request.headers[spot.name.toLowerCase()];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return undefined;
  if (!spot.scheme) return value.trim();
  const [scheme, key, ...more] = value.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== spot.scheme.toLowerCase() || !key || more.length > 0) {
    throw new HttpError(401, 'unauthorized', `${spot.name} must be "${spot.scheme} <key>"`);
  }
  return key;
}

/** An onRequest hook checking the route's `config.key` against the organisation's keys and the profile's placement. */
export function createAuthHook(org: SandboxOrg, profile: SandboxProfile) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const needed = request.routeOptions.config.key;
    if (!needed) return;
    const spot = profile.keys[needed];
    const key = keyAt(request, spot);
    if (key === undefined) throw new HttpError(401, 'unauthorized', `this call needs the ${needed} key in ${describeSpot(spot)}`);
    const kind: KeyName | undefined = key === org.publicKey ? 'public' : key === org.privateKey ? 'private' : undefined;
    if (!kind) throw new HttpError(401, 'unauthorized', 'the key is not valid');
    if (kind !== needed) throw new HttpError(403, 'forbidden', `this call needs the ${needed} key`);
    const orgId = (request.params as Record<string, string | undefined>)['orgId'];
    if (orgId !== undefined && orgId !== org.id) throw new HttpError(403, 'forbidden', `the key does not belong to organization ${orgId}`);
  };
}
