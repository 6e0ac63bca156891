import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createIdempotencyStore, hashRequest } from './index.js';

describe('idempotency store on a real Redis', () => {
  const t = createTestRedis('idem');
  const keyspace = createKeyspace(t.prefix);
  const store = createIdempotencyStore(t.redis, keyspace, { ttlSec: 86_400, pendingTtlMs: 5_000 });
  const h1 = hashRequest('POST', '/x', { a: 1 });
  const h2 = hashRequest('POST', '/x', { a: 2 });
  afterAll(() => t.cleanup());

  it('starts a new key, then replays its recorded response to the same request', async () => {
    expect(await store.begin('k1', h1)).toEqual({ kind: 'new' });
    await store.complete('k1', h1, 202, { id: 'job-1', status: 'queued' });
    expect(await store.begin('k1', h1)).toEqual({ kind: 'replay', status: 202, body: { id: 'job-1', status: 'queued' } });
  });

  it('refuses a different request that reuses a key, before and after it completes', async () => {
    expect(await store.begin('k2', h1)).toEqual({ kind: 'new' });
    expect(await store.begin('k2', h2)).toEqual({ kind: 'conflict' });
    await store.complete('k2', h1, 202, { ok: true });
    expect(await store.begin('k2', h2)).toEqual({ kind: 'conflict' });
  });

  it('reports a key whose first request is still running as in progress', async () => {
    expect(await store.begin('k3', h1)).toEqual({ kind: 'new' });
    expect(await store.begin('k3', h1)).toEqual({ kind: 'in-progress' });
  });

  it('lets exactly one of many concurrent requests with one key start', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, () => store.begin('k4', h1)));
    expect(results.filter((r) => r.kind === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'in-progress')).toHaveLength(24);
  });

  it('lets a retry run after the first request abandons its claim, but never drops a completed answer', async () => {
    expect(await store.begin('k5', h1)).toEqual({ kind: 'new' });
    await store.abandon('k5');
    expect(await store.begin('k5', h1)).toEqual({ kind: 'new' });
    await store.complete('k5', h1, 202, { n: 1 });
    await store.abandon('k5');
    expect(await store.begin('k5', h1)).toMatchObject({ kind: 'replay', status: 202 });
  });

  it('keeps a pending claim briefly and a completed record for at least the configured time', async () => {
    await store.begin('k6', h1);
    const pendingTtl = await t.redis.pttl(keyspace.key('idem', 'k6'));
    expect(pendingTtl).toBeGreaterThan(0);
    expect(pendingTtl).toBeLessThanOrEqual(5_000);
    await store.complete('k6', h1, 200, null);
    expect(await t.redis.ttl(keyspace.key('idem', 'k6'))).toBeGreaterThan(86_400 - 5);
  });

  it('still records the answer when the pending claim expired before completion', async () => {
    await store.complete('k7', h1, 202, { late: true });
    expect(await store.begin('k7', h1)).toEqual({ kind: 'replay', status: 202, body: { late: true } });
    expect(await store.begin('k7', h2)).toEqual({ kind: 'conflict' });
  });
});
