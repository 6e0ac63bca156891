/**
 * The API service: parse config, build logger and connections, listen, and shut down gracefully
 * (stop accepting, let in-flight requests finish, close queues, then Redis).
 */
import { ConfigError } from '@lexbridge/infra/config';
import { FirmConfigError } from '@lexbridge/core/firm-config';
import { createLogger } from '@lexbridge/infra/logger';
import { QueueSet } from '@lexbridge/core/jobs';
import { onShutdown } from '@lexbridge/infra/ops';
import { checkRedisPolicy, createRedis, redisSecrets, keyspaceFor, waitForRedis } from '@lexbridge/infra/redis';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';
import { IdentityConfigError } from './identity/identity-config.js';

let config: ReturnType<typeof loadApiConfig>;
try {
  config = loadApiConfig();
} catch (err) {
  // Each names the variable, the YAML path or the identity at fault; print it plainly and stop.
  if (!(err instanceof ConfigError || err instanceof FirmConfigError || err instanceof IdentityConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
const { env, identities, warnings } = config;
const logger = createLogger({ name: 'api', level: env.LOG_LEVEL, secrets: [...(env.API_TOKENS ?? []), ...redisSecrets(env.redis)] });
for (const warning of warnings) logger.warn(warning);
logger.info({ identities: identities.map((i) => ({ name: i.name, roles: i.roles, tokens: i.tokenSha256.length })) }, 'API identities');
const redis = createRedis(env.redis, 'producer', logger, 'lexbridge-api');
const keyspace = keyspaceFor(env.redis, env.REDIS_PREFIX);
const queues = new QueueSet(redis, keyspace, logger);

try {
  await waitForRedis(redis, { logger, timeoutMs: env.REDIS_STARTUP_TIMEOUT_MS, settings: env.redis, probeKey: keyspace.key('probe') });
} catch (err) {
  // A wrong REDIS_URL, password or TLS setting: say so and stop, rather than serve only 503s.
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
await checkRedisPolicy(redis, logger);

const app = buildApp({
  logger,
  redis,
  queues,
  identities,
  cmsWebhook: env.CMS_WEBHOOK_URL !== undefined,
  limits: {
    bodyLimitBytes: env.API_BODY_LIMIT_BYTES,
    uploadMaxBytes: env.API_UPLOAD_MAX_BYTES,
    uploadTtlSec: env.API_UPLOAD_TTL_SEC,
    idempotencyTtlSec: env.API_IDEMPOTENCY_TTL_SEC,
    retryAfterSec: env.API_RETRY_AFTER_SEC,
    ratePerMinute: env.API_RATE_LIMIT_PER_MIN,
  },
});

onShutdown(
  logger,
  async () => {
    await app.close();
    await queues.close();
    await redis.quit().catch(() => redis.disconnect());
  },
  env.API_SHUTDOWN_GRACE_MS,
);

await app.listen({ port: env.API_PORT, host: env.API_HOST });
