import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestRedis, waitFor } from '@lexbridge/testkit';
import { createCheckpointStore } from './checkpoint.js';
import { createLease } from './lease.js';

describe('poller lease and checkpoint', () => {
  const t = createTestRedis('lease');
  const other = new Redis(t.url);
  afterAll(async () => {
    other.disconnect();
    await t.cleanup();
  });
  const keys = { lease: `${t.prefix}:leader`, checkpoint: `${t.prefix}:cp`, seen: `${t.prefix}:seen`, claims: `${t.prefix}:claims` };

  it('gives the lease to one of two replicas at a time, with a growing fencing token', async () => {
    const a = createLease({ redis: t.redis, key: keys.lease, instanceId: 'a', ttlMs: 300 });
    const b = createLease({ redis: other, key: keys.lease, instanceId: 'b', ttlMs: 300 });
    const [ga, gb] = await Promise.all([a.acquire(), b.acquire()]);
    expect([ga, gb].filter(Boolean)).toHaveLength(1);
    const [winner, loser] = ga ? [a, b] : [b, a];
    const firstFence = Number(winner.value!.split(':')[0]);
    expect(await winner.renew()).toBe(true);
    expect(await loser.acquire()).toBe(false);
    // The winner stops renewing (a pause, a crash): after the TTL the other takes over with a higher fence.
    await waitFor(() => loser.acquire(), { timeoutMs: 3_000 });
    expect(Number(loser.value!.split(':')[0])).toBeGreaterThan(firstFence);
    expect(await winner.renew()).toBe(false);
    expect(winner.value).toBeUndefined();
    await loser.release();
  });

  it('refuses a checkpoint write from a replica that lost the lease', async () => {
    const a = createLease({ redis: t.redis, key: keys.lease, instanceId: 'a', ttlMs: 10_000 });
    expect(await a.acquire()).toBe(true);
    const store = createCheckpointStore(t.redis, keys);
    expect(await store.advance({ leaseValue: a.value!, watermarkMs: 1_000, trimBelowMs: 0, events: [{ id: 'e1', createdAtMs: 900 }] })).toBe(true);
    expect(await store.advance({ leaseValue: '999:stale', watermarkMs: 5_000, trimBelowMs: 0, events: [{ id: 'e2', createdAtMs: 4_000 }] })).toBe(false);
    expect((await store.read())?.watermarkMs).toBe(1_000);
    expect([...(await store.unseen(['e1', 'e2']))]).toEqual(['e2']);
    await a.release();
  });

  it('never moves the watermark backwards and keeps the seen ids bounded to the window', async () => {
    const a = createLease({ redis: t.redis, key: keys.lease, instanceId: 'a', ttlMs: 10_000 });
    await a.acquire();
    const store = createCheckpointStore(t.redis, { ...keys, checkpoint: `${t.prefix}:cp2`, seen: `${t.prefix}:seen2`, claims: `${t.prefix}:claims2` });
    const events = Array.from({ length: 5_000 }, (_, i) => ({ id: `e${i}`, createdAtMs: i }));
    await store.advance({ leaseValue: a.value!, watermarkMs: 5_000, trimBelowMs: 0, events });
    expect(await store.seenCount()).toBe(5_000);
    await store.advance({ leaseValue: a.value!, watermarkMs: 3_000, trimBelowMs: 4_000, events: [] });
    expect((await store.read())?.watermarkMs).toBe(5_000);
    expect(await store.seenCount()).toBe(1_000);
    await a.release();
  });
});
