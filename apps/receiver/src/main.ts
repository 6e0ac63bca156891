/** Webhook receiver entry point: only wiring. */
import { resolveProfile } from '@lexbridge/lexamica-client';
import { announcePersonalData, firmConfigSchema, loadFirmConfig, personalFieldNames } from '@lexbridge/core/firm-config';
import { ConfigError, firmLabel, tracingConfig } from '@lexbridge/infra/config';
import { createLogger } from '@lexbridge/infra/logger';
import { boundPort, bootstrap, connectServiceRedis, createMetricsRegistry, startTelemetry } from '@lexbridge/infra/ops';
import { redisSecrets } from '@lexbridge/infra/redis';
import { loadReceiverEnv } from './config.js';
import { createReceiverService } from './service.js';

await bootstrap(async () => {
  const env = loadReceiverEnv();
  const firm = loadFirmConfig(env.LEXBRIDGE_CONFIG, firmConfigSchema);
  const webhooks = firm.webhooks;
  if (!webhooks) throw new ConfigError([{ variable: 'LEXBRIDGE_CONFIG', message: `${env.LEXBRIDGE_CONFIG} sets no webhooks.url: the receiver has nothing to receive (set webhooks.url, or do not run the receiver)` }]);
  if (!env.LEXAMICA_WEBHOOK_SECRET) throw new ConfigError([{ variable: 'LEXAMICA_WEBHOOK_SECRET', message: 'is required when webhooks.url is set (the secret Lexamica signs deliveries with)' }]);
  const secrets = [env.LEXAMICA_WEBHOOK_SECRET, ...(env.LEXAMICA_WEBHOOK_SECRET_PREVIOUS ? [env.LEXAMICA_WEBHOOK_SECRET_PREVIOUS] : [])];
  const registry = createMetricsRegistry('receiver');
  const tracing = await startTelemetry({ service: 'receiver', mainUrl: import.meta.url, tracing: tracingConfig(env), commit: env.LEXBRIDGE_COMMIT, registry });
  const logger = createLogger({ name: 'receiver', fields: { firm: firmLabel(env) }, level: env.LOG_LEVEL, secrets: [...secrets, ...redisSecrets(env.redis)], extraKeys: personalFieldNames(firm) });
  const personalData = announcePersonalData(firm, logger);
  // A producer connection: while Redis is away a delivery gets 503 at once, and Lexamica retries it.
  const { redis, keyspace } = await connectServiceRedis(env, 'producer', { logger, connectionName: 'lexbridge-receiver' });
  const service = createReceiverService({ profile: resolveProfile(firm.profile), secrets, redis, redisPrefix: keyspace.prefix, logger, webhooks, personalData, registry });
  return {
    logger,
    redis: [redis],
    tracing,
    close: () => service.close(),
    async run() {
      service.start();
      await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
      await service.app.listen({ port: webhooks.port, host: env.RECEIVER_HOST });
      const port = boundPort(service.ops);
      logger.info({ url: webhooks.url, listen: `http://${env.RECEIVER_HOST}:${webhooks.port}`, port, ops: `http://${env.OPS_HOST}:${port}`, tracing: tracingConfig(env).enabled }, 'webhook receiver started');
    },
  };
});
