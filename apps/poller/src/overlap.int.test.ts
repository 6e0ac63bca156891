import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { createPollerFactory, createScriptedStore, createTestClock } from '../test/harness.js';

describe('poller overlap window', () => {
  const t = createTestRedis('overlap');
  const pollers = createPollerFactory(t);
  afterEach(() => pollers.stop());
  afterAll(() => t.cleanup());
  const clock = createTestClock();
  const startPoller = (store: ReturnType<typeof createScriptedStore>) => pollers.start({ store, clock }).poller;

  it('re-reads only the recent part of the overlap when the older part holds just the events already enqueued', async () => {
    const store = createScriptedStore();
    for (let i = 0; i < 250; i++) store.add(clock.now() - 20_000 + i * 40);
    const poller = startPoller(store);
    expect((await poller.pollOnce())?.enqueued).toBe(250);
    clock.advance(1_000);
    store.add(clock.now() - 500);
    store.queries.length = 0;

    const second = await poller.pollOnce();
    expect(second).toMatchObject({ enqueued: 1, read: 1 });
    // One count over the older part (a single-event page), then a read of the recent part only.
    const watermark = clock.now() - 1_000;
    expect(store.queries).toEqual([
      { fromMs: watermark - 30_000, toMs: watermark - 2_001, pageSize: 1 },
      { fromMs: watermark - 2_000, toMs: clock.now(), pageSize: 100 },
    ]);
  });

  it('re-reads the whole overlap window when an event was stored late inside its older part', async () => {
    const store = createScriptedStore();
    for (let i = 0; i < 50; i++) store.add(clock.now() - 10_000 + i * 100);
    const poller = startPoller(store);
    await poller.pollOnce();
    const watermark = clock.now();
    clock.advance(1_000);
    // Stored now, stamped 8 s ago: older than the recent part, inside the overlap.
    store.add(watermark - 8_000);
    store.queries.length = 0;

    const second = await poller.pollOnce();
    expect(second).toMatchObject({ enqueued: 1, duplicates: 50 });
    expect(store.queries.at(-1)).toEqual({ fromMs: watermark - 30_000, toMs: clock.now(), pageSize: 100 });
    // Recorded now: the next poll is cheap again.
    clock.advance(1_000);
    store.queries.length = 0;
    await poller.pollOnce();
    expect(store.queries.at(-1)?.fromMs).toBe(clock.now() - 1_000 - 2_000);
  });
});
