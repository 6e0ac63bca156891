/**
 * Console sessions: sign in with an identity's token (and, optionally, its name), read the
 * session back (the page does, after a reload), sign out. The session id travels only in an
 * HttpOnly, SameSite=Strict cookie scoped to /console; the CSRF token is returned in the body.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SESSION_COOKIE, type ConsoleSession } from '../../console/session-store.js';
import { ApiError, errorResponses } from '../../errors.js';
import type { Identity } from '../../identity/identity-directory.js';
import { ROLES } from '../../identity/roles.js';
import { CONSOLE_SECURITY, type ConsoleRoutesOptions } from './options.js';

const sessionSchema = z.object({
  identity: z.object({ name: z.string(), roles: z.array(z.enum(ROLES)) }),
  csrfToken: z.string().describe('Send it as x-csrf-token on every POST of the console'),
  expiresAt: z.string(),
  declineReasons: z.array(z.string()).describe("The firm's common decline reasons (console.declineReasons)"),
  shadow: z.boolean().describe('Shadow mode: decisions are recorded, nothing is sent'),
  clientContact: z.boolean().describe('Case facts include the client’s contact details'),
});

export const sessionRoutes: FastifyPluginAsyncZod<ConsoleRoutesOptions> = async (app, { directory, sessions, settings, cookieSecure }) => {
  // HTTPS as the socket, or a trusted proxy's X-Forwarded-Proto, says (API_TRUST_PROXY).
  const secure = (protocol: string) => cookieSecure === 'always' || protocol === 'https';
  const view = (identity: Identity, session: ConsoleSession) => ({
    identity: { name: identity.name, roles: [...identity.roles] },
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
    declineReasons: settings.console.declineReasons,
    shadow: settings.rules.shadow,
    clientContact: settings.console.clientContact,
  });

  app.post('/console/api/sign-in', {
    schema: {
      tags: ['console'],
      security: [],
      summary: 'Sign in to the console with an identity’s token',
      description: 'Sets the session cookie (HttpOnly, SameSite=Strict, Path=/console; Secure over HTTPS, or always with CONSOLE_COOKIE_SECURE=always). The CMS has no console: only intake, viewer and admin identities sign in.',
      body: z.strictObject({
        token: z.string().min(1, 'the token is required').max(1_000).describe('The identity’s API token'),
        name: z.string().min(1).max(64).optional().describe('The identity’s name; when given it must match the token'),
      }),
      response: { 200: sessionSchema, ...errorResponses(400, 401, 403, 429, 503) },
    },
    handler: async (request, reply) => {
      const identity = directory.byToken(request.body.token);
      if (!identity || (request.body.name !== undefined && request.body.name !== identity.name)) {
        throw new ApiError(401, 'unauthorized', 'that name and token do not match an identity', { field: 'token', in: 'body' });
      }
      if (!identity.roles.some((r) => r !== 'cms')) {
        throw new ApiError(403, 'forbidden', `identity "${identity.name}" is the CMS's; the console is for intake, viewer and admin identities`, { requiredRoles: ['intake', 'viewer', 'admin'] });
      }
      const { id, session } = await sessions.create(identity.name);
      request.log.info({ identity: identity.name }, 'console sign-in');
      reply.setCookie(SESSION_COOKIE, id, { path: '/console', httpOnly: true, sameSite: 'strict', secure: secure(request.protocol), maxAge: sessions.ttlSec });
      return view(identity, session);
    },
  });

  app.get('/console/api/session', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'The signed-in person and their CSRF token', response: { 200: sessionSchema, ...errorResponses(401, 403, 404, 429, 503) } },
    handler: async (request) => {
      const s = request.consoleSession;
      if (!s) throw new ApiError(404, 'not_found', 'no console session: this request was made with a bearer token; sign in at POST /console/api/sign-in');
      return view(request.identity!, s.session);
    },
  });

  app.post('/console/api/sign-out', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'Sign out: ends the session and clears its cookie', response: { 204: z.null(), ...errorResponses(401, 403, 429, 503) } },
    handler: async (request, reply) => {
      if (request.consoleSession) await sessions.delete(request.consoleSession.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/console', httpOnly: true, sameSite: 'strict', secure: secure(request.protocol) });
      return reply.code(204).send(null);
    },
  });
};
