/**
 * The polling service: one leader across replicas reads `checkpoint - overlap` to now every
 * interval, pages to the end, enqueues each new event once and advances the checkpoint; at a slower
 * cadence it re-reads a longer window (reconciliation); on request it re-reads a range (backfill).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';
import { configurationProblem, type StoredEvent } from '@lexbridge/lexamica-client';
import { enqueue, jobIdFor, type QueueSet, type RoutedEventNames } from '@lexbridge/core/jobs';
import { pollerKeys, readGap, writeGap } from '@lexbridge/core/poller-state';
import { errorKind } from '@lexbridge/infra/errors';
import type { Logger } from '@lexbridge/infra/logger';
import type { PersonalDataPolicy } from '@lexbridge/core/firm-config';
import { stamped } from '@lexbridge/core/intake';
import { createCheckpointStore, type CheckpointStore } from './checkpoint.js';
import { createLease, type Lease } from './lease.js';
import type { PollerMetrics } from './metrics.js';
import { inSpan } from '@lexbridge/infra/tracing';
import { readRange, type EventSource, type ReadMode, type ReadRangeResult } from './read-range.js';

/** Timing of the poller (all in milliseconds). */
export interface PollerTiming {
  /** Time between polls (POLL_INTERVAL_MS, default 60 000). */
  intervalMs: number;
  /** How far before the checkpoint each poll starts (POLL_OVERLAP_MS, default 300 000). */
  overlapMs: number;
  /**
   * The recent part of the overlap that every poll re-reads (default 2 000, at most `overlapMs`).
   * The older part is re-read only when Lexamica holds a different number of events there than the
   * ids remembered as enqueued (an event stored late, or stored twice): re-reading the whole
   * overlap on every poll costs rate × overlap events per poll (60 000 at 200/s and 5 minutes).
   */
  recentOverlapMs?: number;
  /** Reconciliation cadence and window (defaults: hourly, 24 h). */
  reconcileIntervalMs: number;
  reconcileWindowMs: number;
  /** Where the very first poll starts, before now (POLL_INITIAL_LOOKBACK_MS, default 7 days). */
  initialLookbackMs: number;
  /** How long Lexamica keeps stored events (LEXAMICA_RETENTION_MS, default 30 days). */
  retentionMs?: number;
  /** Page size asked of Lexamica (default 100, the maximum). */
  pageSize?: number;
  /** Lease length (default 15 000; renewed every third of it). */
  leaseTtlMs?: number;
  /** Longest wait after repeated errors (default 5 minutes). */
  maxBackoffMs?: number;
}

export interface PollerDeps {
  source: EventSource;
  redis: RedisClient;
  queues: QueueSet;
  keyspace: Keyspace;
  eventNames: RoutedEventNames;
  metrics: PollerMetrics;
  logger: Logger;
  timing: PollerTiming;
  instanceId?: string;
  now?: () => number;
  random?: () => number;
  /** Webhooks are on (`webhooks.url` in the YAML): polling reconciles, and counts what it finds in `lexbridge_webhook_missed_total`. */
  webhooks?: boolean;
  /** What is removed from each payload before it becomes job data (`personalDataPolicy(firm)`). */
  personalData: Pick<PersonalDataPolicy, 'strip'>;
}

export interface Poller {
  /** Starts the loop (returns at once). */
  start(): void;
  /** Stops the loop, lets the current page finish its enqueue, releases the lease. */
  stop(): Promise<void>;
  /** One poll pass, if this replica holds (or can take) the lease. */
  pollOnce(signal?: AbortSignal): Promise<ReadRangeResult | undefined>;
  reconcileOnce(signal?: AbortSignal): Promise<ReadRangeResult>;
  backfill(range: { from: Date; to: Date; event?: string }, signal?: AbortSignal): Promise<ReadRangeResult>;
  /** Whether this replica holds the lease now: false as soon as its TTL may have run out unrenewed. */
  isLeader(): boolean;
  readonly checkpoint: CheckpointStore;
  readonly lease: Lease;
}

