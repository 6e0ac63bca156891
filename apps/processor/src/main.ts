/**
 * Processor entry point: only wiring. Config → logger → Redis (worker role) → Lexamica client →
 * service → health/metrics port → graceful shutdown (workers, then queues, then Redis).
 */
import { clientOptionsFromEnv, createLexamicaClient } from '@lexbridge/lexamica-client';
import { personalFieldNames } from '@lexbridge/core/firm-config';
import { retentionPolicy } from '@lexbridge/core/ledger';
import { createLogger } from '@lexbridge/infra/logger';
import { urlCredentials } from '@lexbridge/infra/redact';
import { bootstrap, createMetricsRegistry } from '@lexbridge/infra/ops';
import { checkRedisPolicy, createKeyspace, createRedis, waitForRedis } from '@lexbridge/infra/redis';
import { loadProcessorEnv } from './config.js';
import { loadProcessorFirmConfig } from './firm-config.js';
import { createProcessorService } from './service.js';

await bootstrap(async () => {
  const env = loadProcessorEnv();
  const firm = loadProcessorFirmConfig(env.LEXBRIDGE_CONFIG);
  const personal = personalFieldNames(firm);
  const logger = createLogger({
    name: 'processor',
    level: env.LOG_LEVEL,
    secrets: [env.LEXAMICA_PUBLIC_KEY, env.LEXAMICA_PRIVATE_KEY, env.CMS_WEBHOOK_SECRET, ...urlCredentials(env.REDIS_URL)],
    extraKeys: personal,
  });
  const redis = createRedis(env.REDIS_URL, 'worker', logger, 'lexbridge-processor');
  await waitForRedis(redis, logger, env.REDIS_STARTUP_TIMEOUT_MS, env.REDIS_URL);
  await checkRedisPolicy(redis, logger);
  // Ledger, feed and the other state commands of concurrent jobs leave in one write per tick; BullMQ
  // keeps `redis` (its blocking duplicates must not pipeline).
  const commands = redis.duplicate({ enableAutoPipelining: true, connectionName: 'lexbridge-processor-state' });
  commands.on('error', (err: Error) => logger.warn({ err }, 'redis connection error (state connection)'));

  const client = createLexamicaClient({
    ...clientOptionsFromEnv(env, firm.profile),
    sensitiveFields: personal,
    // Few, short client retries: BullMQ attempts retry the rest (with a read-back first for actions),
    // and a long Retry-After pauses the queue instead of holding a worker.
    retry: { maxRetries: 2, maxRetryAfterMs: 5_000 },
    onRetry: ({ call, attempt, delayMs, error }) => logger.warn({ call, attempt, delayMs, err: error }, 'retrying a Lexamica call'),
  });

  const service = createProcessorService({
    redis,
    commands,
    keyspace: createKeyspace(env.REDIS_PREFIX),
    client,
    firm,
    retention: retentionPolicy(firm.retention, env),
    logger,
    registry: createMetricsRegistry('processor'),
    ...(env.CMS_WEBHOOK_URL !== undefined &&
      env.CMS_WEBHOOK_SECRET !== undefined && { webhook: { url: env.CMS_WEBHOOK_URL, secret: env.CMS_WEBHOOK_SECRET, timeoutMs: env.CMS_WEBHOOK_TIMEOUT_MS } }),
    expirySafetyMs: env.ACTION_EXPIRY_MARGIN_MS,
  });
  return {
    logger,
    redis: [commands, redis],
    close: () => service.close(),
    graceMs: env.SHUTDOWN_GRACE_MS,
    async run() {
      await service.start();
      await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
      logger.info({ port: env.OPS_PORT }, 'processor ready');
    },
  };
});
