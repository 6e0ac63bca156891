/**
 * OpenAPI generated from the routes' zod schemas (only tagged routes are documented; the queue
 * board and the docs themselves are not), served with Swagger UI at `/docs` and as JSON at
 * `/docs/json`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** Options of the docs plugin. */
export interface DocsOptions {
  /** The API's version, shown in the document. Default `0.1.0`. */
  version?: string;
}

const API_DESCRIPTION = `Lexbridge's firm-facing API: invitations and manual decisions, case status updates and
milestones sent to Lexamica, the event feed, and operations.

**Authentication**: every route under \`/v1\` and \`/admin\` takes \`Authorization: Bearer <token>\`
(exactly that: anything after the token is refused). Each token belongs to a named identity with
roles (\`api.identities\` in the firm's YAML): \`cms\` sends updates and milestones, reads the feed and
decides invitations as the CMS; \`intake\` lists and decides invitations; \`viewer\` reads; \`admin\`
retries jobs, starts backfills and acts on the queue board. A route refused for lack of a role
answers 403 \`forbidden\` with \`requiredRoles\`. \`/health/*\`, \`/metrics\` and \`/docs\` are open:
keep \`/metrics\` on an internal network. The intake console's routes (\`/console/api/*\`) also take the
session cookie that \`POST /console/api/sign-in\` sets (HttpOnly, SameSite=Strict), with the session's
CSRF token in \`x-csrf-token\` on every POST. The queue board at \`/admin/queues\` also takes HTTP Basic
(any user name, the token as password) so a browser can open it; viewers see it, admins act on it.

**Rate limits**: each identity may send 600 requests a minute (configurable, per identity too),
counted in 10-second windows of a sixth each (100 by default); past that it gets 429
\`rate_limited\` with \`Retry-After\` (seconds) until its window ends. Every answer to an identity
carries \`x-ratelimit-limit\` (per window), \`x-ratelimit-remaining\` and \`x-ratelimit-reset\`.

**Errors**: every error body is \`{ "error": { "code", "message", "field"?, "in"? } }\`; \`code\` is
stable and \`field\` names the offending field of a 4xx. While Redis is unreachable the API answers
503 with \`Retry-After\`.

**Idempotency**: the routes that send something to Lexamica take an \`Idempotency-Key\` header
(required; up to 200 visible ASCII characters). The same key with the same request returns the
first response again (with \`Idempotent-Replayed: true\`); the same key with a different request is
refused with 422; keys are kept at least 24 hours. The work is queued: read its outcome at
\`GET /v1/outbound/{id}\`.`;

interface OpenApiDocument {
  paths?: Record<string, Record<string, { responses?: Record<string, { headers?: Record<string, unknown> }> }>>;
}

/** Declares the Retry-After header on every 429 and 503 response (route schemas cannot carry headers). */
function withRetryAfter(doc: OpenApiDocument): OpenApiDocument {
  const header = (when: string) => ({ 'Retry-After': { description: `Seconds to wait before ${when}`, schema: { type: 'integer', minimum: 1 } } });
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(operations)) {
      const limited = op.responses?.['429'];
      if (limited) limited.headers = { ...limited.headers, ...header('the identity may send again (its rate limit resets)') };
      const unavailable = op.responses?.['503'];
      if (unavailable) unavailable.headers = { ...unavailable.headers, ...header('retrying') };
    }
  }
  return doc;
}

async function docsPlugin(app: FastifyInstance, opts: DocsOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Lexbridge API', version: opts.version ?? '0.1.0', description: API_DESCRIPTION },
      tags: [
        { name: 'invitations', description: 'Case invitations, their decisions and manual decisions' },
        { name: 'cases', description: 'Status updates and milestones sent to Lexamica (queued, idempotent)' },
        { name: 'outbound', description: 'Outcome of queued outbound work' },
        { name: 'events', description: 'The feed of everything the CMS should hear about' },
        { name: 'admin', description: 'Failed jobs, retries and backfills' },
        { name: 'ops', description: 'Health and metrics (open; keep /metrics internal)' },
        { name: 'console', description: 'The intake console’s API (/console): a session cookie from sign-in, with x-csrf-token on POST; or a bearer token' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: "A token of one of the API's identities (api.identities)" },
          consoleSession: { type: 'apiKey', in: 'cookie', name: 'lexbridge_console', description: 'The console’s session, from POST /console/api/sign-in; every POST also needs x-csrf-token' },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    hideUntagged: true,
    transform: jsonSchemaTransform,
    // The document is OpenAPI 3 (the `openapi` option above), never Swagger 2.
    transformObject: (documents) => withRetryAfter((documents as { openapiObject: OpenApiDocument }).openapiObject) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}

export default fp(docsPlugin, { name: 'lexbridge-docs', fastify: '5.x' });
