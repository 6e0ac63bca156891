/** Poller entry point: only wiring. */
import { clientOptionsFromEnv, createLexamicaClient, createLexamicaMetrics } from '@lexbridge/lexamica-client';
import { firmLabel, tracingConfig } from '@lexbridge/infra/config';
import { announcePersonalData, firmConfigSchema, loadFirmConfig, personalFieldNames } from '@lexbridge/core/firm-config';
import { createLogger } from '@lexbridge/infra/logger';
import { boundPort, bootstrap, connectServiceRedis, createMetricsRegistry, startTelemetry } from '@lexbridge/infra/ops';
import { redisSecrets } from '@lexbridge/infra/redis';
import { loadPollerEnv } from './config.js';
import { retentionPolicy } from '@lexbridge/core/ledger';
import { createPollerService } from './service.js';

await bootstrap(async () => {
  const env = loadPollerEnv();
  const firm = loadFirmConfig(env.LEXBRIDGE_CONFIG, firmConfigSchema);
  const personal = personalFieldNames(firm);
  const registry = createMetricsRegistry('poller');
  const tracing = await startTelemetry({ service: 'poller', mainUrl: import.meta.url, tracing: tracingConfig(env), commit: env.LEXBRIDGE_COMMIT, registry });
  const logger = createLogger({ name: 'poller', fields: { firm: firmLabel(env) }, level: env.LOG_LEVEL, secrets: [env.LEXAMICA_PRIVATE_KEY, env.LEXAMICA_PUBLIC_KEY, ...redisSecrets(env.redis)], extraKeys: personal });
  const personalData = announcePersonalData(firm, logger);
  const { redis, keyspace } = await connectServiceRedis(env, 'worker', { logger, connectionName: 'lexbridge-poller' });
  const client = createLexamicaClient({ ...clientOptionsFromEnv(env, firm.profile), sensitiveFields: personal, ...createLexamicaMetrics(registry) });
  // With webhooks on, polling is the safety net: slower, and counting what the pushes missed.
  const intervalMs = firm.webhooks ? firm.webhooks.pollIntervalMs : env.POLL_INTERVAL_MS;
  const service = createPollerService({
    client,
    redis,
    redisPrefix: keyspace.prefix,
    logger,
    jobRetentionMs: retentionPolicy(firm.retention, env).jobsMs,
    registry,
    webhooks: firm.webhooks !== undefined,
    personalData,
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
    tracing,
    close: () => service.close(),
    async run() {
      await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
      service.start();
      const port = boundPort(service.ops);
      logger.info({ intervalMs, webhooks: firm.webhooks !== undefined, overlapMs: env.POLL_OVERLAP_MS, port, ops: `http://${env.OPS_HOST}:${port}`, tracing: tracingConfig(env).enabled }, 'poller started');
    },
  };
});
