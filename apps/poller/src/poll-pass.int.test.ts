import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { createPollerFactory, createScriptedStore, createTestClock, type ScriptedStore, type TestPoller } from '../test/harness.js';

/** Each id once, and exactly the ids stored. */
function expectEachOnce(enqueued: string[], store: ScriptedStore) {
  expect(new Set(enqueued).size, 'no event enqueued twice').toBe(enqueued.length);
  expect([...enqueued].sort()).toEqual(store.events.map((e) => e.id).sort());
}

// The poll pass against scripted pages and an injected clock, on a real Redis: page boundaries,
// timestamp ties, late events, crash points, the retention gap, a stalled leader.
describe('a poll pass', () => {
  const t = createTestRedis('poll-pass');
  const pollers = createPollerFactory(t);
  afterEach(() => pollers.stop());
  afterAll(() => t.cleanup());

  it('reads 250 events sharing one timestamp across three pages each once, and re-reads them as duplicates', async () => {
    const clock = createTestClock();
    const store = createScriptedStore();
    store.addMany(250, clock.now() - 1_000);
    const p = pollers.start({ store, clock });
    expect(await p.poller.pollOnce()).toMatchObject({ pages: 3, read: 250, enqueued: 250, duplicates: 0, completed: true });
    expectEachOnce(await p.enqueuedIds(), store);
    expect((await p.poller.checkpoint.read())?.watermarkMs).toBe(clock.now());
    clock.advance(500);
    expect(await p.poller.pollOnce()).toMatchObject({ enqueued: 0, duplicates: 250 });
    expectEachOnce(await p.enqueuedIds(), store);
  });

  it('moves the checkpoint page by page to the last createdAt read, then to the end of the range', async () => {
    const clock = createTestClock();
    const store = createScriptedStore();
    for (let i = 0; i < 250; i++) store.add(clock.now() - 20_000 + i * 40);
    const p = pollers.start({ store, clock });
    const watermarks: Array<number | undefined> = [];
    store.beforePage((index) => {
      if (index > 0) void p.poller.checkpoint.read().then((cp) => watermarks.push(cp?.watermarkMs));
    });
    await p.poller.pollOnce();
    store.beforePage(undefined);
    // Read as the next page is asked for: after pages 1, 2 and 3 (the empty fourth ends the read).
    expect(watermarks).toEqual([99, 199, 249].map((i) => Date.parse(store.events[i]!.createdAt)));
    expect((await p.poller.checkpoint.read())?.watermarkMs).toBe(clock.now());
  });

  it('reads an event stored after a pass at exactly the checkpoint’s timestamp', async () => {
    const clock = createTestClock();
    const store = createScriptedStore();
    store.addMany(3, clock.now() - 100);
    const p = pollers.start({ store, clock });
    await p.poller.pollOnce();
    const watermark = clock.now();
    store.add(watermark);
    clock.advance(1_000);
    expect(await p.poller.pollOnce()).toMatchObject({ enqueued: 1, duplicates: 3 });
    expectEachOnce(await p.enqueuedIds(), store);
  });

  it('loses nothing when a late event shifts the pages under skip mid-pass', async () => {
    const clock = createTestClock();
    const store = createScriptedStore();
    for (let i = 0; i < 200; i++) store.add(clock.now() - 10_000 + i * 10);
    const p = pollers.start({ store, clock });
    let late: string | undefined;
    store.beforePage((index) => {
      // Stored while page 2 is asked for, stamped before everything: page 2 starts one event early.
      if (index === 1 && !late) late = store.add(clock.now() - 15_000).id;
    });
    const first = await p.poller.pollOnce();
    store.beforePage(undefined);
    // Page 2 repeats page 1's last event (dropped in the pass); the late one sits behind the pass.
    expect(first).toMatchObject({ read: 201, enqueued: 200, duplicates: 1 });
    expect(await p.enqueuedIds()).not.toContain(late);
    clock.advance(1_000);
    // Lexamica's count of the older overlap differs from the ids remembered: the whole window is re-read.
    expect(await p.poller.pollOnce()).toMatchObject({ enqueued: 1 });
    expectEachOnce(await p.enqueuedIds(), store);
  });

  it('leaves a late event older than the overlap window to the reconciliation sweep', async () => {
    const clock = createTestClock();
    const store = createScriptedStore();
    store.addMany(5, clock.now() - 1_000);
    const p = pollers.start({ store, clock });
    await p.poller.pollOnce();
    store.add(clock.now() - 60_000);
    clock.advance(1_000);
    expect(await p.poller.pollOnce()).toMatchObject({ enqueued: 0 });
    expect(await p.poller.reconcileOnce()).toMatchObject({ enqueued: 1, duplicates: 5 });
    expectEachOnce(await p.enqueuedIds(), store);
  });

  // Each crash point: the first replica's pass fails there; a replica started afterwards on the same
  // Redis finishes the work. Every event is enqueued, none twice.
  const crashes: Array<{ point: string; arm: (p: TestPoller, store: ScriptedStore) => void }> = [
    {
      point: 'reading page 2 (Lexamica fails)',
      arm: (_p, store) =>
        store.beforePage((index) => {
          if (index === 1) throw new Error('crash: Lexamica answered 503');
        }),
    },
    {
      point: 'enqueueing page 1 and writing its checkpoint',
      arm: (p) => {
        p.poller.checkpoint.advance = async () => {
          throw new Error('crash: before the checkpoint write');
        };
      },
    },
    {
      point: 'the last page’s checkpoint and the end of the pass',
      arm: (p) => {
        const advance = p.poller.checkpoint.advance.bind(p.poller.checkpoint);
        p.poller.checkpoint.advance = async (args) => {
          if (args.events.length === 0) throw new Error('crash: before the watermark moved to `to`');
          return advance(args);
        };
      },
    },
  ];
  it.each(crashes)('after a crash between $point, a restarted poller enqueues each event once', async ({ arm }) => {
    const clock = createTestClock();
    const store = createScriptedStore();
    for (let i = 0; i < 250; i++) store.add(clock.now() - 20_000 + i * 40);
    const prefix = pollers.prefix();
    const first = pollers.start({ store, clock, prefix, instanceId: 'first' });
    arm(first, store);
    await expect(first.poller.pollOnce()).rejects.toThrow(/^crash/);
    store.beforePage(undefined);
    const watermark = (await first.poller.checkpoint.read())?.watermarkMs;
    expect(watermark === undefined || watermark < clock.now(), 'the checkpoint did not reach the end of the range').toBe(true);
    await first.poller.stop();

    clock.advance(1_000);
    const second = pollers.start({ store, clock, prefix, instanceId: 'second' });
    expect(await second.poller.pollOnce()).toMatchObject({ completed: true });
    expectEachOnce(await second.enqueuedIds(), store);
    expect((await second.poller.checkpoint.read())?.watermarkMs).toBe(clock.now());
  });

  it('after an outage longer than Lexamica keeps events, announces the gap once and reads what is left', async () => {
    const DAY = 86_400_000;
    const clock = createTestClock();
    const store = createScriptedStore();
    store.addMany(2, clock.now() - 1_000);
    const p = pollers.start({ store, clock, timing: { retentionMs: 30 * DAY } });
    await p.poller.pollOnce();
    const watermark = clock.now();
    clock.advance(31 * DAY);
    store.addMany(3, clock.now() - 1_000);
    expect(await p.poller.pollOnce()).toMatchObject({ enqueued: 3 });
    clock.advance(1_000);
    await p.poller.pollOnce();
    const gaps = (await p.queues.get('maintenance').getJobs(['waiting'])).filter((j) => j.name === 'events.gap' && j.data.reason === 'retention');
    expect(gaps.map((j) => j.data)).toEqual([
      expect.objectContaining({ reason: 'retention', from: new Date(watermark).toISOString(), to: new Date(clock.now() - 1_000 - 30 * DAY).toISOString() }),
    ]);
    expectEachOnce(await p.enqueuedIds(), store);
  });

  it('stops claiming leadership as soon as a stall outlasts its lease, before the renewal runs', async () => {
    const clock = createTestClock();
    const p = pollers.start({ store: createScriptedStore(), clock, timing: { leaseTtlMs: 300 } });
    await p.poller.pollOnce();
    expect(p.poller.isLeader()).toBe(true);
    // The whole process stalls (a long GC, a busy machine): no timer runs, the lease expires in Redis.
    const until = performance.now() + 400;
    while (performance.now() < until) {
      // busy: this is the stall
    }
    expect(p.poller.isLeader()).toBe(false);
  });
});
