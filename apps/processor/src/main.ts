/**
 * Processor entry point: only wiring. Config → logger → Redis (worker role) → Lexamica client →
 * service → health/metrics port → graceful shutdown (workers, then queues, then Redis).
 */
import { createLexamicaClient, resolveProfile } from '@lexbridge/lexamica-client';
import { personalFieldNames } from '@lexbridge/core/firm-config';
import { createLogger } from '@lexbridge/infra/logger';
import { createMetricsRegistry, onShutdown } from '@lexbridge/infra/ops';
import { checkRedisPolicy, createRedis, redisSecrets, duplicateRedis, keyspaceFor, waitForRedis } from '@lexbridge/infra/redis';
import { loadProcessorEnv } from './config.js';
import { loadProcessorFirmConfig } from './firm-config.js';
import { createProcessorService } from './service.js';

const env = loadProcessorEnv();
const firm = loadProcessorFirmConfig(env.LEXBRIDGE_CONFIG);
const personal = personalFieldNames(firm);
const logger = createLogger({
  name: 'processor',
  level: env.LOG_LEVEL,
  secrets: [env.LEXAMICA_PUBLIC_KEY, env.LEXAMICA_PRIVATE_KEY, env.CMS_WEBHOOK_SECRET, ...redisSecrets(env.redis)],
  extraKeys: personal,
});
const redis = createRedis(env.redis, 'worker', logger, 'lexbridge-processor');
const keyspace = keyspaceFor(env.redis, env.REDIS_PREFIX);
try {
  await waitForRedis(redis, { logger, timeoutMs: env.REDIS_STARTUP_TIMEOUT_MS, settings: env.redis, probeKey: keyspace.key('probe') });
} catch (err) {
  // A wrong REDIS_URL, password or TLS setting: say so and stop instead of hanging.
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
await checkRedisPolicy(redis, logger);
// Ledger, feed and the other state commands of concurrent jobs leave in one write per tick; BullMQ
// keeps `redis` (its blocking duplicates must not pipeline).
const commands = duplicateRedis(redis, { enableAutoPipelining: true, connectionName: 'lexbridge-processor-state' });
commands.on('error', (err: Error) => logger.warn({ err }, 'redis connection error (state connection)'));

const client = createLexamicaClient({
  sensitiveFields: personal,
  baseUrl: env.LEXAMICA_BASE_URL,
  orgId: env.LEXAMICA_ORG_ID,
  publicKey: env.LEXAMICA_PUBLIC_KEY,
  privateKey: env.LEXAMICA_PRIVATE_KEY,
  profile: resolveProfile(firm.profile),
  timeoutMs: env.LEXAMICA_TIMEOUT_MS,
  // Few, short client retries: BullMQ attempts retry the rest (with a read-back first for actions),
  // and a long Retry-After pauses the queue instead of holding a worker.
  retry: { maxRetries: 2, maxRetryAfterMs: 5_000 },
  onRetry: ({ call, attempt, delayMs, error }) => logger.warn({ call, attempt, delayMs, err: error }, 'retrying a Lexamica call'),
});

const registry = createMetricsRegistry('processor');
const service = createProcessorService({
  redis,
  commands,
  keyspace,
  client,
  firm,
  logger,
  registry,
  ...(env.CMS_WEBHOOK_URL !== undefined &&
    env.CMS_WEBHOOK_SECRET !== undefined && { webhook: { url: env.CMS_WEBHOOK_URL, secret: env.CMS_WEBHOOK_SECRET, timeoutMs: env.CMS_WEBHOOK_TIMEOUT_MS } }),
  expirySafetyMs: env.ACTION_EXPIRY_MARGIN_MS,
});

onShutdown(
  logger,
  async () => {
    await service.close();
    await commands.quit();
    await redis.quit();
  },
  env.SHUTDOWN_GRACE_MS,
);

await service.start();
await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
logger.info({ port: env.OPS_PORT }, 'processor ready');
