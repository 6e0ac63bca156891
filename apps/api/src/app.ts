/**
 * `buildApp(deps)`: the whole API as a Fastify instance that never listens (main.ts listens; tests
 * use `app.inject()`). Cross-cutting concerns are plugins registered first, their request hooks
 * running in this order: request bounds, auth (identity and role), rate limit, Redis guard; then
 * errors, metrics and docs. Routes follow, one plugin per resource, registered explicitly.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RedisClient } from '@lexbridge/infra/redis';
import type { Registry } from 'prom-client';
import type { ZodType } from 'zod';
import { createFeed, type Feed } from '@lexbridge/core/feed';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency/index.js';
import type { QueueSet } from '@lexbridge/core/jobs';
import { createDecisionMetrics, createLedger, DEFAULT_RETENTION, type Ledger, type RetentionPolicy } from '@lexbridge/core/ledger';
import type { Logger } from '@lexbridge/infra/logger';
import { createMetricsRegistry } from '@lexbridge/infra/ops';
import fastifyCookie from '@fastify/cookie';
import { createAuditTrail } from './audit.js';
import { createSessionStore } from './console/session-store.js';
import { DEFAULT_CONSOLE_SETTINGS, type ConsoleSettings } from './console/settings.js';
import { createIdentityDirectory, type IdentityConfig } from './identity/identity-directory.js';
import authPlugin from './plugins/auth.js';
import { consolePage } from './plugins/console-page.js';
import docsPlugin from './plugins/docs.js';
import errorHandlerPlugin from './plugins/error-handler.js';
import metricsPlugin from './plugins/metrics.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import redisGuardPlugin from './plugins/redis-guard.js';
import tracingPlugin from './plugins/tracing.js';
import requestBoundsPlugin, { clientErrorHandler, frameworkErrorHandler, loggableUrl, MAX_PARAM_LENGTH } from './plugins/request-bounds.js';
import { adminRoutes } from './routes/admin/index.js';
import { boardRoutes } from './routes/admin/board.js';
import { caseRoutes } from './routes/cases/index.js';
import { consoleRoutes } from './routes/console/index.js';
import { eventRoutes } from './routes/events/index.js';
import { invitationRoutes } from './routes/invitations/index.js';
import { opsRoutes } from './routes/ops/index.js';
import { outboundRoutes } from './routes/outbound/index.js';
import { isDocumentationOnly } from './schemas.js';
import { createUploadStore } from './uploads.js';

/** Limits of the API; each default is the environment default in config.ts. */
export interface ApiLimits {
  /** Largest JSON body, bytes. Default 1 MiB. */
  bodyLimitBytes: number;
  /** Largest uploaded file, bytes. Default 10 MiB. */
  uploadMaxBytes: number;
  /** How long an upload waits in Redis, seconds. Default 7 days. */
  uploadTtlSec: number;
  /** How long an Idempotency-Key is kept, seconds. Default 7 days (at least 24 h). */
  idempotencyTtlSec: number;
  /** Retry-After of a 503, seconds. Default 5. */
  retryAfterSec: number;
  /** Requests per minute per identity (an identity's own `requestsPerMinute` wins). Default 600. */
  ratePerMinute: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  bodyLimitBytes: 1_048_576,
  uploadMaxBytes: 10 * 1_048_576,
  uploadTtlSec: 7 * 86_400,
  idempotencyTtlSec: 7 * 86_400,
  retryAfterSec: 5,
  ratePerMinute: 600,
};

/** What the API is built from. Connections are the caller's: `buildApp` never closes them. */
export interface AppDeps {
  logger: Logger;
  /** The request-path connection, role `producer` (fails fast while Redis is away). */
  redis: RedisClient;
  /** Queues on the same producer connection (their keyspace is the API's keyspace). */
  queues: QueueSet;
  /** Who may call the API (`api.identities` in the firm's YAML; see `loadApiConfig`). At least one. */
  identities: readonly IdentityConfig[];
  /** True when a CMS webhook is configured: admin actions' feed items are queued for delivery too. */
  cmsWebhook?: boolean;
  /** Defaults to `createLedger(redis, queues.keyspace)`. */
  ledger?: Ledger;
  /** Defaults to `createFeed(redis, queues.keyspace)`. */
  feed?: Feed;
  /** Defaults to `createIdempotencyStore(redis, queues.keyspace, { ttlSec: limits.idempotencyTtlSec })`. */
  idempotency?: IdempotencyStore;
  /** Defaults to a new registry with the process metrics, labelled `service="api"`. */
  registry?: Registry;
  limits?: Partial<ApiLimits>;
  /** How long records and feed items are kept (the ledger and feed it builds). Default: `DEFAULT_RETENTION`. */
  retention?: RetentionPolicy;
  /** Shown in the OpenAPI document. */
  version?: string;
  /** The firm's settings the console shows (rules, `console`, watchdog, 90-day rule). Default: the YAML defaults. */
  console?: ConsoleSettings;
  /** The built console page (default apps/api/dist/console). */
  consoleDir?: string;
  /** How long a console session lasts, seconds. Default 8 hours. */
  consoleSessionTtlSec?: number;
  /** How often the console's event stream reads the feed, ms. Default 1000. */
  consoleStreamPollMs?: number;
  /**
   * The proxies whose `X-Forwarded-*` headers are believed (`API_TRUST_PROXY`: IPs, CIDRs or
   * `loopback`, `linklocal`, `uniquelocal`). Default none: the protocol and address are the socket's.
   */
  trustProxy?: readonly string[];
  /** When the console's session cookie is `Secure` (`CONSOLE_COOKIE_SECURE`). Default `auto`: over HTTPS. */
  consoleCookieSecure?: 'auto' | 'always';
}

