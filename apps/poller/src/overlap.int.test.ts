import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { defaultProfile, type EventPage, type StoredEvent } from '@lexbridge/lexamica-client';
import { QueueSet } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createTestRedis } from '@lexbridge/testkit';
import { createPollerMetrics } from './metrics.js';
import { createPoller, type Poller } from './poller.js';
import type { EventSource } from './read-range.js';
import { routedEventNames } from './service.js';

let n = 0;

/** An in-memory Lexamica stored-event store that records each range asked for. */
function createStore() {
  const events: StoredEvent[] = [];
  const queries: Array<{ fromMs: number; toMs: number; pageSize: number }> = [];
  const source: EventSource = {
    async *pages(q) {
      const fromMs = Date.parse(String(q.from instanceof Date ? q.from.toISOString() : q.from));
      const toMs = Date.parse(String(q.to instanceof Date ? q.to.toISOString() : q.to));
      const pageSize = q.pageSize ?? 100;
      queries.push({ fromMs, toMs, pageSize });
      const inRange = events.filter((e) => Date.parse(e.createdAt) >= fromMs && Date.parse(e.createdAt) <= toMs);
      for (let skip = 0; skip < inRange.length; skip += pageSize) {
        const page: EventPage = { events: inRange.slice(skip, skip + pageSize), rejected: [], total: inRange.length, skip, limit: pageSize };
        yield page;
      }
    },
  };
  return {
    source,
    queries,
    add(atMs: number) {
      n += 1;
      events.push({ id: `ev${n}`, event: 'Case Update Made', createdAt: new Date(atMs).toISOString(), payload: { n } });
      events.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    },
  };
}

describe('poller overlap window', () => {
  const t = createTestRedis('overlap');
  const keyspace = createKeyspace(t.prefix);
  const queues = new QueueSet(t.redis, keyspace);
  const pollers: Poller[] = [];
  let started = 0;
  afterEach(async () => {
    while (pollers.length) await pollers.pop()!.stop();
  });
  afterAll(async () => {
    await queues.close();
    await t.cleanup();
  });

  let clock = Date.parse('2026-01-01T12:00:00.000Z');
  function startPoller(store: ReturnType<typeof createStore>) {
    const poller = createPoller({
      source: store.source,
      redis: t.redis,
      queues,
      keyspace: createKeyspace(`${t.prefix}:${(started += 1)}`),
      eventNames: routedEventNames({ profile: defaultProfile }),
      metrics: createPollerMetrics(new Registry(), { checkpointAgeSeconds: async () => undefined, isLeader: () => true, seenIds: async () => 0 }),
      logger: createLogger({ name: 'overlap-test', level: 'silent' }),
      timing: { intervalMs: 1_000, overlapMs: 30_000, recentOverlapMs: 2_000, reconcileIntervalMs: 3_600_000, reconcileWindowMs: 86_400_000, initialLookbackMs: 60_000 },
      now: () => clock,
    });
    pollers.push(poller);
    return poller;
  }

  it('re-reads only the recent part of the overlap when the older part holds just the events already enqueued', async () => {
    const store = createStore();
    for (let i = 0; i < 250; i++) store.add(clock - 20_000 + i * 40);
    const poller = startPoller(store);
    expect((await poller.pollOnce())?.enqueued).toBe(250);
    clock += 1_000;
    store.add(clock - 500);
    store.queries.length = 0;

    const second = await poller.pollOnce();
    expect(second).toMatchObject({ enqueued: 1, read: 1 });
    // One count over the older part (a single-event page), then a read of the recent part only.
    const watermark = clock - 1_000;
    expect(store.queries).toEqual([
      { fromMs: watermark - 30_000, toMs: watermark - 2_001, pageSize: 1 },
      { fromMs: watermark - 2_000, toMs: clock, pageSize: 100 },
    ]);
  });

  it('re-reads the whole overlap window when an event was stored late inside its older part', async () => {
    const store = createStore();
    for (let i = 0; i < 50; i++) store.add(clock - 10_000 + i * 100);
    const poller = startPoller(store);
    await poller.pollOnce();
    const watermark = clock;
    clock += 1_000;
    // Stored now, stamped 8 s ago: older than the recent part, inside the overlap.
    store.add(watermark - 8_000);
    store.queries.length = 0;

    const second = await poller.pollOnce();
    expect(second).toMatchObject({ enqueued: 1, duplicates: 50 });
    expect(store.queries.at(-1)).toEqual({ fromMs: watermark - 30_000, toMs: clock, pageSize: 100 });
    // Recorded now: the next poll is cheap again.
    clock += 1_000;
    store.queries.length = 0;
    await poller.pollOnce();
    expect(store.queries.at(-1)?.fromMs).toBe(clock - 1_000 - 2_000);
  });
});
