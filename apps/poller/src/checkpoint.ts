/**
 * The poller's checkpoint: the high-water time up to which every stored event is durably enqueued,
 * and the ids already enqueued (seen-id memory) back to `watermark - max(overlap, reconciliation
 * window)`, at most {@link SEEN_MAX} of them: every id a re-read of the overlap or a reconciliation
 * sweep can meet again. Events enqueued in a batch have no job id of their own to dedupe them, so
 * this memory is what does. Checkpoint writes are fenced by the leader lease.
 */
import type { Redis } from 'ioredis';
import { readCheckpoint, type Checkpoint, type PollerKeys } from '@lexbridge/core/poller-state';

/** Most ids the seen-id memory keeps (the newest); about 100 bytes each in Redis. */
const SEEN_MAX = 200_000;

// KEYS: lease, checkpoint hash, seen zset. ARGV: lease value, watermark ms, watermark ISO,
// trim-below ms, now ISO, max ids kept, then score/id pairs. The watermark only moves forward.
const ADVANCE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local current = tonumber(redis.call('HGET', KEYS[2], 'watermarkMs') or '-1')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[2], 'watermarkMs', ARGV[2], 'watermark', ARGV[3])
end
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[5])
for i = 7, #ARGV, 2000 do
  redis.call('ZADD', KEYS[3], unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
if #ARGV > 6 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -1 - tonumber(ARGV[6])) end
return 1`;

// KEYS: seen zset. ARGV: max ids kept, then score/id pairs.
const REMEMBER = `
for i = 2, #ARGV, 2000 do
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[1]))
return 1`;

export interface CheckpointStore {
  read(): Promise<Checkpoint | undefined>;
  /** Of `ids`, those the seen-id memory does not hold. */
  unseen(ids: string[]): Promise<Set<string>>;
  /** Records `events` as enqueued without moving the watermark (reconciliation, backfill). */
  remember(events: Array<{ id: string; createdAtMs: number }>): Promise<void>;
  /**
   * Records `events` as enqueued and moves the watermark to `watermarkMs` (never backwards),
   * trimming remembered ids older than `trimBelowMs`. Returns false, writing nothing, when the
   * lease is no longer held with `leaseValue`.
   */
  advance(args: { leaseValue: string; watermarkMs: number; trimBelowMs: number; events: Array<{ id: string; createdAtMs: number }> }): Promise<boolean>;
  /** Size of the seen-id memory (a gauge: it must stay bounded). */
  seenCount(): Promise<number>;
  /** How many remembered ids were created between `fromMs` and `toMs` (both inclusive). */
  seenBetween(fromMs: number, toMs: number): Promise<number>;
}

export type CheckpointKeys = Pick<PollerKeys, 'lease' | 'checkpoint' | 'seen'>;

export function createCheckpointStore(redis: Redis, keys: CheckpointKeys, now: () => number = Date.now, maxSeen = SEEN_MAX): CheckpointStore {
  return {
    read: () => readCheckpoint(redis, keys),
    async unseen(ids) {
      if (ids.length === 0) return new Set();
      const scores = await redis.zmscore(keys.seen, ...ids);
      return new Set(ids.filter((_, i) => scores[i] === null));
    },
    async remember(events) {
      if (events.length === 0) return;
      await redis.eval(REMEMBER, 1, keys.seen, String(maxSeen), ...events.flatMap((e) => [String(e.createdAtMs), e.id]));
    },
    async advance({ leaseValue, watermarkMs, trimBelowMs, events }) {
      const pairs = events.flatMap((e) => [String(e.createdAtMs), e.id]);
      const result = await redis.eval(
        ADVANCE,
        3,
        keys.lease,
        keys.checkpoint,
        keys.seen,
        leaseValue,
        String(watermarkMs),
        new Date(watermarkMs).toISOString(),
        String(trimBelowMs),
        new Date(now()).toISOString(),
        String(maxSeen),
        ...pairs,
      );
      return result === 1;
    },
    seenCount: () => redis.zcard(keys.seen),
    seenBetween: (fromMs, toMs) => redis.zcount(keys.seen, fromMs, toMs),
  };
}
