/** Poller entry point: only wiring. */
import { clientOptionsFromEnv, createLexamicaClient } from '@lexbridge/lexamica-client';
import { firmConfigSchema, loadFirmConfig, personalFieldNames } from '@lexbridge/core/firm-config';
import { createLogger } from '@lexbridge/infra/logger';
import { urlCredentials } from '@lexbridge/infra/redact';
import { bootstrap } from '@lexbridge/infra/ops';
import { checkRedisPolicy, createRedis, waitForRedis } from '@lexbridge/infra/redis';
import { loadPollerEnv } from './config.js';
import { retentionPolicy } from '@lexbridge/core/ledger';
import { createPollerService } from './service.js';

await bootstrap(async () => {
  const env = loadPollerEnv();
  const firm = loadFirmConfig(env.LEXBRIDGE_CONFIG, firmConfigSchema);
  const personal = personalFieldNames(firm);
  const logger = createLogger({ name: 'poller', level: env.LOG_LEVEL, secrets: [env.LEXAMICA_PRIVATE_KEY, env.LEXAMICA_PUBLIC_KEY, ...urlCredentials(env.REDIS_URL)], extraKeys: personal });
  const redis = createRedis(env.REDIS_URL, 'worker', logger, 'lexbridge-poller');
  await waitForRedis(redis, logger, env.REDIS_STARTUP_TIMEOUT_MS, env.REDIS_URL);
  await checkRedisPolicy(redis, logger);
  const client = createLexamicaClient({ ...clientOptionsFromEnv(env, firm.profile), sensitiveFields: personal });
  // With webhooks on, polling is the safety net: slower, and counting what the pushes missed.
  const intervalMs = firm.webhooks ? firm.webhooks.pollIntervalMs : env.POLL_INTERVAL_MS;
  const service = createPollerService({
    client,
    redis,
    redisPrefix: env.REDIS_PREFIX,
    logger,
    jobRetentionMs: retentionPolicy(firm.retention, env).jobsMs,
    webhooks: firm.webhooks !== undefined,
    timing: {
      intervalMs,
      overlapMs: env.POLL_OVERLAP_MS,
      recentOverlapMs: env.POLL_RECENT_OVERLAP_MS,
      reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
      reconcileWindowMs: env.RECONCILE_WINDOW_MS,
      initialLookbackMs: env.POLL_INITIAL_LOOKBACK_MS,
      retentionMs: env.LEXAMICA_RETENTION_MS,
    },
  });
  return {
    logger,
    redis: [redis],
    close: () => service.close(),
    async run() {
      await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
      service.start();
      logger.info({ intervalMs, webhooks: firm.webhooks !== undefined, overlapMs: env.POLL_OVERLAP_MS, ops: `http://${env.OPS_HOST}:${env.OPS_PORT}` }, 'poller started');
    },
  };
});
