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
