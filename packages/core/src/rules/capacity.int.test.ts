import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, RedisServerProcess } from '@lexbridge/testkit';
import { createKeyspace } from '@lexbridge/infra/redis';
import { applyCapacity, createCapacityCounter, describeDecision, parseRulesConfig, type Decision } from './index.js';

const MVA = 'Motor Vehicle Accident';
const day1 = new Date('2026-03-10T23:59:59.000Z');
const day2 = new Date('2026-03-11T00:00:00.000Z');

describe('capacity counter', () => {
  const t = createTestRedis('rules-capacity');
  afterAll(() => t.cleanup());
  const ks = (label: string) => createKeyspace(`${t.prefix}:${label}`);
  const { capacity } = parseRulesConfig({
    capacity: [
      { caseType: MVA, maxAcceptsPerDay: 10 },
      { caseType: '*', maxAcceptsPerDay: 2, whenFull: { action: 'evaluate' } },
    ],
  });

  it('grants exactly the limit to 50 concurrent reservations from 3 connections', async () => {
    const conns = [0, 1, 2].map(() => new Redis(t.url, { maxRetriesPerRequest: null }));
    try {
      const keyspace = ks('race');
      const counters = conns.map((c) => createCapacityCounter(c, keyspace, capacity));
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => counters[i % 3]!.tryReserve(MVA, day1)));
      const granted = results.filter((r) => r?.ok);
      expect(granted).toHaveLength(10);
      expect(granted.map((r) => r!.used).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(results.filter((r) => r && !r.ok).every((r) => r!.used === 10 && r!.limit === 10)).toBe(true);
      expect(await counters[0]!.used(MVA, day1)).toBe(10);
    } finally {
      for (const c of conns) c.disconnect();
    }
  });

  it('starts a fresh count on the next UTC day and lets the day key expire after two days', async () => {
    const keyspace = ks('rollover');
    const counter = createCapacityCounter(t.redis, keyspace, capacity);
    for (let i = 0; i < 10; i++) expect((await counter.tryReserve(MVA, day1))!.ok).toBe(true);
    expect(await counter.tryReserve(MVA, day1)).toEqual({ ok: false, used: 10, limit: 10 });
    expect(await counter.tryReserve(MVA, day2)).toEqual({ ok: true, used: 1, limit: 10 });
    const ttl = await t.redis.ttl(keyspace.key('capacity', encodeURIComponent(MVA), '2026-03-10'));
    expect(ttl).toBeGreaterThan(2 * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(2 * 86_400);
  });

  it('applies the * limit to each case type without its own, counted separately', async () => {
    const counter = createCapacityCounter(t.redis, ks('wildcard'), capacity);
    expect(counter.limitFor('Employment')?.caseType).toBe('*');
    expect(counter.limitFor(MVA)?.maxAcceptsPerDay).toBe(10);
    expect((await counter.tryReserve('Employment', day1))!.ok).toBe(true);
    expect((await counter.tryReserve('Employment', day1))!.ok).toBe(true);
    expect((await counter.tryReserve('Employment', day1))!.ok).toBe(false);
    expect(await counter.tryReserve('Mass Tort', day1)).toEqual({ ok: true, used: 1, limit: 2 });
  });

  it('has no limit for a case type when there is neither its own nor a * limit', async () => {
    const counter = createCapacityCounter(t.redis, ks('none'), [{ caseType: MVA, maxAcceptsPerDay: 1, whenFull: { action: 'manual' } }]);
    expect(await counter.tryReserve('Employment', day1)).toBeUndefined();
    await counter.release('Employment', day1);
    expect(await counter.used('Employment', day1)).toBe(0);
  });

  it('releases a reservation on the day it was made, never below zero', async () => {
    const counter = createCapacityCounter(t.redis, ks('release'), capacity);
    await counter.tryReserve(MVA, day1);
    await counter.tryReserve(MVA, day1);
    await counter.tryReserve(MVA, day2);
    await counter.release(MVA, day1);
    expect(await counter.used(MVA, day1)).toBe(1);
    expect(await counter.used(MVA, day2)).toBe(1);
    await counter.release(MVA, day1);
    await counter.release(MVA, day1);
    expect(await counter.used(MVA, day1)).toBe(0);
    await counter.release(MVA, new Date('2026-01-01T00:00:00Z'));
    expect(await t.redis.exists(ks('release').key('capacity', encodeURIComponent(MVA), '2026-01-01'))).toBe(0);
  });

  it('works on a Redis that has never seen its scripts', async () => {
    const srv = await RedisServerProcess.start();
    const redis = new Redis(srv.url, { maxRetriesPerRequest: null });
    try {
      const counter = createCapacityCounter(redis, createKeyspace('fresh'), capacity);
      expect(await counter.tryReserve(MVA, day1)).toEqual({ ok: true, used: 1, limit: 10 });
      await counter.release(MVA, day1);
      expect(await counter.used(MVA, day1)).toBe(0);
    } finally {
      redis.disconnect();
      await srv.stop();
    }
  });

  it('frees a released place for the next reservation once the limit was reached', async () => {
    const counter = createCapacityCounter(t.redis, ks('refill'), capacity);
    await counter.tryReserve('Employment', day1);
    await counter.tryReserve('Employment', day1);
    expect((await counter.tryReserve('Employment', day1))!.ok).toBe(false);
    await counter.release('Employment', day1);
    expect(await counter.tryReserve('Employment', day1)).toEqual({ ok: true, used: 2, limit: 2 });
  });
});

describe('applyCapacity', () => {
  const t = createTestRedis('rules-apply-capacity');
  afterAll(() => t.cleanup());
  const accept: Decision = { action: 'accept', rule: 'accept-mva', trace: [{ rule: 'accept-mva', matched: true }] };

  it('records the count on an accept within the limit, and replaces an accept over it with whenFull', async () => {
    const { capacity } = parseRulesConfig({ capacity: [{ caseType: MVA, maxAcceptsPerDay: 1 }] });
    const counter = createCapacityCounter(t.redis, createKeyspace(t.prefix), capacity);
    expect(await applyCapacity(accept, MVA, counter, day1)).toEqual({ ...accept, capacity: { caseType: MVA, used: 1, limit: 1 } });
    const full = await applyCapacity(accept, MVA, counter, day1);
    expect(full).toEqual({ action: 'manual', note: 'capacity reached', rule: 'accept-mva', trace: accept.trace, capacity: { caseType: MVA, used: 1, limit: 1 } });
    expect(describeDecision(full)).toMatch(/^manual by capacity limit \(1\/1 Motor Vehicle Accident accepts today\)/);
  });

  it('leaves other actions and unlimited case types alone without counting', async () => {
    const keyspace = createKeyspace(`${t.prefix}:other`);
    const counter = createCapacityCounter(t.redis, keyspace, [{ caseType: MVA, maxAcceptsPerDay: 0, whenFull: { action: 'decline', reason: 'full' } }]);
    const decline: Decision = { action: 'decline', reason: 'no', rule: 'r', trace: [] };
    expect(await applyCapacity(decline, MVA, counter, day1)).toBe(decline);
    expect(await applyCapacity(accept, 'Employment', counter, day1)).toBe(accept);
    expect(await applyCapacity(accept, MVA, counter, day1)).toMatchObject({ action: 'decline', reason: 'full', capacity: { used: 0, limit: 0 } });
    expect(await counter.used(MVA, day1)).toBe(0);
  });
});
