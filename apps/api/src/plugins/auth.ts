/**
 * Authentication and roles for every protected route (see `route-access.ts`): the token names an
 * identity (identity-directory.ts, constant time), the identity must hold one of the route's roles.
 * `Authorization` must be exactly `Bearer <token>` (or, on the queue board, HTTP Basic with the
 * token as password): anything after the token is refused, not ignored.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';
import { CSRF_HEADER, csrfMatches, SESSION_COOKIE, type ConsoleSession, type SessionStore } from '../console/session-store.js';
import type { Identity, IdentityDirectory } from '../identity/identity-directory.js';
import { sendApiError } from './error-handler.js';
import { acceptsBasicAuth, isConsoleApiRoute, isOpenRoute, requiredRoles } from './route-access.js';

/** Options of the auth plugin. */
export interface AuthOptions {
  /** Who may call the API. */
  directory: IdentityDirectory;
  /** Console sessions: the console's routes also take the session cookie (CSRF-checked). */
  sessions: SessionStore;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null on open routes and refused requests. */
    identity: Identity | null;
    /** The console session that authenticated the request, when a cookie did. */
    consoleSession: { id: string; session: ConsoleSession } | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The presented token from `Authorization`, if the header is well formed: `Bearer <token>`, or
 * Basic with the token as password where allowed. A header with anything more is not.
 */
export function presentedToken(header: string | undefined, allowBasic: boolean): string | undefined {
  if (!header) return undefined;
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2) return undefined;
  const [scheme, value] = parts as [string, string];
  if (scheme.toLowerCase() === 'bearer') return value;
  if (allowBasic && scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  app.decorateRequest('identity', null);
  app.decorateRequest('consoleSession', null);

  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const route = request.routeOptions.url;
    if (isOpenRoute(route)) return;
    // A browser at the console sends its session cookie, never a token; a bearer token still works.
    if (request.headers.authorization === undefined && isConsoleApiRoute(route)) {
      const id = request.cookies[SESSION_COOKIE];
      const session = id === undefined ? undefined : await opts.sessions.get(id);
      const identity = session && opts.directory.byName(session.name);
      if (!session || !identity) {
        const message = id === undefined ? 'sign in first (POST /console/api/sign-in), or send a bearer token' : 'the console session has ended; sign in again';
        return sendApiError(reply, request, new ApiError(401, 'unauthorized', message, { headers: { 'www-authenticate': 'Bearer realm="lexbridge"' } }));
      }
      // SameSite=Strict keeps the cookie off other sites' requests; the token is the second lock.
      const csrf = request.headers[CSRF_HEADER];
      if (!SAFE_METHODS.has(request.method) && !csrfMatches(session, typeof csrf === 'string' ? csrf : undefined)) {
        return sendApiError(reply, request, new ApiError(403, 'forbidden', `the ${CSRF_HEADER} header must carry this session's CSRF token (from sign-in or GET /console/api/session)`, { field: CSRF_HEADER, in: 'headers' }));
      }
      request.consoleSession = { id: id!, session };
      return authorise(request, reply, identity, route);
    }
    const basic = acceptsBasicAuth(route);
    const token = presentedToken(request.headers.authorization, basic);
    const identity = token === undefined ? undefined : opts.directory.byToken(token);
    if (!identity) {
      const challenge = basic ? 'Basic realm="lexbridge-admin", charset="UTF-8"' : 'Bearer realm="lexbridge"';
      const message = token === undefined ? 'a bearer token is required (Authorization: Bearer <token>)' : 'the token is not valid';
      return sendApiError(reply, request, new ApiError(401, 'unauthorized', message, { headers: { 'www-authenticate': challenge } }));
    }
    return authorise(request, reply, identity, route);
  });
}

/** Records the caller and refuses it (403, naming the roles) when it holds none of the route's roles. */
function authorise(request: FastifyRequest, reply: FastifyReply, identity: Identity, route: string | undefined) {
  request.identity = identity;
  // A path that matches no route is answered 404 by the not-found handler, to any identity.
  if (route === undefined) return;
  const roles = requiredRoles(request.method, route);
  if (!roles.some((r) => identity.roles.includes(r))) {
    const message = `${request.method} ${route} needs the role ${roles.join(' or ')}; identity "${identity.name}" has ${identity.roles.join(', ')}`;
    return sendApiError(reply, request, new ApiError(403, 'forbidden', message, { requiredRoles: roles }));
  }
}

export default fp(authPlugin, { name: 'lexbridge-auth', fastify: '5.x' });
