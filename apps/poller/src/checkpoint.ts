/**
 * The poller's checkpoint: the high-water time up to which every stored event is durably enqueued,
 * over the seen-id memory it shares with the webhook receiver (`@lexbridge/core/intake`): the ids
 * already enqueued back to `watermark - max(overlap, reconciliation window)`, at most
 * {@link SEEN_MAX} of them. Events enqueued in a batch have no job id of their own to dedupe them,
 * so this memory is what does. Checkpoint writes are fenced by the leader lease.
 */
import type { Redis } from 'ioredis';
import { advanceCheckpoint, createSeenStore, SEEN_MAX, type SeenStore } from '@lexbridge/core/intake';
import { readCheckpoint, type Checkpoint, type PollerKeys } from '@lexbridge/core/poller-state';

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
    advance: ({ leaseValue, watermarkMs, trimBelowMs, events }) => advanceCheckpoint(redis, keys, { leaseValue, watermarkMs, trimBelowMs, nowMs: now(), maxSeen, events }),
  };
}
