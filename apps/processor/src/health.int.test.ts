import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLexamicaClient } from '@lexbridge/lexamica-client';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { RedisServerProcess, ScriptServer, waitFor } from '@lexbridge/testkit';
import type { RedisClient } from '@lexbridge/infra/redis';
import { logger } from '../test/harness.js';
import { testFirmConfig } from '../test/firm.js';
import { createProcessorService, type ProcessorService } from './service.js';

/** The answer of `inject`, or undefined when none came within `ms`. */
async function within(ms: number, request: Promise<{ statusCode: number; body: string }>) {
  const started = Date.now();
  const res = await Promise.race([request, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
  return { res, ms: Date.now() - started };
}

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

  it('answers /health/ready (503) and /metrics within about a second, and is ready again when Redis is back', async () => {
    await waitFor(async () => (await service.ops.inject('/health/ready')).statusCode === 200, { message: 'ready with Redis up' });
    await srv.stopProcess();

    const ready = await within(3_000, service.ops.inject('/health/ready'));
    expect(ready.res, 'readiness answered').toBeDefined();
    expect(ready.res!.statusCode).toBe(503);
    expect(JSON.parse(ready.res!.body).checks).toMatchObject({ redis: false });
    expect(ready.ms).toBeLessThan(2_000);
    // Each worker's own connections notice the outage a moment later than the service's.
    await waitFor(async () => JSON.parse((await service.ops.inject('/health/ready')).body).checks.workers === false, { timeoutMs: 10_000, message: 'workers reported unusable' });

    const metrics = await within(3_000, service.ops.inject('/metrics'));
    expect(metrics.res, 'metrics answered').toBeDefined();
    expect(metrics.res!.statusCode).toBe(200);
    expect(metrics.res!.body).toMatch(/^lexbridge_redis_up 0$/m);
    expect(metrics.ms).toBeLessThan(2_000);

    await srv.startProcess();
    await waitFor(async () => (await service.ops.inject('/health/ready')).statusCode === 200, { timeoutMs: 20_000, message: 'ready again once Redis is back' });
  }, 45_000);
});
