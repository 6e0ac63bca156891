/**
 * The API service: parse config, build logger and connections, listen, and shut down gracefully
 * (stop accepting, let in-flight requests finish, close queues, then Redis).
 */
import { createLogger } from '@lexbridge/infra/logger';
import { QueueSet } from '@lexbridge/core/jobs';
import { bootstrap, connectServiceRedis, createMetricsRegistry, startTelemetry } from '@lexbridge/infra/ops';
import { firmLabel, tracingConfig } from '@lexbridge/infra/config';
import { redisSecrets } from '@lexbridge/infra/redis';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';

await bootstrap(async () => {
  const { env, identities, warnings, retention, console: consoleSettings } = loadApiConfig();
  const registry = createMetricsRegistry('api');
  const tracing = await startTelemetry({ service: 'api', mainUrl: import.meta.url, tracing: tracingConfig(env), commit: env.LEXBRIDGE_COMMIT, registry });
  const logger = createLogger({ name: 'api', fields: { firm: firmLabel(env) }, level: env.LOG_LEVEL, secrets: [...(env.API_TOKENS ?? []), ...redisSecrets(env.redis)] });
  for (const warning of warnings) logger.warn(warning);
  logger.info({ identities: identities.map((i) => ({ name: i.name, roles: i.roles, tokens: i.tokenSha256.length })) }, 'API identities');
  // A wrong REDIS_URL, password or TLS setting stops the start, rather than serve only 503s.
  const { redis, keyspace } = await connectServiceRedis(env, 'producer', { logger, connectionName: 'lexbridge-api' });
  const queues = new QueueSet(redis, keyspace, logger, { jobRetentionMs: retention.jobsMs });

  const app = buildApp({
    logger,
    redis,
    queues,
    identities,
    retention,
    registry,
    cmsWebhook: env.CMS_WEBHOOK_URL !== undefined,
    console: consoleSettings,
    ...(env.API_TRUST_PROXY && { trustProxy: env.API_TRUST_PROXY }),
    consoleCookieSecure: env.CONSOLE_COOKIE_SECURE,
    limits: {
      bodyLimitBytes: env.API_BODY_LIMIT_BYTES,
      uploadMaxBytes: env.API_UPLOAD_MAX_BYTES,
      uploadTtlSec: env.API_UPLOAD_TTL_SEC,
      idempotencyTtlSec: env.API_IDEMPOTENCY_TTL_SEC,
      retryAfterSec: env.API_RETRY_AFTER_SEC,
      ratePerMinute: env.API_RATE_LIMIT_PER_MIN,
    },
  });
  return {
    logger,
    redis: [redis],
    tracing,
    async close() {
      await app.close();
      await queues.close();
    },
    graceMs: env.API_SHUTDOWN_GRACE_MS,
    run: async () => {
      await app.listen({ port: env.API_PORT, host: env.API_HOST });
    },
  };
});
