/**
 * Processor entry point: only wiring. Config → logger → Redis (worker role) → Lexamica client →
 * service → health/metrics port → graceful shutdown (workers, then queues, then Redis).
 */
import { createLexamicaClient, createLexamicaMetrics, resolveProfile } from '@lexbridge/lexamica-client';
import { firmLabel, tracingConfig } from '@lexbridge/shared/config';
import { personalFieldNames } from '@lexbridge/shared/firm-config';
import { createLogger } from '@lexbridge/shared/logger';
import { urlCredentials } from '@lexbridge/shared/redact';
import { boundPort, createMetricsRegistry, onShutdown, startTelemetry } from '@lexbridge/shared/ops';
import { checkRedisPolicy, createKeyspace, createRedis, waitForRedis } from '@lexbridge/shared/redis';
import { loadProcessorEnv } from './config.js';
import { loadProcessorFirmConfig } from './firm-config.js';
import { createProcessorService } from './service.js';

const env = loadProcessorEnv();
const firm = loadProcessorFirmConfig(env.LEXBRIDGE_CONFIG);
const personal = personalFieldNames(firm);
const registry = createMetricsRegistry('processor');
const tracing = startTelemetry({ service: 'processor', mainUrl: import.meta.url, tracing: tracingConfig(env), commit: env.LEXBRIDGE_COMMIT, registry });
const logger = createLogger({
  name: 'processor',
  fields: { firm: firmLabel(env) },
  level: env.LOG_LEVEL,
  secrets: [env.LEXAMICA_PUBLIC_KEY, env.LEXAMICA_PRIVATE_KEY, env.CMS_WEBHOOK_SECRET, ...urlCredentials(env.REDIS_URL)],
  extraKeys: personal,
});
const redis = createRedis(env.REDIS_URL, 'worker', logger, 'lexbridge-processor');
try {
  await waitForRedis(redis, logger, env.REDIS_STARTUP_TIMEOUT_MS, env.REDIS_URL);
} catch (err) {
  // A wrong REDIS_URL, password or TLS setting: say so and stop instead of hanging.
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
await checkRedisPolicy(redis, logger);
// Ledger, feed and the other state commands of concurrent jobs leave in one write per tick; BullMQ
// keeps `redis` (its blocking duplicates must not pipeline).
const commands = redis.duplicate({ enableAutoPipelining: true, connectionName: 'lexbridge-processor-state' });
commands.on('error', (err: Error) => logger.warn({ err }, 'redis connection error (state connection)'));

const lexamicaHooks = createLexamicaMetrics(registry);
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
  ...lexamicaHooks,
  onRetry: (info) => {
    lexamicaHooks.onRetry(info);
    logger.warn({ call: info.call, attempt: info.attempt, delayMs: info.delayMs, err: info.error }, 'retrying a Lexamica call');
  },
});
const service = createProcessorService({
  redis,
  commands,
  keyspace: createKeyspace(env.REDIS_PREFIX),
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
    await tracing.shutdown();
  },
  env.SHUTDOWN_GRACE_MS,
);

await service.start();
await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
logger.info({ port: boundPort(service.ops), tracing: tracingConfig(env).enabled }, 'processor ready');
