/**
 * Bearer-token authentication for every protected route (see `route-access.ts`). Tokens are
 * compared in constant time: both sides are hashed to a fixed length, then `timingSafeEqual`,
 * against every configured token without stopping early.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';
import { sendApiError } from './error-handler.js';
import { acceptsBasicAuth, isOpenRoute } from './route-access.js';

/** Options of the auth plugin. */
export interface AuthOptions {
  /** The accepted bearer tokens (`API_TOKENS`). At least one. */
  tokens: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request: `token:<first 8 hex of the token's sha256>`; empty on open routes. */
    principal: string;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The presented token from `Authorization`, if any (`Bearer <token>`, or Basic with the token as password where allowed). */
export function presentedToken(header: string | undefined, allowBasic: boolean): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (allowBasic && scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** A constant-time matcher over `tokens`; returns the matching token's fingerprint, or undefined. */
export function createTokenMatcher(tokens: readonly string[]): (presented: string) => string | undefined {
  if (tokens.length === 0) throw new Error('at least one API token is required');
  const digests = tokens.map(sha256);
  return (presented) => {
    const candidate = sha256(presented);
    let match: Buffer | undefined;
    for (const d of digests) if (timingSafeEqual(d, candidate)) match = d;
    return match ? `token:${match.toString('hex').slice(0, 8)}` : undefined;
  };
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const match = createTokenMatcher(opts.tokens);
  app.decorateRequest('principal', '');

  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const route = request.routeOptions.url;
    if (isOpenRoute(route)) return;
    const basic = acceptsBasicAuth(route);
    const token = presentedToken(request.headers.authorization, basic);
    const principal = token === undefined ? undefined : match(token);
    if (!principal) {
      const challenge = basic ? 'Basic realm="lexbridge-admin", charset="UTF-8"' : 'Bearer realm="lexbridge"';
      const message = token === undefined ? 'a bearer token is required (Authorization: Bearer <token>)' : 'the token is not valid';
      return sendApiError(reply, request, new ApiError(401, 'unauthorized', message, { headers: { 'www-authenticate': challenge } }));
    }
    request.principal = principal;
  });
}

export default fp(authPlugin, { name: 'lexbridge-auth', fastify: '5.x' });
