/**
 * The sandbox at volume: 50,000 stored events drained page by page. In the `slow` project (not the
 * unit one): seconds of work that says nothing more about correctness than the small cases do.
 * The bounds are on this process's CPU time, not wall-clock time: another process busy on the same
 * cores stretches the wall clock, not the work done here. They catch a drain gone quadratic
 * (a scan of the whole store per page reads 500 times as many entries at this size).
 */
import { describe, expect, it } from 'vitest';
import { createEventStore, type StoredEventRecord } from '../src/state/event-store.js';
import { allEvents, createClock, setUpFirm, startSandbox, T0 } from './harness.js';

/** CPU time this process spent (user + system) while `fn` ran, in ms. */
async function cpuMs<T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1_000 };
}

function record(id: string, atMs: number): StoredEventRecord {
  return { _id: id, event: 'Case Invitation Sent', subscription: 's', mapping: 'm', createdAt: new Date(atMs).toISOString(), payload: {} };
}

describe('the sandbox at volume', () => {
  it('drains 50,000 events from the store in pages of 100 with linear work', async () => {
    const store = createEventStore();
    for (let i = 0; i < 50_000; i++) store.insert(record(`e${i}`, T0 + Math.floor(i / 3)), T0 + Math.floor(i / 3));
    const { value: seen, ms } = await cpuMs(() => {
      let n = 0;
      for (let skip = 0; ; skip += 100) {
        const page = store.query({ fromMs: T0, toMs: T0 + 60_000, limit: 100, skip });
        if (page.data.length === 0) return n;
        n += page.data.length;
      }
    });
    expect(seen).toBe(50_000);
    expect(ms).toBeLessThan(500);
  });

  it('serves 50,000 events over HTTP page by page without losing or repeating one', async () => {
    const s = await startSandbox({ now: createClock().now });
    try {
      await setUpFirm(s.client);
      s.sandbox.scenario.generate(50_000);
      const { value: events, ms } = await cpuMs(() => allEvents(s.client, 'Case Invitation Sent'));
      expect(events).toHaveLength(50_000);
      expect(new Set(events.map((e) => e.id)).size).toBe(50_000);
      expect(ms).toBeLessThan(20_000);
    } finally {
      await s.close();
    }
  }, 120_000);
});
