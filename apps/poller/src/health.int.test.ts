import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLexamicaClient } from '@lexbridge/lexamica-client';
import { createLogger } from '@lexbridge/infra/logger';
import { createRedis } from '@lexbridge/infra/redis';
import { expectOpsThroughRedisOutage, RedisServerProcess, ScriptServer } from '@lexbridge/testkit';
import type { RedisClient } from '@lexbridge/infra/redis';
import { createPollerService, type PollerService } from './service.js';
import { personalDataPolicy } from '@lexbridge/core/firm-config';

// Issue 16, item 6: during a Redis outage the poller's readiness pinged on its worker connection,
// which waits for Redis forever, so /health/ready and /metrics hung until Redis came back.
describe("the poller's health and metrics while Redis is away", () => {
  let srv: RedisServerProcess;
  let lexamica: ScriptServer;
  let redis: RedisClient;
  let service: PollerService;
  beforeAll(async () => {
    srv = await RedisServerProcess.start();
    lexamica = await new ScriptServer().start();
    lexamica.otherwise(() => ({ status: 200, body: { data: [], total: 0 } }));
    redis = createRedis(srv.url, 'worker');
    service = createPollerService({
      client: createLexamicaClient({ baseUrl: lexamica.baseUrl, orgId: 'org', publicKey: 'public-key-1', privateKey: 'private-key-1' }),
      redis,
      redisPrefix: 'health',
      personalData: personalDataPolicy({ mappings: {} }),
      logger: createLogger({ name: 'poller-health', level: 'silent' }),
      timing: { intervalMs: 100, overlapMs: 1_000, reconcileIntervalMs: 3_600_000, reconcileWindowMs: 60_000, initialLookbackMs: 60_000, leaseTtlMs: 600 },
    });
    service.start();
  });
  afterAll(async () => {
    await srv.startProcess().catch(() => undefined);
    await service.close();
    redis.disconnect();
    await lexamica.stop();
    await srv.stop();
  });

  it('answers /health/ready (503) and /metrics within about a second, and is ready again when Redis is back', () => expectOpsThroughRedisOutage(service.ops, srv, { readyAgainMs: 15_000 }), 40_000);
});
