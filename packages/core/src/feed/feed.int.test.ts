import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createFeed, FeedCursorError, FeedCursorExpiredError, type FeedItem } from './index.js';

const t = createTestRedis('feed');
const other = new Redis(t.url, { maxRetriesPerRequest: null });
afterAll(async () => {
  other.disconnect();
  await t.cleanup();
});

const item = (id: string, data: Record<string, unknown> = {}): FeedItem => ({
  id,
  type: 'lexamica.event',
  occurredAt: '2026-11-22T10:00:00.000Z',
  data: { n: id, ...data },
});

describe('CMS feed on a real Redis', () => {
  it('adds an item once however often the same id is appended, and returns its cursor each time', async () => {
    const feed = createFeed(t.redis, createKeyspace(`${t.prefix}:a`));
    const first = await feed.append(item('event:1'));
    const again = await feed.append(item('event:1', { changed: true }));
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ cursor: first.cursor, duplicate: true });
    const { items } = await feed.read(undefined, 10);
    expect(items).toEqual([{ ...item('event:1'), cursor: first.cursor }]);
  });

  it('shows the newest items first, since a time, and the cursor of the newest', async () => {
    const feed = createFeed(t.redis, createKeyspace(`${t.prefix}:recent`));
    expect(await feed.latest()).toBeUndefined();
    const cursors = [];
    for (const id of ['r:1', 'r:2', 'r:3']) cursors.push((await feed.append(item(id))).cursor);
    expect((await feed.recent(2)).map((i) => i.id)).toEqual(['r:3', 'r:2']);
    expect(await feed.latest()).toBe(cursors[2]);
    const lastMs = Number(cursors[2]!.split('-')[0]);
    expect((await feed.recent(10, lastMs + 1)).map((i) => i.id)).toEqual([]);
    expect((await feed.recent(10, lastMs)).map((i) => i.id)).toContain('r:3');
  });

  it('adds one entry when two connections append the same ids concurrently', async () => {
    const ks = createKeyspace(`${t.prefix}:b`);
    const a = createFeed(t.redis, ks);
    const b = createFeed(other, ks);
    const ids = Array.from({ length: 40 }, (_, i) => `x:${i}`);
    const results = await Promise.all(ids.flatMap((id) => [a.append(item(id)), b.append(item(id))]));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(40);
    const { items } = await a.read(undefined, 1_000);
    expect(items.map((i) => i.id).sort()).toEqual([...ids].sort());
  });

  it('returns each item once, in order, when read page by page with the cursor', async () => {
    const feed = createFeed(t.redis, createKeyspace(`${t.prefix}:c`));
    for (let i = 0; i < 23; i++) await feed.append(item(`p:${i}`));
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await feed.read(after, 5);
      if (page.items.length === 0) {
        expect(page.next).toBeNull();
        break;
      }
      seen.push(...page.items.map((i) => i.id));
      after = page.next ?? undefined;
    }
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `p:${i}`));
    await feed.append(item('p:late'));
    expect((await feed.read(after, 5)).items.map((i) => i.id)).toEqual(['p:late']);
  });

  it('finds an item by its id', async () => {
    const feed = createFeed(t.redis, createKeyspace(`${t.prefix}:d`));
    const { cursor } = await feed.append(item('find:me', { x: 1 }));
    expect(await feed.get('find:me')).toEqual({ ...item('find:me', { x: 1 }), cursor });
    expect(await feed.get('find:nobody')).toBeUndefined();
  });

  it('trims old entries to about maxLen', async () => {
    const ks = createKeyspace(`${t.prefix}:e`);
    const feed = createFeed(t.redis, ks, { maxLen: 50 });
    for (let i = 0; i < 400; i++) await feed.append(item(`trim:${i}`));
    const len = await t.redis.xlen(ks.key('feed', 'stream'));
    expect(len).toBeGreaterThanOrEqual(50);
    expect(len).toBeLessThan(400);
  });

  it('refuses to read on from a cursor whose following items were trimmed, and reads on from one whose were not', async () => {
    const ks = createKeyspace(`${t.prefix}:g`);
    const feed = createFeed(t.redis, ks, { maxLen: 50 });
    const cursors: string[] = [];
    for (let i = 0; i < 400; i++) cursors.push((await feed.append(item(`gone:${i}`))).cursor);
    const { items } = await feed.read(undefined, 1);
    const oldestKept = cursors.indexOf(items[0]!.cursor);
    expect(oldestKept).toBeGreaterThan(0);
    const err = await feed.read(cursors[0], 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedCursorExpiredError);
    expect((err as FeedCursorExpiredError).oldest).toBe(cursors[oldestKept]);
    // The entry just before the oldest kept was trimmed, but nothing after it was.
    expect((await feed.read(cursors[oldestKept - 1], 1)).items[0]?.cursor).toBe(cursors[oldestKept]);
    // A feed that never trimmed anything reads from before its first item.
    const fresh = createFeed(t.redis, createKeyspace(`${t.prefix}:h`));
    await fresh.append(item('first'));
    expect((await fresh.read('0-0', 5)).items.map((i) => i.id)).toEqual(['first']);
  });

  it('rejects a cursor that is not a stream id', async () => {
    const feed = createFeed(t.redis, createKeyspace(`${t.prefix}:f`));
    await expect(feed.read('yesterday', 5)).rejects.toBeInstanceOf(FeedCursorError);
  });
});
