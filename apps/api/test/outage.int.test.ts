import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServerProcess, waitFor } from '@lexbridge/testkit';
import { AUTH, createTestApi, type TestApi } from './harness.js';

const update = { title: 'Update', content: 'Still negotiating.', date: '2026-11-20T10:00:00Z' };

describe('the API while Redis is away', () => {
  let srv: RedisServerProcess;
  let t: TestApi;
  beforeAll(async () => {
    srv = await RedisServerProcess.start();
    t = await createTestApi({ url: srv.url, limits: { retryAfterSec: 7 } });
  });
  afterAll(async () => {
    await t.close();
    await srv.stop();
  });

  const ready = () => t.app.inject({ method: 'GET', url: '/health/ready' });
  const send = (key: string) =>
    t.app.inject({ method: 'POST', url: '/v1/cases/c1/updates', payload: update, headers: { ...AUTH, 'idempotency-key': key } });

  it('is ready while Redis answers, not ready while it is down, and ready again when it is back', async () => {
    expect((await ready()).statusCode).toBe(200);
    await srv.stopProcess();
    const down = await waitFor(async () => {
      const r = await ready();
      return r.statusCode === 503 ? r : undefined;
    });
    expect(down.json()).toEqual({ status: 'not ready', checks: { redis: false, queues: true, accepting: true } });
    // The process itself is alive.
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    // Requests that need Redis answer 503 with Retry-After at once instead of hanging.
    // Redis stays down for the whole loop: a request that waited for it would hang until the test's
    // timeout, so answering at all is "at once" (no wall-clock bound for a busy machine to break).
    for (const [method, url] of [['POST', '/v1/cases/c1/updates'], ['GET', '/v1/invitations'], ['GET', '/v1/events'], ['GET', '/admin/jobs/failed'], ['GET', '/admin/queues']] as const) {
      const res = await t.app.inject({ method, url, headers: { ...AUTH, 'idempotency-key': 'during-outage' }, ...(method === 'POST' && { payload: update }) });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['retry-after'], url).toBe('7');
      expect(res.json().error.code, url).toBe('service_unavailable');
    }
    // Without a token, the answer is still 401: the outage is not shown to strangers.
    expect((await t.app.inject({ method: 'GET', url: '/v1/invitations' })).statusCode).toBe(401);

    // Metrics still answer, and say Redis is down.
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^lexbridge_redis_up\{[^}]*\} 0$/m);
    expect(metrics.body).not.toMatch(/^lexbridge_queue_jobs\{/m);

    await srv.startProcess();
    await waitFor(async () => (await ready()).statusCode === 200, { message: 'ready again after Redis came back' });
    const after = await send('after-outage');
    expect(after.statusCode).toBe(202);
    expect(await t.queues.get('outbound').getJob(after.json().id)).toBeTruthy();
  });

  it('answers 503 when Redis stops answering in the middle of a request that passed the guard', async () => {
    // The connection stays up (the guard lets the request in) but Redis answers nothing until it is
    // thawed: the request-path connection's command timeout turns that into a 503, not a hang. The
    // answer arrives while Redis is still frozen, however slow the machine.
    srv.freeze();
    let res;
    try {
      res = await send('mid-request');
    } finally {
      srv.thaw();
    }
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    await waitFor(async () => (await ready()).statusCode === 200, { message: 'ready after the pause' });
  });
});
