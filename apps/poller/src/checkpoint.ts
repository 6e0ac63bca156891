/**
 * The poller's checkpoint: the high-water time up to which every stored event is durably enqueued,
 * over the seen-id memory it shares with the webhook receiver (`@lexbridge/core/intake`): the ids
 * already enqueued back to `watermark - max(overlap, reconciliation window)`, at most
 * {@link SEEN_MAX} of them. Events enqueued in a batch have no job id of their own to dedupe them,
 * so this memory is what does. Checkpoint writes are fenced by the leader lease.
 */
import type { Redis } from 'ioredis';
import { createSeenStore, rememberLua, SEEN_MAX, type SeenStore } from '@lexbridge/core/intake';
import { readCheckpoint, type Checkpoint, type PollerKeys } from '@lexbridge/core/poller-state';

// KEYS: lease, checkpoint hash, seen zset, claims hash. ARGV: lease value, watermark ms, watermark
// ISO, trim-below ms, now ISO, max ids kept, then score/id pairs. The watermark only moves forward;
// the ids recorded lose their claims.
const ADVANCE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local current = tonumber(redis.call('HGET', KEYS[2], 'watermarkMs') or '-1')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[2], 'watermarkMs', ARGV[2], 'watermark', ARGV[3])
end
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[5])
${rememberLua(3, 4, 7)}
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
if #ARGV > 6 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -1 - tonumber(ARGV[6])) end
return 1`;

export interface CheckpointStore extends SeenStore {
  read(): Promise<Checkpoint | undefined>;
  /**
   * Records `events` as enqueued and moves the watermark to `watermarkMs` (never backwards),
   * trimming remembered ids older than `trimBelowMs`. Returns false, writing nothing, when the
   * lease is no longer held with `leaseValue`.
   */
  advance(args: { leaseValue: string; watermarkMs: number; trimBelowMs: number; events: Array<{ id: string; createdAtMs: number }> }): Promise<boolean>;
}

export type CheckpointKeys = Pick<PollerKeys, 'lease' | 'checkpoint' | 'seen' | 'claims'>;

export function createCheckpointStore(redis: Redis, keys: CheckpointKeys, now: () => number = Date.now, maxSeen = SEEN_MAX): CheckpointStore {
  return {
    ...createSeenStore(redis, keys, now, maxSeen),
    read: () => readCheckpoint(redis, keys),
    async advance({ leaseValue, watermarkMs, trimBelowMs, events }) {
      const pairs = events.flatMap((e) => [String(e.createdAtMs), e.id]);
      const result = await redis.eval(
        ADVANCE,
        4,
        keys.lease,
        keys.checkpoint,
        keys.seen,
        keys.claims,
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
  };
}
