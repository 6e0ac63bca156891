import { expect } from 'vitest';
import type { RedisServerProcess } from './redis-server.js';
import { waitFor } from './wait.js';

/** A worker service's health and metrics server, as a test calls it (Fastify's `inject`). */
export interface OpsServer {
  inject(url: string): Promise<{ statusCode: number; body: string }>;
}

/** The answer of `request`, or undefined when none came within `ms`; with the time it took. */
async function within<T>(ms: number, request: Promise<T>): Promise<{ res: T | undefined; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const res = await Promise.race([request, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  clearTimeout(timer);
  return { res, ms: Date.now() - started };
}

/**
 * A worker service's `/health/ready` and `/metrics` through a Redis outage (issue 16, item 6: they
 * used to wait on the worker connection until Redis came back). Ready while `redis` runs; with it
 * stopped, readiness answers 503 with its `redis` check failed and the metrics answer 200 with
 * `lexbridge_redis_up` 0, each within 2 s; ready again within `readyAgainMs` once Redis is back.
 * `whileDown` runs between the readiness and the metrics reads (what else the service must notice).
 */
export async function expectOpsThroughRedisOutage(ops: OpsServer, redis: RedisServerProcess, o: { readyAgainMs: number; whileDown?: () => Promise<unknown> }): Promise<void> {
  await waitFor(async () => (await ops.inject('/health/ready')).statusCode === 200, { message: 'ready with Redis up' });
  await redis.stopProcess();

  const ready = await within(3_000, ops.inject('/health/ready'));
  expect(ready.res, 'readiness answered').toBeDefined();
  expect(ready.res!.statusCode).toBe(503);
  expect(JSON.parse(ready.res!.body).checks).toMatchObject({ redis: false });
  expect(ready.ms).toBeLessThan(2_000);
  await o.whileDown?.();

  const metrics = await within(3_000, ops.inject('/metrics'));
  expect(metrics.res, 'metrics answered').toBeDefined();
  expect(metrics.res!.statusCode).toBe(200);
  // With the service's default labels (a registry from createMetricsRegistry) or without.
  expect(metrics.res!.body).toMatch(/^lexbridge_redis_up(\{[^}]*\})? 0$/m);
  expect(metrics.ms).toBeLessThan(2_000);

  await redis.startProcess();
  await waitFor(async () => (await ops.inject('/health/ready')).statusCode === 200, { timeoutMs: o.readyAgainMs, message: 'ready again once Redis is back' });
}
