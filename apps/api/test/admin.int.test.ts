import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '@lexbridge/core/jobs';
import { createRedis } from '@lexbridge/infra/redis';
import { redisUrl, waitFor } from '@lexbridge/testkit';
import { AUTH, createTestApi, type TestApi } from './harness.js';

describe('admin routes', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi();
    // Three jobs that fail at once, on two queues.
    await enqueue(t.queues, 'outbound.send', { idempotencyKey: 'a-1', kind: 'case-update', body: { caseId: 'c1', title: 't', content: 'c', date: '2026-01-01T00:00:00.000Z' } }, { jobId: 'a-1' });
    await enqueue(t.queues, 'outbound.send', { idempotencyKey: 'a-2', kind: 'milestone', body: { caseId: 'c2', type: 'consult-complete', completedAt: '2026-01-01T00:00:00.000Z' } }, { jobId: 'a-2' });
    await enqueue(t.queues, 'poller.backfill', { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }, { jobId: 'b-1' });
    const connection = createRedis(redisUrl(), 'worker');
    const fail = async () => {
      throw new UnrecoverableError('Lexamica answered 400: unknown mapping');
    };
    const workers = ['outbound', 'poller-control'].map((q) => new Worker(q, fail, { connection, prefix: t.keyspace.bullPrefix }));
    for (const w of workers) w.on('error', () => {});
    try {
      await waitFor(async () => (await t.queues.get('outbound').getFailedCount()) === 2 && (await t.queues.get('poller-control').getFailedCount()) === 1);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
    }
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: AUTH });
  const post = (url: string, payload?: object) => t.app.inject({ method: 'POST', url, headers: AUTH, ...(payload && { payload }) });

  it('lists failed jobs of every queue with their reasons and attempts', async () => {
    const res = await get('/admin/jobs/failed');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.counts).toMatchObject({ outbound: 2, 'poller-control': 1, invitations: 0 });
    expect(body.items).toHaveLength(3);
    expect(body.items.find((i: { id: string }) => i.id === 'a-1')).toMatchObject({
      queue: 'outbound',
      name: 'outbound.send',
      failedReason: 'Lexamica answered 400: unknown mapping',
      attemptsMade: 1,
      maxAttempts: 12,
    });
    const one = (await get('/admin/jobs/failed?queue=poller-control')).json();
    expect(one.items.map((i: { id: string }) => i.id)).toEqual(['b-1']);
  });

  it('retries one failed job, and refuses unknown or unfailed ones', async () => {
    const res = await post('/admin/jobs/outbound/a-1/retry');
    expect(res.statusCode).toBe(202);
    expect(await t.queues.get('outbound').getJobState('a-1')).toBe('waiting');
    const notFailed = await post('/admin/jobs/outbound/a-1/retry');
    expect(notFailed.statusCode).toBe(409);
    expect(notFailed.json().error).toMatchObject({ code: 'invalid_state', state: 'waiting' });
    expect((await post('/admin/jobs/outbound/nope/retry')).statusCode).toBe(404);
  });

  it('retries every failed job of one queue, or of all', async () => {
    const one = await post('/admin/jobs/retry', { queue: 'poller-control' });
    expect(one.statusCode).toBe(202);
    expect(one.json().retried).toEqual({ 'poller-control': 1 });
    expect(await t.queues.get('poller-control').getJobState('b-1')).toBe('waiting');
    const all = await post('/admin/jobs/retry');
    expect(all.statusCode).toBe(202);
    expect(all.json().retried.outbound).toBe(1);
    expect(await t.queues.get('outbound').getJobState('a-2')).toBe('waiting');
    expect(await t.queues.get('outbound').getFailedCount()).toBe(0);
  });

  it('queues a backfill of a time range for the poller', async () => {
    const res = await post('/admin/backfill', { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', event: 'Case Invitation Sent' });
    expect(res.statusCode).toBe(202);
    const job = await t.queues.get('poller-control').getJob(res.json().id);
    expect(job?.name).toBe('poller.backfill');
    expect(job?.data).toMatchObject({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', event: 'Case Invitation Sent', requestedBy: 'tester' });
  });

  it('serves the queue board behind auth', async () => {
    const page = await get('/admin/queues');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const api = await get('/admin/queues/api/queues');
    expect(api.statusCode).toBe(200);
    expect(api.json().queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['outbound', 'invitations']));
  });
});
