import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayProxy, RedisServerProcess, waitFor } from '@lexbridge/testkit';
import { AUTH, createTestApi, type TestApi } from './harness.js';

const update = { title: 'Update', content: 'Still negotiating.', date: '2026-11-20T10:00:00Z' };

// Issue 16, item 1: under load, Redis answered BullMQ's first commands after the producer
// connection's 2 s command timeout. Every queue kept its failed start for good: case updates were
// refused with 503 for the rest of the process's life while readiness said ready.
describe('the API started while Redis answers slower than its command timeout', () => {
  let srv: RedisServerProcess;
  let proxy: DelayProxy;
  let t: TestApi;
  beforeAll(async () => {
    srv = await RedisServerProcess.start();
    proxy = await DelayProxy.start({ port: srv.port });
    // The connection is up, then every reply takes 3 s while the queues start.
    t = await createTestApi({
      url: proxy.url,
      beforeBuild: () => {
        proxy.delayMs = 3_000;
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
    await srv.stop();
  });

  const ready = () => t.app.inject({ method: 'GET', url: '/health/ready' });
  let n = 0;
  const send = () => t.app.inject({ method: 'POST', url: '/v1/cases/c1/updates', payload: update, headers: { ...AUTH, 'idempotency-key': `slow-start-${++n}` } });

  it('is not ready while its queues cannot start, and takes case updates once Redis is fast again', async () => {
    // While every reply is late the API cannot work, and says so within a second.
    const started = Date.now();
    const slow = await ready();
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(slow.statusCode).toBe(503);

    // Let the queues' first commands time out, then make Redis fast again.
    await new Promise((r) => setTimeout(r, 2_500));
    proxy.delayMs = 0;

    // Readiness must tell the truth all along: whenever it says ready, an update is taken.
    let lie: string | undefined;
    const accepted = await waitFor(
      async () => {
        const r = await ready();
        const res = await send();
        if (r.statusCode === 200 && res.statusCode !== 202) lie ??= `readiness said ready but the update got ${res.statusCode}: ${res.body}`;
        return lie !== undefined || res.statusCode === 202 ? res : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'a case update accepted after Redis became fast again' },
    );
    expect(lie).toBeUndefined();
    expect(await t.queues.get('outbound').getJob(accepted.json().id)).toBeTruthy();
    expect((await ready()).json()).toMatchObject({ status: 'ready', checks: { redis: true, queues: true } });

    // Everything else that needs the queues works too.
    expect((await t.app.inject({ method: 'GET', url: '/admin/jobs/failed', headers: AUTH })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: AUTH })).statusCode).toBe(200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^lexbridge_queue_jobs\{[^}]*queue="outbound"[^}]*state="waiting"[^}]*\} 1$/m);
  }, 60_000);
});
