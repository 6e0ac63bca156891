import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '@lexbridge/core/jobs';
import { pollerKeys } from '@lexbridge/core/poller-state';
import { AUTH, createTestApi, type TestApi } from './harness.js';

// One sample line of the Prometheus text format: name, optional labels, value, optional timestamp.
// Prometheus parses values with Go's ParseFloat, which takes NaN in any case (prom-client writes "Nan").
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)( -?\d+)?$/;
const COMMENT = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]*( .*)?$/;

function parseExposition(text: string): Map<string, Array<{ labels: string; value: number }>> {
  const samples = new Map<string, Array<{ labels: string; value: number }>>();
  for (const line of text.split('\n')) {
    if (line === '' || COMMENT.test(line)) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const list = samples.get(m[1]!) ?? [];
    list.push({ labels: m[2] ?? '', value: /^nan$/i.test(m[5]!) ? Number.NaN : Number(m[5]) });
    samples.set(m[1]!, list);
  }
  return samples;
}

describe('metrics', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi();
  });
  afterAll(() => t.close());

  it('exposes request histograms, queue depths and failed counts, and the checkpoint age in the Prometheus format', async () => {
    await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: AUTH });
    await t.app.inject({ method: 'GET', url: '/v1/invitations/inv-1', headers: AUTH });
    await t.app.inject({ method: 'GET', url: '/v1/invitations' });
    await enqueue(t.queues, 'outbound.send', { idempotencyKey: 'm-1', kind: 'case-update', body: { caseId: 'c', title: 't', content: 'c', date: '2026-01-01T00:00:00.000Z' } }, { jobId: 'm-1' });
    await enqueue(t.queues, 'outbound.send', { idempotencyKey: 'm-2', kind: 'case-update', body: { caseId: 'c', title: 't', content: 'c', date: '2026-01-01T00:00:00.000Z' } }, { jobId: 'm-2' });
    // As the poller's checkpoint store writes it (apps/poller/src/checkpoint.int.test.ts reads it back the same way).
    const watermarkMs = Date.now() - 90_000;
    await t.admin.hset(pollerKeys(t.keyspace).checkpoint, { watermarkMs: String(watermarkMs), watermark: new Date(watermarkMs).toISOString() });

    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(res.body);

    const counts = samples.get('lexbridge_http_request_duration_seconds_count') ?? [];
    const count = (route: string, status: string) =>
      counts.find((s) => s.labels.includes(`route="${route}"`) && s.labels.includes(`status_code="${status}"`))?.value;
    expect(count('/v1/invitations', '200')).toBe(1);
    expect(count('/v1/invitations', '401')).toBe(1);
    // Route patterns, never raw ids, label the histogram.
    expect(count('/v1/invitations/:id', '404')).toBe(1);
    expect(counts.some((s) => s.labels.includes('inv-1'))).toBe(false);

    const queueJobs = samples.get('lexbridge_queue_jobs') ?? [];
    const depth = (queue: string, state: string) => queueJobs.find((s) => s.labels.includes(`queue="${queue}"`) && s.labels.includes(`state="${state}"`))?.value;
    expect(depth('outbound', 'waiting')).toBe(2);
    expect(depth('outbound', 'failed')).toBe(0);
    expect(depth('invitation-actions', 'waiting')).toBe(0);

    const age = samples.get('lexbridge_poller_checkpoint_age_seconds')?.[0]?.value ?? 0;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
    expect(samples.get('lexbridge_redis_up')?.[0]?.value).toBe(1);
    expect(samples.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('reports the checkpoint age as NaN until the poller has written one', async () => {
    await t.admin.del(pollerKeys(t.keyspace).checkpoint);
    const samples = parseExposition((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(samples.get('lexbridge_poller_checkpoint_age_seconds')?.[0]?.value).toBeNaN();
  });
});
