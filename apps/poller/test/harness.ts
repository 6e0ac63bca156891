/**
 * The poller's test harness: a scripted Lexamica stored-event store (pages served like Lexamica
 * serves them, with hooks to store events or fail between pages) and pollers on a real Redis with
 * an injected clock, each under its own key prefix.
 */
import { Registry } from 'prom-client';
import { defaultProfile, type EventPage, type StoredEvent } from '@lexbridge/lexamica-client';
import { QueueSet, storedEventsOf } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, type Keyspace } from '@lexbridge/infra/redis';
import type { createTestRedis } from '@lexbridge/testkit';
import { createPollerMetrics } from '../src/metrics.js';
import { createPoller, type Poller, type PollerTiming } from '../src/poller.js';
import type { EventSource } from '../src/read-range.js';
import { routedEventNames } from '../src/service.js';
import { personalDataPolicy } from '@lexbridge/core/firm-config';

/** One range asked of the store (a read or a count), in ms. */
export interface RangeQuery {
  fromMs: number;
  toMs: number;
  pageSize: number;
}

/** Runs before the store serves page `index` (0-based) of a read: store a late event, or throw. */
export type BeforePage = (index: number, query: RangeQuery) => void;

export interface ScriptedStore {
  source: EventSource;
  /** Every range asked for, in order. */
  readonly queries: RangeQuery[];
  /** Stores an event created at `atMs` (after those with the same time); returns it. */
  add(atMs: number): StoredEvent;
  /** Stores `count` events all created at `atMs`. */
  addMany(count: number, atMs: number): StoredEvent[];
  /** Every event stored, sorted as Lexamica sorts them. */
  readonly events: readonly StoredEvent[];
  /** Sets (or, with undefined, clears) the hook run before each page is served. */
  beforePage(hook: BeforePage | undefined): void;
}

let serial = 0;
const ms = (d: Date | string | undefined, fallback: number) => (d === undefined ? fallback : Date.parse(d instanceof Date ? d.toISOString() : d));

/**
 * A Lexamica stored-event store in memory. Like Lexamica, each page is its own query with `skip`
 * over the events in the range at the time it is asked: an event stored between two pages shifts
 * the later ones.
 */
export function createScriptedStore(): ScriptedStore {
  const events: StoredEvent[] = [];
  const queries: RangeQuery[] = [];
  let hook: BeforePage | undefined;
  const store: ScriptedStore = {
    queries,
    events,
    source: {
      async *pages(q) {
        const query = { fromMs: ms(q.from, 0), toMs: ms(q.to, Number.MAX_SAFE_INTEGER), pageSize: q.pageSize ?? 100 };
        queries.push(query);
        // As the client's iterator does: pages until an empty one, which is not yielded.
        for (let index = 0, skip = 0; ; index += 1) {
          hook?.(index, query);
          const inRange = events.filter((e) => Date.parse(e.createdAt) >= query.fromMs && Date.parse(e.createdAt) <= query.toMs);
          const page: EventPage = { events: inRange.slice(skip, skip + query.pageSize), rejected: [], total: inRange.length, skip, limit: query.pageSize };
          if (page.events.length === 0) return;
          yield page;
          skip += page.events.length;
        }
      },
    },
    add(atMs) {
      serial += 1;
      const event: StoredEvent = { id: `ev${serial}`, event: 'Case Update Made', createdAt: new Date(atMs).toISOString(), payload: { n: serial } };
      // After every event at or before its time: ties keep the order they were stored in.
      const at = events.findIndex((e) => Date.parse(e.createdAt) > atMs);
      events.splice(at === -1 ? events.length : at, 0, event);
      return event;
    },
    addMany(count, atMs) {
      return Array.from({ length: count }, () => store.add(atMs));
    },
    beforePage(h) {
      hook = h;
    },
  };
  return store;
}

/** A settable clock, in ms. */
export interface TestClock {
  now: () => number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function createTestClock(start = Date.parse('2026-01-01T12:00:00.000Z')): TestClock {
  let t = start;
  return {
    now: () => t,
    set: (v) => void (t = v),
    advance: (d) => void (t += d),
  };
}

const TEST_TIMING: PollerTiming = {
  intervalMs: 1_000,
  overlapMs: 30_000,
  recentOverlapMs: 2_000,
  reconcileIntervalMs: 3_600_000,
  reconcileWindowMs: 86_400_000,
  initialLookbackMs: 60_000,
};

export interface TestPoller {
  poller: Poller;
  queues: QueueSet;
  keyspace: Keyspace;
  registry: Registry;
  /** Every stored-event id enqueued (in single or batch jobs), once per time it was enqueued. */
  enqueuedIds(): Promise<string[]>;
}

/**
 * Pollers on a real Redis (a `createTestRedis` handle), one key prefix each unless given one (two
 * replicas, or a restart after a crash, share it). Call `stop()` after each test.
 */
export function createPollerFactory(t: ReturnType<typeof createTestRedis>) {
  const started: Array<{ poller: Poller; queues: QueueSet }> = [];
  let n = 0;
  return {
    start(opts: { store: ScriptedStore; clock: TestClock; timing?: Partial<PollerTiming>; prefix?: string; instanceId?: string }): TestPoller {
      const keyspace = createKeyspace(opts.prefix ?? `${t.prefix}:${(n += 1)}`);
      const queues = new QueueSet(t.redis, keyspace);
      const registry = new Registry();
      const poller = createPoller({
        source: opts.store.source,
        redis: t.redis,
        queues,
        keyspace,
        eventNames: routedEventNames({ profile: defaultProfile }),
        metrics: createPollerMetrics(registry, { checkpointAgeSeconds: async () => undefined, isLeader: () => poller.isLeader(), seenIds: async () => 0 }),
        logger: createLogger({ name: 'poller-test', level: 'silent' }),
        timing: { ...TEST_TIMING, ...opts.timing },
        personalData: personalDataPolicy({ mappings: {} }),
        now: opts.clock.now,
        ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
      });
      started.push({ poller, queues });
      const enqueuedIds = async () => {
        const ids: string[] = [];
        for (const q of ['invitations', 'inbound'] as const) {
          const jobs = await queues.get(q).getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
          ids.push(...jobs.flatMap((j) => storedEventsOf(j).map((e) => e.id)));
        }
        return ids;
      };
      return { poller, queues, keyspace, registry, enqueuedIds };
    },
    /** A fresh key prefix for pollers that share state. */
    prefix: () => `${t.prefix}:${(n += 1)}`,
    async stop() {
      while (started.length) {
        const { poller, queues } = started.pop()!;
        await poller.stop();
        await queues.close();
      }
    },
  };
}
