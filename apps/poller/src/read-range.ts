/**
 * Reads a time range of stored events to the end and enqueues each new one exactly once, into its
 * queue by event type: on its own (job id = event id) when it is the page's only new event for its
 * queue, else in one batch job with the page's other events for that queue (one BullMQ job costs
 * about 34 Redis commands; a page of 100 events in one job costs a hundredth of that per event).
 * Used by the poll loop, the reconciliation sweep and backfills; only the poll loop moves the
 * checkpoint, but every mode records the ids it enqueued.
 */
import { inSpan } from '@lexbridge/infra/tracing';
import { createHash } from 'node:crypto';
import type { EventPage, RejectedEvent, StoredEvent } from '@lexbridge/lexamica-client';
import {
  enqueueMany,
  jobCatalog,
  jobForEvent,
  jobIdFor,
  type EnqueueItem,
  type QueueSet,
  type StoredEventJob,
  type StoredEventJobName,
  type RoutedEventNames,
} from '@lexbridge/core/jobs';
import type { Logger } from '@lexbridge/infra/logger';
import type { PersonalDataPolicy } from '@lexbridge/core/firm-config';
import type { RedisClient } from '@lexbridge/infra/redis';
import { stamped, storedEventItems } from '@lexbridge/core/intake';
import type { CheckpointStore } from './checkpoint.js';
import type { PollerMetrics } from './metrics.js';

export type ReadMode = 'poll' | 'reconcile' | 'backfill';

/** The part of the Lexamica client the poller reads with. */
export interface EventSource {
  pages(q: { from?: Date | string; to?: Date | string; event?: string; pageSize?: number }, o?: { signal?: AbortSignal }): AsyncGenerator<EventPage>;
}

export interface ReadRangeDeps {
  source: EventSource;
  redis: RedisClient;
  queues: QueueSet;
  checkpoint: CheckpointStore;
  eventNames: RoutedEventNames;
  metrics: PollerMetrics;
  logger: Logger;
  now?: () => number;
  /** Webhooks are on: what a poll or reconciliation enqueues is counted as missed by them. */
  webhooks?: boolean;
  /** What is removed from each payload before it becomes job data (the client's personal fields, by default). */
  personalData: Pick<PersonalDataPolicy, 'strip'>;
}

export interface ReadRangeOptions {
  mode: ReadMode;
  from: Date;
  to: Date;
  event?: string;
  pageSize?: number;
  signal?: AbortSignal;
  /**
   * Called after each page's new events are enqueued, with every event of the page. The poll loop
   * records them and moves the checkpoint here; returning false (lease lost) stops the read.
   */
  afterPage?: (events: StoredEvent[]) => Promise<boolean>;
}

export interface ReadRangeResult {
  read: number;
  enqueued: number;
  duplicates: number;
  quarantined: number;
  pages: number;
  /** False when `afterPage` stopped the read. */
  completed: boolean;
}

/** A malformed item, set aside by the client. */
type RejectedItem = RejectedEvent;

