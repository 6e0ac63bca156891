/**
 * Stored-event intake: how an event Lexamica stored becomes a job exactly once, whichever path
 * brought it (the poller reading pages, the receiver taking a webhook delivery).
 *
 * Both paths share the **seen-id memory** (ids already enqueued, scored by their creation time) and
 * a short **claim** on each id they are about to enqueue: an id is taken only when it is neither
 * remembered nor claimed by the other path, enqueued, then remembered (which drops the claim). A
 * path that dies between claim and enqueue leaves a claim that lapses after its TTL, and the
 * poller's overlap re-read (its count of remembered ids no longer matches Lexamica's) or the
 * reconciliation sweep enqueues the event then. Nothing is remembered before it is enqueued.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '@lexbridge/infra/redis';
import { BATCH_JOBS, jobCatalog, jobIdFor, MAX_BATCH_EVENTS, type BatchQueue, type EnqueueItem, type StoredEventJob, type StoredEventJobName } from '../jobs/index.js';
import type { Keyspace } from '@lexbridge/infra/redis';
import { coreScripts } from '../commands/index.js';
import { pollerKeys, type PollerKeys } from '../poller-state/index.js';
import type { PersonalDataPolicy } from '../firm-config/personal-data.js';

/** Most ids the seen-id memory keeps (the newest); about 100 bytes each in Redis. */
export const SEEN_MAX = 200_000;

/** How long a claim holds an id by default (ms): longer than an enqueue takes, far shorter than the poll overlap. */
export const CLAIM_TTL_MS = 30_000;

/** The keys both paths share: the poller's seen-id memory and the claims beside it. */
export function intakeKeys(keyspace: Keyspace): IntakeKeys {
  const { seen, claims } = pollerKeys(keyspace);
  return { seen, claims };
}

export type IntakeKeys = Pick<PollerKeys, 'seen' | 'claims'>;

/**
 * Records enqueued events and moves the poller's watermark in one step, fenced by the lease
 * (`commands/advanceCheckpoint-4.lua`). Returns false, writing nothing, when the lease is not held
 * with `leaseValue`.
 */
export async function advanceCheckpoint(
  redis: RedisClient,
  keys: Pick<PollerKeys, 'lease' | 'checkpoint' | 'seen' | 'claims'>,
  a: { leaseValue: string; watermarkMs: number; trimBelowMs: number; nowMs: number; maxSeen: number; events: StampedId[] },
): Promise<boolean> {
  coreScripts.define(redis);
  const pairs = a.events.flatMap((e) => [String(e.createdAtMs), e.id]);
  const result = await coreScripts.run(
    redis,
    'advanceCheckpoint',
    [keys.lease, keys.checkpoint, keys.seen, keys.claims],
    [a.leaseValue, String(a.watermarkMs), new Date(a.watermarkMs).toISOString(), String(a.trimBelowMs), new Date(a.nowMs).toISOString(), String(a.maxSeen), ...pairs],
  );
  return result === 1;
}

/** An event's id and creation time (ms), as the seen-id memory keeps it. */
export interface StampedId {
  id: string;
  createdAtMs: number;
}

export interface SeenStore {
  readonly keys: IntakeKeys;
  /** Of `ids`, those the seen-id memory does not hold. */
  unseen(ids: string[]): Promise<Set<string>>;
  /**
   * Of `ids`, those neither remembered nor claimed by another path now (`claimed`: each is now
   * claimed for `ttlMs`), and those another path holds a claim on (`held`: being enqueued there).
   */
  claim(ids: string[], ttlMs?: number): Promise<{ claimed: Set<string>; held: Set<string> }>;
  /** Records `events` as enqueued and drops their claims. */
  remember(events: StampedId[]): Promise<void>;
  /** Drops claims on ids that were not enqueued after all (the enqueue failed). */
  release(ids: string[]): Promise<void>;
  /** Size of the seen-id memory (a gauge: it must stay bounded). */
  seenCount(): Promise<number>;
  /** How many remembered ids were created between `fromMs` and `toMs` (both inclusive). */
  seenBetween(fromMs: number, toMs: number): Promise<number>;
}

export function createSeenStore(redis: RedisClient, keys: IntakeKeys, now: () => number = Date.now, maxSeen = SEEN_MAX): SeenStore {
  coreScripts.define(redis);
  return {
    keys,
    async unseen(ids) {
      if (ids.length === 0) return new Set();
      const scores = await redis.zmscore(keys.seen, ...ids);
      return new Set(ids.filter((_, i) => scores[i] === null));
    },
    async claim(ids, ttlMs = CLAIM_TTL_MS) {
      if (ids.length === 0) return { claimed: new Set(), held: new Set() };
      const [claimed, held] = (await coreScripts.run(redis, 'claimEvents', [keys.seen, keys.claims], [String(now()), String(ttlMs), ...ids])) as [string[], string[]];
      return { claimed: new Set(claimed), held: new Set(held) };
    },
    async remember(events) {
      if (events.length === 0) return;
      await coreScripts.run(redis, 'rememberEvents', [keys.seen, keys.claims], [String(maxSeen), ...events.flatMap((e) => [String(e.createdAtMs), e.id])]);
    },
    async release(ids) {
      if (ids.length > 0) await redis.hdel(keys.claims, ...ids);
    },
    seenCount: () => redis.zcard(keys.seen),
    seenBetween: (fromMs, toMs) => redis.zcount(keys.seen, fromMs, toMs),
  };
}

/**
 * The jobs for new events: per queue, the event's own job (id = event id) when it is the only one,
 * else one batch (id from the events' ids, so enqueueing the same events twice adds them once).
 * Each payload goes through `personal` first: by default the client's personal fields never become
 * job data (nor, through the job, a feed item).
 */
export function storedEventItems(events: ReadonlyArray<{ job: StoredEventJobName; event: StoredEventJob }>, personal: Pick<PersonalDataPolicy, 'strip'>): EnqueueItem[] {
  const byQueue = new Map<BatchQueue, Array<{ job: StoredEventJobName; event: StoredEventJob }>>();
  for (const e of events) {
    const queue = jobCatalog[e.job].queue;
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), { job: e.job, event: { ...e.event, payload: personal.strip(e.event.payload, e.job) } }]);
  }
  const items: EnqueueItem[] = [];
  for (const [queue, list] of byQueue) {
    for (let i = 0; i < list.length; i += MAX_BATCH_EVENTS) {
      const chunk = list.slice(i, i + MAX_BATCH_EVENTS);
      if (chunk.length === 1) {
        const [only] = chunk;
        items.push({ name: only!.job, payload: only!.event, opts: { jobId: jobIdFor('ev', only!.event.id) } });
        continue;
      }
      const digest = createHash('sha256')
        .update(chunk.map((e) => e.event.id).join('\n'))
        .digest('hex')
        .slice(0, 32);
      items.push({ name: BATCH_JOBS[queue], payload: { events: chunk }, opts: { jobId: jobIdFor('batch', digest) } });
    }
  }
  return items;
}

/** Events' ids and creation times (ms); those without a readable time are left out. */
export function stamped(events: ReadonlyArray<{ id: string; createdAt: string }>): StampedId[] {
  return events.map((e) => ({ id: e.id, createdAtMs: Date.parse(e.createdAt) })).filter((e) => Number.isFinite(e.createdAtMs));
}
