/**
 * The security probe's vectors against the API (issue 18): an over-long URL without a token and an
 * over-long backfill event with one. Each gets its answer in the documented error shape, and costs
 * about what an ordinary request costs (every request is logged, through the redactor, as it is in
 * production).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@lexbridge/infra/logger';
import { AUTH, createTestApi, type TestApi } from './harness.js';

describe('the API under the security probe', () => {
  let t: TestApi;
  let logged = 0;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logged += String(chunk).length;
        cb();
      },
    });
    t = await createTestApi({ logger: createLogger({ name: 'api-abuse', level: 'info', destination: sink as never }) });
  });
  afterAll(() => t.close());

  /** ms taken by `n` requests to `url`, one after the other. */
  const timed = async (url: string, n: number) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await t.app.inject({ method: 'GET', url });
    return performance.now() - start;
  };

  it('answers a 15 000-character URL without a token with 414 in the error shape, as cheaply as a short one', async () => {
    const long = `/${'x'.repeat(15_000)}`;
    const res = await t.app.inject({ method: 'GET', url: long });
    expect(res.statusCode).toBe(414);
    expect(res.json().error).toMatchObject({ code: 'uri_too_long' });
    expect(res.body).not.toContain('x'.repeat(100));
    expect(logged).toBeGreaterThan(0);
    await timed('/x', 30); // warm-up
    const short = Math.max(await timed('/x', 30), 1);
    const hostile = await timed(long, 30);
    expect(hostile / short, `${hostile.toFixed(0)} ms for 30 long URLs vs ${short.toFixed(0)} ms for 30 short ones`).toBeLessThan(20);
  });

  it('refuses a backfill whose event name is 100 001 characters with 400 naming the field, and queues nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/backfill',
      headers: AUTH,
      payload: { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', event: 'x'.repeat(100_001) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', field: 'event', in: 'body' });
    expect(await t.queues.get('poller-control').count()).toBe(0);
  });
});