export async function readRange(deps: ReadRangeDeps, opts: ReadRangeOptions): Promise<ReadRangeResult> {
  const now = deps.now ?? Date.now;
  const result: ReadRangeResult = { read: 0, enqueued: 0, duplicates: 0, quarantined: 0, pages: 0, completed: true };
  // Ids met earlier in this same pass: a page shifted by a late insert shows them again.
  const thisPass = new Set<string>();
  const pages = deps.source.pages(
    { from: opts.from, to: opts.to, ...(opts.event ? { event: opts.event } : {}), ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) },
    { ...(opts.signal ? { signal: opts.signal } : {}) },
  );
  for await (const page of pages) {
    result.pages += 1;
    deps.metrics.pages.inc({ mode: opts.mode });
    result.read += page.events.length;
    deps.metrics.eventsRead.inc({ mode: opts.mode }, page.events.length);

    const fresh = page.events.filter((e) => !thisPass.has(e.id));
    for (const e of page.events) thisPass.add(e.id);
    // Claimed: new to both paths, ours to enqueue. Held: the webhook receiver is enqueueing it now.
    const { claimed, held } = await deps.checkpoint.claim([...new Set(fresh.map((e) => e.id))]);
    const unique = fresh.filter((e) => claimed.delete(e.id));
    const toAdd = opts.mode === 'poll' ? unique : await notAlreadyQueued(deps, unique);
    result.duplicates += page.events.length - toAdd.length;
    deps.metrics.duplicatesDropped.inc({ mode: opts.mode }, page.events.length - toAdd.length);

    // The client parsed each event against the stored-event job's own schema (set aside as
    // `rejected` what failed): they are enqueued as they are.
    const events = toAdd.map((e): { job: StoredEventJobName; event: StoredEventJob } => ({ job: jobForEvent(e.event, deps.eventNames), event: e }));
    const rejected = page.rejected;
    const items: EnqueueItem[] = [...storedEventItems(events, deps.personalData), ...rejected.map((r) => quarantineItem(r, now()))];
    try {
      if (items.length > 0) await inSpan('poller.page', { attributes: { 'lexbridge.page': result.pages, 'lexbridge.events.read': page.events.length, 'lexbridge.events.enqueued': events.length } }, () => enqueueMany(deps.queues, items));
    } catch (err) {
      // Not enqueued: let the receiver (or the next pass) take them at once rather than after the claim lapses.
      await deps.checkpoint.release(unique.map((e) => e.id)).catch((releaseErr: unknown) => deps.logger.warn({ err: releaseErr }, 'claims not released; they lapse on their own'));
      throw err;
    }
    for (const e of events) deps.metrics.eventsEnqueued.inc({ mode: opts.mode, queue: jobCatalog[e.job].queue });
    // Events no webhook had delivered by now (only counted while webhooks are on; a backfill is asked for).
    if (deps.webhooks && opts.mode !== 'backfill' && events.length > 0) deps.metrics.webhookMissed.inc({ mode: opts.mode }, events.length);
    // The poll loop records them with the checkpoint (fenced by its lease); the other modes here,
    // with those found already queued (their claims go too).
    if (opts.mode !== 'poll') await deps.checkpoint.remember(stamped(unique));
    result.enqueued += events.length;
    result.quarantined += rejected.length;
    if (rejected.length > 0) {
      deps.metrics.quarantined.inc(rejected.length);
      deps.logger.warn({ count: rejected.length, reasons: rejected.map((r) => r.reason).slice(0, 5) }, 'malformed stored events quarantined');
    }
    // An event the receiver holds is not ours to record: if its enqueue fails, a later pass must still find it new.
    if (opts.afterPage && !(await opts.afterPage(held.size === 0 ? page.events : page.events.filter((e) => !held.has(e.id))))) {
      result.completed = false;
      break;
    }
  }
  return result;
}

/**
 * Of events the seen-id memory does not hold (older than it keeps), those whose own job does not
 * exist either. An event enqueued in a batch has no job of its own: only the memory finds it.
 */
async function notAlreadyQueued(deps: ReadRangeDeps, events: StoredEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return events;
  const keys = events.map((e) => deps.queues.get(jobCatalog[jobForEvent(e.event, deps.eventNames)].queue).toKey(jobIdFor('ev', e.id)));
  const pipeline = deps.redis.pipeline();
  for (const k of keys) pipeline.exists(k);
  const replies = (await pipeline.exec()) ?? [];
  return events.filter((_, i) => replies[i]?.[1] === 0);
}

function quarantineItem(r: RejectedItem, nowMs: number): EnqueueItem<'stored-event.quarantine'> {
  const digest = createHash('sha256').update(JSON.stringify(r.raw) ?? 'undefined').digest('hex').slice(0, 32);
  return {
    name: 'stored-event.quarantine',
    payload: { reason: r.reason, raw: r.raw, receivedAt: new Date(nowMs).toISOString() },
    opts: { jobId: jobIdFor('quarantine', digest) },
  };
}
