/**
 * The CMS feed: a Redis stream of everything the firm's CMS should hear about, read with a cursor
 * (the stream entry id). Each item has a stable id; appending the same id twice (a retried job, two
 * replicas) adds it once, because the dedupe key and the entry are written by one Lua script.
 *
 * The append is one Lua function (`commands/includes/feedAppend.lua`): the feed's own script runs
 * it, and so do scripts that append an item in the same step as the change it reports (the ledger's
 * outbox), given the keys and arguments of {@link FeedOutbox}.
 */
import { coreScripts } from '../commands/index.js';
import { mentionsAny } from './mentions.js';
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';

/** One thing the CMS should hear about. */
export interface FeedItem {
  /** Stable: the same thing announced twice has the same id (e.g. `event:<Lexamica event id>`). */
  id: string;
  /** What happened: `invitation.decided`, `invitation.action-sent`, `lexamica.event`, … */
  type: string;
  /** ISO time of the happening (not of the append). */
  occurredAt: string;
  data: Record<string, unknown>;
}

/** An item as read back, with the cursor that points just past it. */
export type FeedEntry = FeedItem & { cursor: string };

/** Options for {@link createFeed}. */
export interface FeedOptions {
  /** Approximate number of entries kept (`XADD MAXLEN ~`); default 100 000. */
  maxLen?: number;
  /** How long an item id is remembered for dedupe, in seconds; default 7 days. */
  dedupeTtlSec?: number;
  /**
   * How long an item is kept, in ms (`RetentionPolicy.feedMs`; default 30 days): {@link Feed.trimExpired}
   * (the processor's sweep, every minute) trims the items older than that. Appends do not: an XTRIM
   * on every append cost one Redis command per item.
   */
  retentionMs?: number;
}

/** A cursor that is not a stream entry id. */
export class FeedCursorError extends Error {
  override readonly name = 'FeedCursorError';
  constructor(readonly cursor: string) {
    super('cursor must be a value returned by the feed (like 1732273200000-0)');
  }
}

/**
 * Items after the cursor were trimmed (the feed keeps about `maxLen` items): reading on from it
 * would skip them without a word. `oldest` is the cursor of the oldest item kept.
 */
export class FeedCursorExpiredError extends Error {
  override readonly name = 'FeedCursorExpiredError';
  constructor(
    readonly cursor: string,
    readonly oldest: string | undefined,
  ) {
    super(`items after cursor ${cursor} were trimmed from the feed${oldest ? `; the oldest item kept is ${oldest}` : ''}`);
  }
}

/** Orders two stream ids (`<ms>-<seq>`) as RedisClient does. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
}

export interface Feed {
  /** Adds `item` unless its id was added within the dedupe window; returns its cursor either way. */
  append(item: FeedItem): Promise<{ cursor: string; duplicate: boolean }>;
  /**
   * Up to `limit` items after `after` (from the oldest kept when undefined). `next` is the cursor
   * of the last item returned, to pass as `after`; null when nothing was returned (keep your cursor).
   * Throws {@link FeedCursorExpiredError} when items after `after` were trimmed, so a reader never
   * skips them unknowingly.
   */
  read(after: string | undefined, limit: number): Promise<{ items: FeedEntry[]; next: string | null }>;
  /** The item with this id, while it is both remembered and not trimmed. */
  get(id: string): Promise<FeedEntry | undefined>;
  /** Trims the items past their retention (the processor's sweep, every minute; appends only cap the length). Returns how many went. */
  trimExpired(): Promise<number>;
  /**
   * A deletion request: deletes every item whose `data` names one of `ids` (as a string value at any
   * depth), and forgets their ids, except the items `keep` spares. Returns how many went.
   */
  purgeMentioning(ids: ReadonlySet<string>, keep?: (item: FeedEntry) => boolean): Promise<number>;
  /**
   * The newest items, newest first: at most `limit` (1..1000), and only those appended at or after
   * `sinceMs` when given (entry ids are append times). For screens, not for following the feed.
   */
  recent(limit: number, sinceMs?: number): Promise<FeedEntry[]>;
  /** The cursor of the newest item (to follow only what comes next), or undefined while the feed is empty. */
  latest(): Promise<string | undefined>;
  /** What another script needs to append to this feed with `feed_append` (`commands/includes/feedAppend.lua`). */
  readonly outbox: FeedOutbox;
}

/**
 * An item's append, as the keys and arguments of `feed_append` (`commands/includes/feedAppend.lua`), for a
 * script that writes something else and announces it in the same step: either both happen or
 * neither, and a reader never sees the change without its item.
 */
