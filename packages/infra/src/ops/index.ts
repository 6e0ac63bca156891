/**
 * Operations plumbing of the services: the one bootstrap and graceful-shutdown path (all three),
 * and for the worker services (poller, processor) a small HTTP port with `/health/live`,
 * `/health/ready` and Prometheus `/metrics`.
 */
import closeWithGrace from 'close-with-grace';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RedisClient } from '../redis/index.js';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { startupProblem } from '../errors/index.js';
import { closeRedis, redisAnswers } from '../redis/index.js';
import { withTimeout } from '../time/index.js';

/** A metrics registry with the process's default metrics, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Longest a scrape waits on one Redis read, in ms: a scrape answers within about a second. */
export const SCRAPE_TIMEOUT_MS = 700;

/** `lexbridge_redis_up`: 1 when `redis` answers PING within the scrape timeout, else 0. */
export function registerRedisUp(registry: Registry, redis: RedisClient, timeoutMs = SCRAPE_TIMEOUT_MS): Gauge {
  return new Gauge({
    name: 'lexbridge_redis_up',
    help: 'Redis answers this service (1) or not (0); gauges read from Redis are left out while it is 0',
    registers: [registry],
    async collect() {
      this.set((await redisAnswers(redis, timeoutMs).catch(() => false)) ? 1 : 0);
    },
  });
}

/**
 * A gauge's read from Redis at scrape time: nothing is sent while `redis` is down (a worker
 * connection would queue it until Redis is back), and the read gets at most `timeoutMs`. Returns
 * undefined when it could not be read (logged at debug; `lexbridge_redis_up` says why), so the
 * gauge is left without a value rather than the scrape hanging or failing.
 */
export async function scrapeRead<T>(redis: Pick<RedisClient, 'status'>, read: () => Promise<T>, o: { what: string; logger?: Logger; timeoutMs?: number }): Promise<T | undefined> {
  if (redis.status !== 'ready') return undefined;
  try {
    return await withTimeout(read(), o.timeoutMs ?? SCRAPE_TIMEOUT_MS, o.what);
  } catch (err) {
    o.logger?.debug({ err, what: o.what }, 'metric not read from Redis for this scrape');
    return undefined;
  }
}

/** Readiness: each check answers true when healthy. */
export type ReadinessChecks = Record<string, () => Promise<boolean> | boolean>;

/**
 * Runs every check at once, each given at most `timeoutMs` (default 1 000): a check that throws or
 * takes longer counts as failed, so readiness answers within about `timeoutMs` whatever hangs.
 */
export async function runChecks(checks: ReadinessChecks, timeoutMs = 1_000): Promise<{ ok: boolean; checks: Record<string, boolean> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, (await withTimeout(Promise.resolve().then(check), timeoutMs, `readiness check ${name}`)) === true] as const;
      } catch {
        // A failed check is the answer itself (false), not an error to report.
        return [name, false] as const;
      }
    }),
  );
  return { ok: entries.every(([, v]) => v), checks: Object.fromEntries(entries) };
}

/**
 * Builds (does not listen) the health and metrics server of a worker service. `/health/ready`
 * answers within `timeoutMs` (default 1 000; 503 when a check fails); `/metrics` too, or 503 when
 * the registry's collectors take longer (each Redis read should use {@link scrapeRead}).
 */
export function buildOpsServer(opts: { registry: Registry; checks: ReadinessChecks; logger?: Logger; timeoutMs?: number }): FastifyInstance {
  const timeoutMs = opts.timeoutMs ?? 1_000;
  const app = Fastify({ logger: false });
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_req, reply) => {
    const result = await runChecks(opts.checks, timeoutMs);
    return reply.code(result.ok ? 200 : 503).send({ status: result.ok ? 'ready' : 'not ready', checks: result.checks });
  });
  app.get('/metrics', async (_req, reply) => {
    try {
      return reply.type(opts.registry.contentType).send(await withTimeout(opts.registry.metrics(), timeoutMs, 'metrics'));
    } catch (err) {
      opts.logger?.warn({ err }, 'metrics could not be collected in time');
      return reply.code(503).type('text/plain').send(`metrics not available: ${(err as Error).message}\n`);
    }
  });
  return app;
}

/**
 * Registers the one shutdown path: on SIGINT/SIGTERM (or an uncaught error) run `close` within
 * `graceMs`, then exit. A second signal exits at once.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, graceMs = 10_000): { uninstall(): void } {
  const handle = closeWithGrace({ delay: graceMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'stopping after an unexpected error');
    else logger.info({ signal }, 'shutting down');
    await close();
    logger.info('stopped');
  });
  return { uninstall: () => handle.uninstall() };
}

/** A wired service, as {@link bootstrap} runs it. */
export interface WiredService {
  logger: Logger;
  /** Begins taking work (listen, start workers, start polling); shutdown is registered by then. */
  run(): Promise<void>;
  /** Stops taking work and lets in-flight work finish (HTTP, workers, queues), before Redis closes. */
  close(): Promise<void>;
  /** The connections to close last, each with {@link closeRedis}. */
  redis: RedisClient[];
  /** Longest the shutdown may take, in ms (default 10 000). */
  graceMs?: number;
}

/**
 * The one way a service starts. `wire` parses the configuration, builds the logger and the
 * connections (waiting for Redis) and the service; then the one shutdown path is registered
 * (stop taking work, let in-flight work finish, then close Redis) and `run` starts the work. A
 * configuration problem or a Redis that never answered prints its message alone (it names the
 * variable or file to fix; a stack would hide it), anything else in full, and the process exits 1.
 */
export async function bootstrap(wire: () => Promise<WiredService>): Promise<void> {
  try {
    const service = await wire();
    onShutdown(
      service.logger,
      async () => {
        await service.close();
        await Promise.all(service.redis.map((r) => closeRedis(r)));
      },
      service.graceMs,
    );
    await service.run();
  } catch (err) {
    console.error(startupProblem(err) ?? err);
    process.exit(1);
  }
}
