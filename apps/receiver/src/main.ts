/** Webhook receiver entry point: only wiring. */
import { resolveProfile } from '@lexbridge/lexamica-client';
import { ConfigError } from '@lexbridge/shared/config';
import { FirmConfigError, firmConfigSchema, loadFirmConfig, personalFieldNames } from '@lexbridge/shared/firm-config';
import { createLogger } from '@lexbridge/shared/logger';
import { onShutdown } from '@lexbridge/shared/ops';
import { urlCredentials } from '@lexbridge/shared/redact';
import { checkRedisPolicy, createRedis, RedisUnavailableError, waitForRedis } from '@lexbridge/shared/redis';
import { loadReceiverEnv } from './config.js';
import { createReceiverService } from './service.js';

async function main() {
  const env = loadReceiverEnv();
  const firm = loadFirmConfig(env.LEXBRIDGE_CONFIG, firmConfigSchema);
  if (!firm.webhooks) throw new ConfigError([{ variable: 'LEXBRIDGE_CONFIG', message: `${env.LEXBRIDGE_CONFIG} sets no webhooks.url: the receiver has nothing to receive (set webhooks.url, or do not run the receiver)` }]);
  if (!env.LEXAMICA_WEBHOOK_SECRET) throw new ConfigError([{ variable: 'LEXAMICA_WEBHOOK_SECRET', message: 'is required when webhooks.url is set (the secret Lexamica signs deliveries with)' }]);
  const secrets = [env.LEXAMICA_WEBHOOK_SECRET, ...(env.LEXAMICA_WEBHOOK_SECRET_PREVIOUS ? [env.LEXAMICA_WEBHOOK_SECRET_PREVIOUS] : [])];
  const logger = createLogger({ name: 'receiver', level: env.LOG_LEVEL, secrets: [...secrets, ...urlCredentials(env.REDIS_URL)], extraKeys: personalFieldNames(firm) });
  const redis = createRedis(env.REDIS_URL, 'producer', logger, 'lexbridge-receiver');
  await waitForRedis(redis, logger, env.REDIS_STARTUP_TIMEOUT_MS, env.REDIS_URL);
  await checkRedisPolicy(redis, logger);
  const service = createReceiverService({ profile: resolveProfile(firm.profile), secrets, redis, redisPrefix: env.REDIS_PREFIX, logger, webhooks: firm.webhooks });
  service.start();
  await service.ops.listen({ port: env.OPS_PORT, host: env.OPS_HOST });
  await service.app.listen({ port: firm.webhooks.port, host: env.RECEIVER_HOST });
  logger.info({ url: firm.webhooks.url, listen: `http://${env.RECEIVER_HOST}:${firm.webhooks.port}`, ops: `http://${env.OPS_HOST}:${env.OPS_PORT}` }, 'webhook receiver started');
  onShutdown(logger, async () => {
    await service.close();
    redis.disconnect();
  });
}

main().catch((err: unknown) => {
  // Configuration errors name the variable or YAML path; print them plainly and stop.
  if (err instanceof ConfigError || err instanceof FirmConfigError || err instanceof RedisUnavailableError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
