import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEventStore, type StoredEventRecord } from './event-store.js';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');

function record(id: string, atMs: number, event = 'Case Invitation Sent'): StoredEventRecord {
  return { _id: id, event, subscription: 's', mapping: 'm', createdAt: new Date(atMs).toISOString(), payload: {} };
}

describe('event store', () => {
  it('includes events exactly on both bounds and keeps insertion order among equal timestamps', () => {
    const store = createEventStore();
    store.insert(record('a', T0), T0);
    store.insert(record('b', T0 + 10), T0 + 10);
    store.insert(record('c', T0 + 10), T0 + 10);
    store.insert(record('d', T0 + 20), T0 + 20);
    const page = store.query({ fromMs: T0 + 10, toMs: T0 + 20, limit: 50, skip: 0 });
    expect(page.data.map((e) => e._id)).toEqual(['b', 'c', 'd']);
    expect(page.total).toBe(3);
  });

  it('places a late event before later ones and pages with skip and limit over the whole range', () => {
    const store = createEventStore();
    for (let i = 0; i < 5; i++) store.insert(record(`e${i}`, T0 + i * 100), T0 + i * 100);
    store.insert(record('late', T0 + 150), T0 + 150);
    const all = store.query({ limit: 100, skip: 0 });
    expect(all.data.map((e) => e._id)).toEqual(['e0', 'e1', 'late', 'e2', 'e3', 'e4']);
    const page = store.query({ limit: 2, skip: 2 });
    expect(page.data.map((e) => e._id)).toEqual(['late', 'e2']);
    expect(page.total).toBe(6);
    expect(store.query({ limit: 2, skip: 6 }).data).toEqual([]);
  });

  it('filters by event name and drops events older than a cutoff', () => {
    const store = createEventStore();
    store.insert(record('old', T0, 'Case Invitation Sent'), T0);
    store.insert(record('x', T0 + 5, 'Case Invitation Expired'), T0 + 5);
    store.insert(record('y', T0 + 9, 'Case Invitation Sent'), T0 + 9);
    expect(store.query({ event: 'Case Invitation Sent', limit: 10, skip: 0 }).data.map((e) => e._id)).toEqual(['old', 'y']);
    expect(store.pruneBefore(T0 + 1)).toBe(1);
    expect(store.query({ event: 'Case Invitation Sent', limit: 10, skip: 0 }).data.map((e) => e._id)).toEqual(['y']);
    expect(store.size).toBe(2);
  });

  it('answers every range query like a plain sort and filter would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom('A', 'B')), { maxLength: 60 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        fc.option(fc.constantFrom('A', 'B'), { nil: undefined }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 70 }),
        (items, a, b, event, limit, skip) => {
          const store = createEventStore();
          const inserted = items.map(([at, ev], i) => ({ at, rec: record(`id${i}`, T0 + at, ev) }));
          for (const { at, rec } of inserted) store.insert(rec, T0 + at);
          const [from, to] = [Math.min(a, b), Math.max(a, b)];
          const expected = inserted
            .map((x, i) => ({ ...x, i }))
            .filter((x) => x.at >= from && x.at <= to && (event === undefined || x.rec.event === event))
            .sort((x, y) => x.at - y.at || x.i - y.i)
            .map((x) => x.rec._id);
          const got = store.query({ fromMs: T0 + from, toMs: T0 + to, limit, skip, ...(event === undefined ? {} : { event }) });
          expect(got.total).toBe(expected.length);
          expect(got.data.map((e) => e._id)).toEqual(expected.slice(skip, skip + limit));
        },
      ),
    );
  });
});
