import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildOpsServer, createMetricsRegistry } from './index.js';

describe('ops server', () => {
  it('answers live, flips ready with its checks, and exposes metrics', async () => {
    const registry = createMetricsRegistry('svc');
    new Counter({ name: 'lexbridge_test_total', help: 'test', registers: [registry] }).inc(3);
    let redisUp = true;
    const app = buildOpsServer({ registry, checks: { redis: () => redisUp, leader: async () => true } });
    expect((await app.inject('/health/live')).statusCode).toBe(200);
    expect((await app.inject('/health/ready')).json()).toEqual({ status: 'ready', checks: { redis: true, leader: true } });
    redisUp = false;
    const notReady = await app.inject('/health/ready');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().checks.redis).toBe(false);
    const metrics = await app.inject('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/lexbridge_test_total\{service="svc"\} 3/);
    await app.close();
  });
});
