/**
 * Prometheus metrics of the API: a request histogram by route pattern and status, and, read from
 * Redis at scrape time, the depth and failed count of every queue and the age of the poller's
 * checkpoint. A scrape never waits on an unreachable Redis: those gauges are then left out and
 * `lexbridge_redis_up` says 0.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RedisClient } from '@lexbridge/infra/redis';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueSet } from '@lexbridge/core/jobs';
import { pollerKeys, readCheckpoint } from '@lexbridge/core/poller-state';
import { withTimeout } from '@lexbridge/infra/time';

/** Options of the metrics plugin. */
export interface MetricsOptions {
  registry: Registry;
  queues: QueueSet;
  /** The request-path connection (fails fast). */
  redis: RedisClient;
  /** Longest a scrape waits on Redis, in ms. Default 1 000. */
  scrapeTimeoutMs?: number;
}

/** Queue states exported per queue; `waiting + prioritized + delayed` is the backlog. */
const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

async function metricsPlugin(app: FastifyInstance, opts: MetricsOptions): Promise<void> {
  const { registry, queues, redis } = opts;
  const timeoutMs = opts.scrapeTimeoutMs ?? 1_000;
  const reachable = () => redis.status === 'ready';

  const duration = new Histogram({
    name: 'lexbridge_http_request_duration_seconds',
    help: 'HTTP requests handled by the API, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: 'lexbridge_redis_up',
    help: '1 when the API reaches Redis, 0 when it does not',
    registers: [registry],
    collect() {
      this.set(reachable() ? 1 : 0);
    },
  });

  new Gauge({
    name: 'lexbridge_queue_jobs',
    help: 'Jobs per queue and state (waiting, prioritized and delayed make the backlog; failed are kept for replay)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!reachable()) return;
      try {
        const counts = await withTimeout(Promise.all(queues.all().map(async (q) => [q.name, await q.getJobCounts(...QUEUE_STATES)] as const)), timeoutMs);
        for (const [queue, byState] of counts) {
          for (const state of QUEUE_STATES) this.set({ queue, state }, byState[state] ?? 0);
        }
      } catch (err) {
        app.log.warn({ err }, 'could not read queue counts for metrics');
      }
    },
  });

  new Gauge({
    name: 'lexbridge_poller_checkpoint_age_seconds',
    help: "Seconds since the poller's checkpoint watermark: how far behind Lexamica's stored events Lexbridge is (NaN: no checkpoint yet, or Redis unreachable)",
    registers: [registry],
    async collect() {
      // Always present (an absent series is hard to alert on); NaN when the age is unknown.
      this.set(Number.NaN);
      if (!reachable()) return;
      try {
        const checkpoint = await withTimeout(readCheckpoint(redis, pollerKeys(queues.keyspace)), timeoutMs);
        if (checkpoint) this.set(Math.max(0, (Date.now() - checkpoint.watermarkMs) / 1000));
      } catch (err) {
        app.log.warn({ err }, 'could not read the poller checkpoint for metrics');
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would make unbounded label values.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

export default fp(metricsPlugin, { name: 'lexbridge-metrics', fastify: '5.x' });
