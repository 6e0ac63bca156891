/**
 * The API service: parse config, build logger and connections, listen, and shut down gracefully
 * (stop accepting, let in-flight requests finish, close queues, then Redis).
 */
import { createLogger } from '@lexbridge/shared/logger';
import { QueueSet } from '@lexbridge/shared/jobs';
import { onShutdown } from '@lexbridge/shared/ops';
import { maskUrlCredentials, urlCredentials } from '@lexbridge/shared/redact';
import { checkRedisPolicy, createKeyspace, createRedis } from '@lexbridge/shared/redis';
import { buildApp } from './app.js';
import { loadApiEnv } from './config.js';

const env = loadApiEnv();
const logger = createLogger({ name: 'api', level: env.LOG_LEVEL, secrets: [...env.API_TOKENS, ...urlCredentials(env.REDIS_URL)] });
const redis = createRedis(env.REDIS_URL, 'producer', logger, 'lexbridge-api');
const queues = new QueueSet(redis, createKeyspace(env.REDIS_PREFIX), logger);

try {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis at ${maskUrlCredentials(env.REDIS_URL)} did not answer within 10s`)), 10_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await checkRedisPolicy(redis, logger);
} catch (err) {
  // Start anyway: /health/ready says not ready and requests get 503 until Redis answers.
  logger.warn({ err }, 'starting without Redis');
}

const app = buildApp({
  logger,
  redis,
  queues,
  tokens: env.API_TOKENS,
  limits: {
    bodyLimitBytes: env.API_BODY_LIMIT_BYTES,
    uploadMaxBytes: env.API_UPLOAD_MAX_BYTES,
    uploadTtlSec: env.API_UPLOAD_TTL_SEC,
    idempotencyTtlSec: env.API_IDEMPOTENCY_TTL_SEC,
    retryAfterSec: env.API_RETRY_AFTER_SEC,
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