export function buildApp(deps: AppDeps) {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const { redis, queues } = deps;
  const keyspace = queues.keyspace;
  const registry = deps.registry ?? createMetricsRegistry('api');
  // A person's decisions are counted here, in the same series the processor counts the rules' in.
  const decisions = createDecisionMetrics(registry);
  const retention = deps.retention ?? DEFAULT_RETENTION;
  const feed = deps.feed ?? createFeed(redis, keyspace, { retentionMs: retention.feedMs });
  const audit = createAuditTrail({ feed, queues, webhook: deps.cmsWebhook ?? false });
  const ledger = deps.ledger ?? createLedger(redis, keyspace, { recordsRetentionMs: retention.recordsMs });
  const directory = createIdentityDirectory(deps.identities);
  const sessions = createSessionStore(redis, keyspace, { ttlSec: deps.consoleSessionTtlSec ?? 8 * 3_600 });
  let closing = false;

  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per request, written below from plain fields: the shared logger's redaction copies
    // objects before serializers run, which would turn Fastify's request object into {}.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    // Only the listed proxies' X-Forwarded-Proto and -For count (request.protocol, request.ip);
    // a client reaching the API directly cannot make its request look like HTTPS.
    ...(deps.trustProxy?.length && { trustProxy: [...deps.trustProxy] }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // A client that never finishes sending its request is cut off instead of holding a socket.
    requestTimeout: 60_000,
    // Requests refused before a route sees them answer in the API's error shape (request-bounds.ts).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  // A body schema marked documentation-only (multipart) is read by its handler, not validated here.
  app.setValidatorCompiler<ZodType>((req: FastifyRouteSchemaDef<ZodType>) =>
    req.httpPart === 'body' && isDocumentationOnly(req.schema) ? (data: unknown) => ({ value: data }) : validatorCompiler(req),
  );
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onResponse', async (request, reply) => {
    // A refused (429) request is logged at debug only: under a flood, a synchronous log write per
    // refusal was the largest share of the event loop's own work, and every request queued behind
    // it, /health/live included, waited. The rate limiter logs once per identity and window; the
    // request metrics count every 429.
    request.log[reply.statusCode === 429 ? 'debug' : 'info'](
      { method: request.method, url: loggableUrl(request.url), route: request.routeOptions.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime), identity: request.identity?.name },
      'request completed',
    );
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // While shutting down, a keep-alive connection would hold close() open until the client
    // lets it go: end it with the response it is carrying.
    if (closing) reply.header('connection', 'close');
  });

  // Created now, while Redis is up: a BullMQ queue first used during an outage would wait for it.
  queues.all();

  app.register(tracingPlugin);
  app.register(requestBoundsPlugin);
  app.register(errorHandlerPlugin, { redis, retryAfterSec: limits.retryAfterSec });
  app.register(fastifyCookie);
  app.register(authPlugin, { directory, sessions });
  app.register(rateLimitPlugin, { perMinute: limits.ratePerMinute });
  app.register(redisGuardPlugin, { redis, retryAfterSec: limits.retryAfterSec });
  app.register(metricsPlugin, { registry, queues, redis });
  app.register(docsPlugin, { ...(deps.version && { version: deps.version }) });

  app.register(opsRoutes, { redis, queues, registry, isClosing: () => closing });
  app.register(invitationRoutes, { ledger, queues, decisions });
  app.register(caseRoutes, {
    queues,
    idempotency: deps.idempotency ?? createIdempotencyStore(redis, keyspace, { ttlSec: limits.idempotencyTtlSec }),
    uploads: createUploadStore(redis, keyspace, { ttlSec: limits.uploadTtlSec }),
    uploadMaxBytes: limits.uploadMaxBytes,
  });
  app.register(outboundRoutes, { queues });
  app.register(eventRoutes, { feed, registry });
  app.register(adminRoutes, { queues, audit });
  app.register(boardRoutes, { queues, audit });
  app.register(consoleRoutes, {
    redis,
    keyspace,
    ledger,
    queues,
    decisions,
    feed,
    audit,
    directory,
    sessions,
    settings: deps.console ?? DEFAULT_CONSOLE_SETTINGS,
    cookieSecure: deps.consoleCookieSecure ?? 'auto',
    ...(deps.consoleStreamPollMs !== undefined && { streamPollMs: deps.consoleStreamPollMs }),
  });
  app.register(consolePage, { ...(deps.consoleDir !== undefined && { dir: deps.consoleDir }) });

  return app;
}

/** The API as built (type-provider aware). */
export type App = ReturnType<typeof buildApp>;
