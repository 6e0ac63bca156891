/**
 * The poller's checkpoint: the high-water time up to which every stored event is durably enqueued,
 * and the ids already enqueued at or after `watermark - overlap` (the only ones a re-read of the
 * overlap window can meet again). Writes are fenced by the leader lease.
 */
import type { Redis } from 'ioredis';

// KEYS: lease, checkpoint hash, seen zset. ARGV: lease value, watermark ms, watermark ISO,
// trim-below ms, now ISO, then score/id pairs. The watermark only moves forward.
const ADVANCE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local current = tonumber(redis.call('HGET', KEYS[2], 'watermarkMs') or '-1')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[2], 'watermarkMs', ARGV[2], 'watermark', ARGV[3])
end
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[5])
for i = 6, #ARGV, 2000 do
  redis.call('ZADD', KEYS[3], unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
return 1`;

export interface Checkpoint {
  /** Everything stored at or before this time has been enqueued (but for late arrivals, which the overlap re-reads). */
  watermarkMs: number;
  /** When the checkpoint last moved (or was confirmed). */
  updatedAt?: string;
}

export interface CheckpointStore {
  read(): Promise<Checkpoint | undefined>;
  /** Of `ids`, those not yet enqueued within the overlap window. */
  unseen(ids: string[]): Promise<Set<string>>;
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

export interface CheckpointKeys {
  lease: string;
  checkpoint: string;
  seen: string;
}

export function createCheckpointStore(redis: Redis, keys: CheckpointKeys, now: () => number = Date.now): CheckpointStore {
  return {
    async read() {
      const h = await redis.hgetall(keys.checkpoint);
      if (h.watermarkMs === undefined) return undefined;
      return { watermarkMs: Number(h.watermarkMs), updatedAt: h.updatedAt };
    },
    async unseen(ids) {
      if (ids.length === 0) return new Set();
      const scores = await redis.zmscore(keys.seen, ...ids);
      return new Set(ids.filter((_, i) => scores[i] === null));
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
        ...pairs,
      );
      return result === 1;
    },
    seenCount: () => redis.zcard(keys.seen),
    seenBetween: (fromMs, toMs) => redis.zcount(keys.seen, fromMs, toMs),
  };
}
