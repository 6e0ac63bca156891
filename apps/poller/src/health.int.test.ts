import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLexamicaClient } from '@lexbridge/lexamica-client';
import { createLogger } from '@lexbridge/infra/logger';
import { createRedis } from '@lexbridge/infra/redis';
import { RedisServerProcess, ScriptServer, waitFor } from '@lexbridge/testkit';
import type { RedisClient } from '@lexbridge/infra/redis';
import { createPollerService, type PollerService } from './service.js';
import { personalDataPolicy } from '@lexbridge/core/firm-config';

/** The answer of `inject`, or a note that none came within `ms`. */
async function within(ms: number, request: Promise<{ statusCode: number; body: string }>) {
  const started = Date.now();
  const res = await Promise.race([request, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
  return { res, ms: Date.now() - started };
}

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

  it('answers /health/ready (503) and /metrics within about a second, and is ready again when Redis is back', async () => {
    await waitFor(async () => (await service.ops.inject('/health/ready')).statusCode === 200, { message: 'ready with Redis up' });
    await srv.stopProcess();

    const ready = await within(3_000, service.ops.inject('/health/ready'));
    expect(ready.res, 'readiness answered').toBeDefined();
    expect(ready.res!.statusCode).toBe(503);
    expect(JSON.parse(ready.res!.body).checks.redis).toBe(false);
    expect(ready.ms).toBeLessThan(2_000);

    const metrics = await within(3_000, service.ops.inject('/metrics'));
    expect(metrics.res, 'metrics answered').toBeDefined();
    expect(metrics.res!.statusCode).toBe(200);
    expect(metrics.res!.body).toMatch(/^lexbridge_redis_up\{[^}]*\} 0$/m);
    expect(metrics.ms).toBeLessThan(2_000);

    await srv.startProcess();
    await waitFor(async () => (await service.ops.inject('/health/ready')).statusCode === 200, { timeoutMs: 15_000, message: 'ready again once Redis is back' });
  }, 40_000);
});
