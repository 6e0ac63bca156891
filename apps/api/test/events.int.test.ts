import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApi, type TestApi } from './harness.js';

describe('event feed route', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi();
    for (let i = 0; i < 7; i++) {
      await t.feed.append({ id: `event:e${i}`, type: 'lexamica.event', occurredAt: new Date(Date.UTC(2026, 10, 22, 10, i)).toISOString(), data: { n: i } });
    }
    // The same item again (a retried job) is not a second entry.
    await t.feed.append({ id: 'event:e3', type: 'lexamica.event', occurredAt: new Date().toISOString(), data: { n: 3 } });
  });
  afterAll(() => t.close());

  const read = (query: string) => t.app.inject({ method: 'GET', url: `/v1/events${query}`, headers: AUTH });

  it('returns every item once across pages and an empty page with a null cursor at the end', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await read(`?limit=3${after ? `&after=${after}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Array<{ id: string; cursor: string; data: { n: number } }>; next: string | null };
      if (body.items.length === 0) {
        expect(body.next).toBeNull();
        break;
      }
      seen.push(...body.items.map((i) => i.id));
      expect(body.next).toBe(body.items.at(-1)!.cursor);
      after = body.next;
    }
    expect(seen).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((e) => `event:${e}`));
  });

  it('refuses a cursor the feed did not issue, naming the parameter', async () => {
    const res = await read('?after=yesterday');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', field: 'after', in: 'querystring' });
    expect((await read('?limit=1001')).json().error).toMatchObject({ field: 'limit' });
  });
});

// Issue 16, item 9: a CMS reading with a cursor older than the feed's trim point silently skipped
// what had been trimmed.
describe('event feed route after the feed was trimmed', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi();
  });
  afterAll(() => t.close());

  const read = (query: string) => t.app.inject({ method: 'GET', url: `/v1/events${query}`, headers: AUTH });

  it('answers a cursor older than the trim point with 410, saying what was lost and how to continue', async () => {
    for (let i = 0; i < 5; i++) await t.feed.append({ id: `event:t${i}`, type: 'lexamica.event', occurredAt: new Date().toISOString(), data: { n: i } });
    const { items } = (await read('')).json() as { items: Array<{ cursor: string }> };
    const kept = items[2]!.cursor;
    // The feed is capped: older entries are trimmed as new ones arrive (here: keep the last 3).
    const stream = t.keyspace.key('feed', 'stream');
    await t.admin.xtrim(stream, 'MAXLEN', 3);

    const stale = await read(`?after=${items[0]!.cursor}`);
    expect(stale.statusCode).toBe(410);
    expect(stale.json().error).toMatchObject({ code: 'cursor_expired', field: 'after', in: 'querystring' });
    expect(stale.json().error.message).toMatch(/trimmed/);
    expect(stale.json().error.message).toContain('/v1/invitations');
    expect(stale.json().error.message).toContain(kept);

    // A cursor whose following items are all still there reads on as before.
    const fine = await read(`?after=${items[1]!.cursor}`);
    expect(fine.statusCode).toBe(200);
    expect(fine.json().items.map((i: { id: string }) => i.id)).toEqual(['event:t2', 'event:t3', 'event:t4']);
  });
});
