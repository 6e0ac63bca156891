/**
 * The poller service assembled from its parts, without side effects until `start()`: the poll
 * loop, the backfill and quarantine workers, and the health/metrics port. `main.ts` only wires
 * configuration into it; tests build it in-process.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import type { Registry } from 'prom-client';
import type { RedisClient } from '@lexbridge/infra/redis';
import { routedEventNames as eventNamesOf, type LexamicaClient } from '@lexbridge/lexamica-client';
import { createJobProcessor, QueueSet, workerUsable, type RoutedEventNames } from '@lexbridge/core/jobs';
import type { Logger } from '@lexbridge/infra/logger';
import type { PersonalDataPolicy } from '@lexbridge/core/firm-config';
import { buildOpsServer, createMetricsRegistry, registerRedisUp, scrapeRead } from '@lexbridge/infra/ops';
import { createKeyspace, redisAnswers } from '@lexbridge/infra/redis';
import { createPollerMetrics } from './metrics.js';
import { createPoller, type Poller, type PollerTiming } from './poller.js';

export interface PollerServiceOptions {
  client: LexamicaClient;
  /** A worker-role connection (maxRetriesPerRequest: null). */
  redis: RedisClient;
  redisPrefix: string;
  logger: Logger;
  timing: PollerTiming;
  instanceId?: string;
  now?: () => number;
  /** The longest a completed or failed job (and the event it carries) is kept, in ms (`RetentionPolicy.jobsMs`). Default: the catalog's ages. */
  jobRetentionMs?: number;
  /** Where metrics register. Default a fresh registry labelled `service="poller"`. */
  registry?: Registry;
  /** Webhooks are on: see `PollerDeps.webhooks`. */
  webhooks?: boolean;
  /** What is removed from each payload before it becomes job data: `personalDataPolicy(firm)`. */
  personalData: Pick<PersonalDataPolicy, 'strip'>;
}

/** The profile's event names the router needs. */
export function routedEventNames(client: Pick<LexamicaClient, 'profile'>): RoutedEventNames {
  return eventNamesOf(client.profile);
}

export function createPollerService(opts: PollerServiceOptions) {
  const keyspace = createKeyspace(opts.redisPrefix);
  const queues = new QueueSet(opts.redis, keyspace, opts.logger, { ...(opts.jobRetentionMs !== undefined && { jobRetentionMs: opts.jobRetentionMs }) });
  const registry = opts.registry ?? createMetricsRegistry('poller');
  // The metrics read the poller lazily (on scrape), so they can be built before it.
  const ref: { poller?: Poller } = {};
  // A scrape never waits on Redis: each read is skipped while it is away and bounded while it is slow.
  const read = <T>(what: string, fn: () => Promise<T>) => scrapeRead(opts.redis, fn, { what, logger: opts.logger });
  registerRedisUp(registry, opts.redis);
  const metrics = createPollerMetrics(registry, {
    isLeader: () => ref.poller?.isLeader() ?? false,
    seenIds: async () => (ref.poller ? read('seen ids', () => ref.poller!.checkpoint.seenCount()) : 0),
    checkpointAgeSeconds: async () => {
      const cp = await read('checkpoint', async () => ref.poller?.checkpoint.read());
      return cp ? ((opts.now ?? Date.now)() - cp.watermarkMs) / 1000 : undefined;
    },
  });
  const p = createPoller({
    source: opts.client.events,
    redis: opts.redis,
    queues,
    keyspace,
    eventNames: routedEventNames(opts.client),
    metrics,
    logger: opts.logger,
    timing: opts.timing,
    personalData: opts.personalData,
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.webhooks ? { webhooks: true } : {}),
  });
  ref.poller = p;
  const workers: Worker[] = [];
  let stopping = false;

  // Ready when Redis answers, every queue it enqueues to has started and both workers run.
  const ops = buildOpsServer({
    registry,
    logger: opts.logger,
    checks: {
      redis: () => redisAnswers(opts.redis),
      queues: () => queues.ready(),
      workers: async () => workers.length > 0 && (await Promise.all(workers.map(workerUsable))).every(Boolean),
      running: () => !stopping,
    },
  });

  function startWorkers() {
    const workerOpts = { connection: opts.redis, prefix: keyspace.bullPrefix };
    const backfill = new Worker(
      'poller-control',
      createJobProcessor('poller-control', {
        'poller.backfill': async (b) => p.backfill({ from: new Date(b.from), to: new Date(b.to), ...(b.event ? { event: b.event } : {}) }),
      }, opts.logger),
      { ...workerOpts, concurrency: 1 },
    );
    // Malformed stored events are failed on purpose: they stay visible in the failed set with their reason.
    const quarantine = new Worker(
      'quarantine',
      createJobProcessor('quarantine', {
        'stored-event.quarantine': async (q) => {
          throw new UnrecoverableError(`malformed stored event: ${q.reason}`);
        },
      }, opts.logger),
      { ...workerOpts, concurrency: 1 },
    );
    for (const w of [backfill, quarantine]) {
      w.on('error', (err) => opts.logger.warn({ err, queue: w.name }, 'worker error'));
      workers.push(w);
    }
  }

  return {
    poller: p,
    queues,
    registry,
    ops,
    start() {
      queues.all();
      startWorkers();
      p.start();
    },
    async close() {
      stopping = true;
      await p.stop();
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      await ops.close();
    },
  };
}

export type PollerService = ReturnType<typeof createPollerService>;
