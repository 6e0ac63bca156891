/**
 * Processor entry point: only wiring. Config → logger → Redis (worker role) → Lexamica client →
 * service → health/metrics port → graceful shutdown (workers, then queues, then Redis).
 */
import { clientOptionsFromEnv, createLexamicaClient, createLexamicaMetrics } from '@lexbridge/lexamica-client';
import { firmLabel, tracingConfig } from '@lexbridge/infra/config';
import { announcePersonalData, personalFieldNames } from '@lexbridge/core/firm-config';
import { retentionPolicy } from '@lexbridge/core/ledger';
import { createLogger } from '@lexbridge/infra/logger';
import { boundPort, bootstrap, connectServiceRedis, createMetricsRegistry, startTelemetry } from '@lexbridge/infra/ops';
import { duplicateRedis, redisSecrets } from '@lexbridge/infra/redis';
import { loadProcessorEnv } from './config.js';
import { loadProcessorFirmConfig } from './firm-config.js';
import { createProcessorService } from './service.js';

await bootstrap(async () => {
  const env = loadProcessorEnv();
  const firm = loadProcessorFirmConfig(env.LEXBRIDGE_CONFIG);
  const personal = personalFieldNames(firm);
  const registry = createMetricsRegistry('processor');
  const tracing = await startTelemetry({ service: 'processor', mainUrl: import.meta.url, tracing: tracingConfig(env), commit: env.LEXBRIDGE_COMMIT, registry });
  const logger = createLogger({
    name: 'processor',
    fields: { firm: firmLabel(env) },
    level: env.LOG_LEVEL,
    secrets: [env.LEXAMICA_PUBLIC_KEY, env.LEXAMICA_PRIVATE_KEY, env.CMS_WEBHOOK_SECRET, ...redisSecrets(env.redis)],
    extraKeys: personal,
  });
  announcePersonalData(firm, logger);
  const { redis, keyspace } = await connectServiceRedis(env, 'worker', { logger, connectionName: 'lexbridge-processor' });
  // Ledger, feed and the other state commands of concurrent jobs leave in one write per tick; BullMQ
  // keeps `redis` (its blocking duplicates must not pipeline).
  const commands = duplicateRedis(redis, { enableAutoPipelining: true, connectionName: 'lexbridge-processor-state' });

  const lexamicaHooks = createLexamicaMetrics(registry);
  const client = createLexamicaClient({
    ...clientOptionsFromEnv(env, firm.profile),
    sensitiveFields: personal,
    // Few, short client retries: BullMQ attempts retry the rest (with a read-back first for actions),
    // and a long Retry-After pauses the queue instead of holding a worker.
    retry: { maxRetries: 2, maxRetryAfterMs: 5_000 },
    ...lexamicaHooks,
    onRetry: (info) => {
      lexamicaHooks.onRetry(info);
      logger.warn({ call: info.call, attempt: info.attempt, delayMs: info.delayMs, err: info.error }, 'retrying a Lexamica call');
    },
  });

  const service = createProcessorService({
    redis,
    commands,
    keyspace,
    client,
    firm,
    retention: retentionPolicy(firm.retention, env),
    logger,
    registry,
    ...(env.CMS_WEBHOOK_URL !== undefined &&
      env.CMS_WEBHOOK_SECRET !== undefined && { webhook: { url: env.CMS_WEBHOOK_URL, secret: env.CMS_WEBHOOK_SECRET, timeoutMs: env.CMS_WEBHOOK_TIMEOUT_MS } }),
    expirySafetyMs: env.ACTION_EXPIRY_MARGIN_MS,
  });
  return {
    logger,
    redis: [commands, redis],
    tracing,
    close: () => service.close(),
    graceMs: env.SHUTDOWN_GRACE_MS,
    async run() {
      await service.start();
      await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
      logger.info({ port: boundPort(service.ops), tracing: tracingConfig(env).enabled }, 'processor ready');
    },
  };
});
