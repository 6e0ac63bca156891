import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLexamicaClient } from '@lexbridge/lexamica-client';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { expectOpsThroughRedisOutage, RedisServerProcess, ScriptServer, waitFor } from '@lexbridge/testkit';
import type { RedisClient } from '@lexbridge/infra/redis';
import { logger } from '../test/harness.js';
import { testFirmConfig } from '../test/firm.js';
import { createProcessorService, type ProcessorService } from './service.js';

// Issue 16, item 6: the processor's readiness pinged on its worker connection and its metrics read
// the ledger on it: both waited for Redis forever during an outage.
describe("the processor's health and metrics while Redis is away", () => {
  let srv: RedisServerProcess;
  let lexamica: ScriptServer;
  let redis: RedisClient;
  let service: ProcessorService;
  beforeAll(async () => {
    srv = await RedisServerProcess.start();
    lexamica = await new ScriptServer().start();
    redis = createRedis(srv.url, 'worker');
    service = createProcessorService({
      redis,
      keyspace: createKeyspace('health'),
      client: createLexamicaClient({ baseUrl: lexamica.baseUrl, orgId: 'org', publicKey: 'public-key-1', privateKey: 'private-key-1' }),
      firm: testFirmConfig(),
      logger,
      registry: new Registry(),
    });
    await service.start();
  });
  afterAll(async () => {
    await srv.startProcess().catch(() => undefined);
    await service.close({ force: true });
    redis.disconnect();
    await lexamica.stop();
    await srv.stop();
  });

  it('answers /health/ready (503) and /metrics within about a second, and is ready again when Redis is back', () =>
    expectOpsThroughRedisOutage(service.ops, srv, {
      readyAgainMs: 20_000,
      // Each worker's own connections notice the outage a moment later than the service's.
      whileDown: () => waitFor(async () => JSON.parse((await service.ops.inject('/health/ready')).body).checks.workers === false, { timeoutMs: 10_000, message: 'workers reported unusable' }),
    }), 45_000);
});