export function createPoller(deps: PollerDeps): Poller {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const log = deps.logger;
  const keys = pollerKeys(deps.keyspace);
  const instanceId = deps.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const lease = createLease({ redis: deps.redis, key: keys.lease, instanceId, ttlMs: deps.timing.leaseTtlMs ?? 15_000 });
  const checkpoint = createCheckpointStore(deps.redis, keys, now);
  const pageSize = deps.timing.pageSize ?? 100;
  const recentOverlapMs = Math.min(deps.timing.recentOverlapMs ?? 2_000, deps.timing.overlapMs);
  const maxBackoffMs = deps.timing.maxBackoffMs ?? 300_000;
  const retentionMs = deps.timing.retentionMs ?? 30 * 86_400_000;
  // The seen-id memory covers every window a pass re-reads: the overlap and the reconciliation.
  const seenWindowMs = Math.max(deps.timing.overlapMs, deps.timing.reconcileWindowMs);

  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let cycle: AbortController | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let leader = false;
  // Until when (monotonic ms) the lease surely holds: the send time of the last acquire or renew
  // that succeeded, plus the TTL. A process stalled past it (GC, a busy machine) may have lost the
  // lease in Redis before its renewal timer runs, so it stops claiming leadership at once.
  let leaseValidUntil = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  function setLeader(value: boolean) {
    if (value !== leader) log.info({ instanceId, leader: value }, value ? 'this replica now polls (leader)' : 'this replica stopped polling (not leader)');
    leader = value;
    if (value && !renewTimer) {
      renewTimer = setInterval(() => void renewLease(), Math.max(50, Math.floor(lease.ttlMs / 3)));
      renewTimer.unref();
    }
    if (!value && renewTimer) {
      clearInterval(renewTimer);
      renewTimer = undefined;
    }
  }

  async function renewLease() {
    const sentAt = performance.now();
    try {
      if (await lease.renew()) {
        leaseValidUntil = sentAt + lease.ttlMs;
        return;
      }
    } catch (err) {
      log.warn({ err }, 'lease renewal failed');
    }
    // Lost (or could not confirm): stop polling at once; the fenced checkpoint write refuses anyway.
    deps.metrics.errors.inc({ kind: 'lease-lost' });
    cycle?.abort(new Error('lease lost'));
    setLeader(false);
  }

  async function ensureLeader(): Promise<boolean> {
    const sentAt = performance.now();
    const held = await lease.acquire();
    if (held) leaseValidUntil = sentAt + lease.ttlMs;
    setLeader(held);
    return held;
  }

  async function timed(mode: ReadMode, fn: () => Promise<ReadRangeResult>): Promise<ReadRangeResult> {
    const end = deps.metrics.pollDuration.startTimer({ mode });
    // One span per pass: every page read, enqueue and (through the jobs) every invitation it
    // starts belongs to its trace.
    return inSpan(`poller.${mode}`, { attributes: { 'lexbridge.mode': mode } }, async (span) => {
      try {
        const r = await fn();
        span.setAttributes({ 'lexbridge.events.read': r.read, 'lexbridge.events.enqueued': r.enqueued, 'lexbridge.pages': r.pages });
        end({ outcome: r.completed ? 'ok' : 'stopped' });
        return r;
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    });
  }

  async function pollOnce(signal?: AbortSignal): Promise<ReadRangeResult | undefined> {
    if (!(await ensureLeader())) return undefined;
    const leaseValue = lease.value!;
    const cp = await checkpoint.read();
    const toMs = now();
    const watermarkMs = cp?.watermarkMs ?? toMs - deps.timing.initialLookbackMs;
    if (!cp) await firstStart(toMs, watermarkMs);
    else if (watermarkMs < toMs - retentionMs) await announceGap({ reason: 'retention', fromMs: watermarkMs, toMs: toMs - retentionMs });
    const overlapFromMs = Math.max(0, watermarkMs - deps.timing.overlapMs);
    const fromMs = await overlapStart(overlapFromMs, watermarkMs, signal);
    let highest = watermarkMs;
    const result = await timed('poll', () =>
      readRange(
        { ...deps, checkpoint, now },
        {
          mode: 'poll',
          from: new Date(fromMs),
          to: new Date(toMs),
          pageSize,
          ...(signal ? { signal } : {}),
          afterPage: async (events: StoredEvent[]) => {
            // Pages come sorted by createdAt: everything up to the page's last event is enqueued,
            // but for late inserts, which the next pass's overlap re-reads.
            const seen = stamped(events);
            for (const e of seen) if (e.createdAtMs > highest && e.createdAtMs <= toMs) highest = e.createdAtMs;
            return advance(leaseValue, highest, seen);
          },
        },
      ),
    );
    // The whole range up to `to` has been read: the watermark moves to it.
    if (result.completed && !(await advance(leaseValue, toMs, []))) result.completed = false;
    if (!result.completed) setLeader(false);
    log.debug({ ...result, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), fullOverlap: fromMs === overlapFromMs }, 'poll pass');
    return result;
  }

  /**
   * Where a poll starts reading: `watermark - recentOverlapMs`, unless the older part of the overlap
   * window holds events the checkpoint has not recorded (Lexamica's count differs from the ids
   * remembered there, or gives none), then the start of the whole window.
   */
  async function overlapStart(overlapFromMs: number, watermarkMs: number, signal?: AbortSignal): Promise<number> {
    const recentFromMs = Math.max(overlapFromMs, watermarkMs - recentOverlapMs);
    if (recentFromMs <= overlapFromMs) return overlapFromMs;
    const olderToMs = recentFromMs - 1;
    const [stored, seen] = await Promise.all([storedBetween(overlapFromMs, olderToMs, signal), checkpoint.seenBetween(overlapFromMs, olderToMs)]);
    return stored === seen ? recentFromMs : overlapFromMs;
  }

  /** Lexamica's count of stored events in a range (one single-event page); undefined when it gives none. */
  async function storedBetween(fromMs: number, toMs: number, signal?: AbortSignal): Promise<number | undefined> {
    const pages = deps.source.pages({ from: new Date(fromMs), to: new Date(toMs), pageSize: 1 }, signal ? { signal } : {});
    for await (const page of pages) return page.total;
    return 0;
  }

  /**
   * The first poll of an installation reads from `fromMs`: anything stored before it is not read.
   * Said once (the first start is remembered), unless Lexamica no longer keeps anything older anyway.
   */
  async function firstStart(atMs: number, fromMs: number) {
    if (!(await deps.redis.set(keys.firstStart, String(atMs), 'NX'))) return;
    if (deps.timing.initialLookbackMs >= retentionMs) return;
    await announceGap({ reason: 'first-start', toMs: fromMs });
  }

  /**
   * Stored events that may never be read: announced to the CMS by a processor (an `events.gap`
   * job on the maintenance queue, so the feed and the webhook carry it like every other item),
   * counted in `lexbridge_poller_gaps_total`, kept in Redis for `lexbridge status`, and logged.
   */
  async function announceGap(g: { reason: 'retention' | 'first-start'; fromMs?: number; toMs: number }) {
    const from = g.fromMs === undefined ? undefined : new Date(g.fromMs).toISOString();
    const to = new Date(g.toMs).toISOString();
    const last = await readGap(deps.redis, keys);
    if (last?.reason === g.reason && last.from === from && last.to === to) return;
    const message =
      g.reason === 'retention'
        ? `the checkpoint (${from}) is older than Lexamica keeps stored events (LEXAMICA_RETENTION_MS): events stored between ${from} and ${to} may be gone unread. Check for invitations and updates of that time on Lexamica itself; \`lexbridge backfill --from ${from} --to ${to}\` reads whatever it still has`
        : `first start: stored events are read from ${to} (POLL_INITIAL_LOOKBACK_MS); anything stored before was not read. \`lexbridge backfill --from <time> --to ${to}\` reads it`;
    const detectedAt = new Date(now()).toISOString();
    await enqueue(deps.queues, 'events.gap', { reason: g.reason, ...(from !== undefined && { from }), to, detectedAt, message }, { jobId: jobIdFor('gap', `${g.reason}:${from ?? ''}:${to}`) });
    await writeGap(deps.redis, keys, { reason: g.reason, ...(from !== undefined && { from }), to, detectedAt, message });
    deps.metrics.gaps.inc({ reason: g.reason });
    if (g.reason === 'retention') log.error({ from, to }, message);
    else log.warn({ to }, message);
  }

  async function advance(leaseValue: string, watermarkMs: number, events: Array<{ id: string; createdAtMs: number }>) {
    const ok = await checkpoint.advance({ leaseValue, watermarkMs, trimBelowMs: watermarkMs - seenWindowMs, events });
    if (!ok) {
      deps.metrics.errors.inc({ kind: 'lease-lost' });
      log.warn({ instanceId }, 'lease lost: checkpoint not moved, polling stops');
    }
    return ok;
  }

  async function reconcileOnce(signal?: AbortSignal): Promise<ReadRangeResult> {
    const toMs = now();
    const result = await timed('reconcile', () =>
      readRange({ ...deps, checkpoint, now }, { mode: 'reconcile', from: new Date(toMs - deps.timing.reconcileWindowMs), to: new Date(toMs), pageSize, ...(signal ? { signal } : {}) }),
    );
    await deps.redis.set(keys.lastReconcile, String(toMs));
    if (result.enqueued > 0) log.warn({ enqueued: result.enqueued }, 'reconciliation found events the polls had missed');
    return result;
  }

  async function backfill(range: { from: Date; to: Date; event?: string }, signal?: AbortSignal): Promise<ReadRangeResult> {
    const result = await timed('backfill', () =>
      readRange({ ...deps, checkpoint, now }, { mode: 'backfill', from: range.from, to: range.to, pageSize, ...(range.event ? { event: range.event } : {}), ...(signal ? { signal } : {}) }),
    );
    log.info({ ...result, from: range.from.toISOString(), to: range.to.toISOString() }, 'backfill done');
    return result;
  }

  async function reconcileDue(): Promise<boolean> {
    const last = Number((await deps.redis.get(keys.lastReconcile)) ?? 0);
    return now() - last >= deps.timing.reconcileIntervalMs;
  }

  function backoffMs(err: unknown, failures: number): number {
    const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs;
    const exp = Math.min(maxBackoffMs, 1_000 * 2 ** Math.min(failures, 12));
    const jittered = Math.floor(exp / 2 + random() * (exp / 2));
    return Math.max(retryAfter ?? 0, jittered);
  }

  async function run() {
    let failures = 0;
    while (running) {
      let wait = deps.timing.intervalMs;
      cycle = new AbortController();
      try {
        const result = await pollOnce(cycle.signal);
        if (!result) {
          wait = Math.min(deps.timing.intervalMs, Math.max(50, Math.floor(lease.ttlMs / 3)));
        } else if (running && leader && (await reconcileDue())) {
          await reconcileOnce(cycle.signal);
        }
        failures = 0;
      } catch (err) {
        if (!running) break;
        failures += 1;
        const kind = errorKind(err);
        deps.metrics.errors.inc({ kind });
        wait = Math.max(backoffMs(err, failures), Math.min(deps.timing.intervalMs, 1_000));
        const problem = configurationProblem(err);
        log.warn({ err, kind, failures, retryInMs: wait, ...(problem && { problem }) }, 'poll failed; checkpoint kept, retrying after backoff');
      }
      if (running) await sleep(wait);
    }
  }

  return {
    checkpoint,
    lease,
    pollOnce,
    reconcileOnce,
    backfill,
    isLeader: () => leader && performance.now() < leaseValidUntil,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      cycle?.abort(new Error('stopping'));
      await loop?.catch((err: unknown) => log.warn({ err }, 'the poll loop ended with an error while stopping'));
      setLeader(false);
      await lease.release().catch((err: unknown) => log.warn({ err }, 'could not release the poller lease at stop; another poller takes over when it expires'));
    },
  };
}
