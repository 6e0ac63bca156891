/**
 * The poller's state in Redis, defined once: the poller writes it; the API's metrics and
 * `lexbridge status` read it through these functions rather than spelling out keys and fields.
 */
import type { Redis } from 'ioredis';
import type { Keyspace } from '@lexbridge/infra/redis';

/** The Redis keys the poller owns. */
export function pollerKeys(keyspace: Keyspace) {
  return {
    /** The leader lease (string: the holder's instance id and fencing token). */
    lease: keyspace.key('poller', 'leader'),
    /** The checkpoint (hash: `watermarkMs`, `watermark` the same as ISO, `updatedAt` ISO). */
    checkpoint: keyspace.key('poller', 'checkpoint'),
    /** The seen-id memory (zset: event id scored by its creation time, ms), shared with the webhook receiver (`@lexbridge/core/intake`). */
    seen: keyspace.key('poller', 'seen'),
    /** Claims on event ids being enqueued by the poller or the receiver (hash: id → until when, ms). */
    claims: keyspace.key('poller', 'claims'),
    /** When the last reconciliation sweep ran (ms). */
    lastReconcile: keyspace.key('poller', 'last-reconcile'),
    /** The last gap announced (hash: reason, from, to, detectedAt, message), for `lexbridge status`. */
    gap: keyspace.key('poller', 'gap'),
    /** When the first poll of this installation ran (ms), so its gap is announced once. */
    firstStart: keyspace.key('poller', 'first-start'),
  };
}

export type PollerKeys = ReturnType<typeof pollerKeys>;

export interface Checkpoint {
  /** Everything stored at or before this time has been enqueued (but for late arrivals, which the overlap re-reads). */
  watermarkMs: number;
  /** When the checkpoint last moved (or was confirmed). */
  updatedAt?: string;
}

/** The checkpoint, or undefined before the first poll has written one. */
export async function readCheckpoint(redis: Redis, keys: Pick<PollerKeys, 'checkpoint'>): Promise<Checkpoint | undefined> {
  const h = await redis.hgetall(keys.checkpoint);
  if (h.watermarkMs === undefined) return undefined;
  return { watermarkMs: Number(h.watermarkMs), ...(h.updatedAt !== undefined && { updatedAt: h.updatedAt }) };
}

/** A gap: stored events that may never be read (before the first start, or past Lexamica's retention). */
export interface Gap {
  reason: 'retention' | 'first-start';
  /** ISO; absent for a first start. */
  from?: string;
  to: string;
  detectedAt: string;
  message: string;
}

/** The last gap the poller announced, or undefined when there was none. */
export async function readGap(redis: Redis, keys: Pick<PollerKeys, 'gap'>): Promise<Gap | undefined> {
  const h = await redis.hgetall(keys.gap);
  if (h.reason !== 'retention' && h.reason !== 'first-start') return undefined;
  return { reason: h.reason, ...(h.from && { from: h.from }), to: h.to ?? '', detectedAt: h.detectedAt ?? '', message: h.message ?? '' };
}

export async function writeGap(redis: Redis, keys: Pick<PollerKeys, 'gap'>, gap: Gap): Promise<void> {
  await redis.hset(keys.gap, { reason: gap.reason, from: gap.from ?? '', to: gap.to, detectedAt: gap.detectedAt, message: gap.message });
}