export interface FeedOutbox {
  append(item: FeedItem): { keys: [seenKey: string, stream: string]; args: [ttlSec: number, maxLen: number, json: string] };
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

export function createFeed(redis: RedisClient, keyspace: Keyspace, opts: FeedOptions = {}): Feed {
  const maxLen = opts.maxLen ?? 100_000;
  const ttl = opts.dedupeTtlSec ?? 7 * 86_400;
  const retentionMs = opts.retentionMs ?? 30 * 86_400_000;
  coreScripts.define(redis);
  const stream = keyspace.key('feed', 'stream');
  const seenKey = (id: string) => keyspace.key('feed', 'seen', id);

  const toEntry = ([cursor, fields]: [string, string[]]): FeedEntry => {
    const json = fields[fields.indexOf('item') + 1] ?? '{}';
    return { ...(JSON.parse(json) as FeedItem), cursor };
  };

  const outbox: FeedOutbox = {
    append: (item) => ({
      keys: [seenKey(item.id), stream],
      args: [ttl, maxLen, JSON.stringify({ id: item.id, type: item.type, occurredAt: item.occurredAt, data: item.data })],
    }),
  };

  return {
    outbox,

    async append(item) {
      const { keys, args } = outbox.append(item);
      const [cursor, dup] = (await coreScripts.run(redis, 'appendFeedItem', keys, args)) as [string, number];
      return { cursor, duplicate: dup === 1 };
    },

    async read(after, limit) {
      if (after !== undefined && !STREAM_ID.test(after)) throw new FeedCursorError(after);
      const count = Math.min(Math.max(Math.trunc(limit), 1), 1_000);
      const rows = (await redis.xrange(stream, after === undefined ? '-' : `(${after}`, '+', 'COUNT', count)) as Array<[string, string[]]>;
      if (after !== undefined) {
        // Trimming takes the oldest entries first: a cursor before the oldest kept entry was
        // trimmed, and nothing after it was only if that entry came right after it. Looked at
        // after the read, so an item trimmed meanwhile counts as missed too.
        const [oldest] = (await redis.xrange(stream, '-', '+', 'COUNT', 1)) as Array<[string, string[]]>;
        if (oldest && compareIds(after, oldest[0]) < 0) {
          const fields = oldest[1];
          const prev = fields.indexOf('prev') >= 0 ? fields[fields.indexOf('prev') + 1] : undefined;
          // '': the oldest entry is the first the feed ever had, so nothing was trimmed.
          if (prev !== after && prev !== '') throw new FeedCursorExpiredError(after, oldest[0]);
        }
      }
      const items = rows.map(toEntry);
      return { items, next: items.at(-1)?.cursor ?? null };
    },

    async trimExpired() {
      // Redis' clock, as the entry ids are: seconds and microseconds.
      const [sec, micro] = await redis.time();
      return redis.xtrim(stream, 'MINID', Math.max(0, Number(sec) * 1000 + Math.floor(Number(micro) / 1000) - retentionMs));
    },

    async purgeMentioning(ids, keep = () => false) {
      let removed = 0;
      let after = '-';
      for (;;) {
        const rows = (await redis.xrange(stream, after, '+', 'COUNT', 1_000)) as Array<[string, string[]]>;
        const gone = rows.map(toEntry).filter((e) => mentionsAny(e.data, ids) && !keep(e));
        if (gone.length > 0) {
          await redis.xdel(stream, ...gone.map((e) => e.cursor));
          await redis.del(...gone.map((e) => seenKey(e.id)));
          removed += gone.length;
        }
        if (rows.length < 1_000) return removed;
        after = `(${rows.at(-1)![0]}`;
      }
    },

    async recent(limit, sinceMs) {
      const count = Math.min(Math.max(Math.trunc(limit), 1), 1_000);
      const rows = (await redis.xrevrange(stream, '+', sinceMs === undefined ? '-' : String(Math.max(0, Math.trunc(sinceMs))), 'COUNT', count)) as Array<[string, string[]]>;
      return rows.map(toEntry);
    },

    async latest() {
      const [row] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      return row?.[0];
    },

    async get(id) {
      const cursor = await redis.get(seenKey(id));
      if (!cursor) return undefined;
      const rows = (await redis.xrange(stream, cursor, cursor)) as Array<[string, string[]]>;
      return rows[0] ? toEntry(rows[0]) : undefined;
    },
  };
}

/** Seconds since an entry was appended, from its cursor (a stream id, `<ms>-<seq>`); undefined for a malformed one. */
export function entryAgeSeconds(cursor: string, nowMs: number): number | undefined {
  const ms = Number(cursor.slice(0, cursor.indexOf('-')));
  return Number.isFinite(ms) && ms > 0 ? Math.max(0, (nowMs - ms) / 1000) : undefined;
}
