/**
 * Operations plumbing of the services: the one bootstrap and graceful-shutdown path (all three),
 * and for the worker services (poller, processor) a small HTTP port with `/health/live`,
 * `/health/ready` and Prometheus `/metrics`.
 */
import closeWithGrace from 'close-with-grace';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Keyspace, RedisClient, RedisConnectionSettings, RedisRole } from '../redis/index.js';
import type { Logger } from 'pino';
import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { startupProblem } from '../errors/index.js';
import { checkRedisPolicy, closeRedis, createRedis, keyspaceFor, redisAnswers, waitForRedis } from '../redis/index.js';
import { withTimeout } from '../time/index.js';
import { startTracing, type Tracing, type TracingConfig } from '../tracing/index.js';

/** A metrics registry with the process's default metrics, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters fail `promtool check metrics`; the same counts stay in their
  // by-type twins (nodejs_active_handles, nodejs_active_requests, nodejs_active_resources).
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
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

/**
 * Starts every series of a labelled counter at zero, one per combination of `dims`: a rate or an
 * alert on a series that has not happened yet reads 0, not "no data".
 */
export function zeroed<L extends string>(counter: Counter<L>, dims: { [K in L]?: readonly string[] }): Counter<L> {
  let combos: Array<Partial<Record<L, string>>> = [{}];
  for (const [label, values] of Object.entries(dims) as Array<[L, readonly string[]]>) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [label]: v })));
  }
  for (const labels of combos) counter.inc(labels as Partial<Record<L, string | number>>, 0);
  return counter;
}

/** What the running build is (`lexbridge_build_info`). */
export interface BuildInfo {
  /** The package version. */
  version: string;
  /** The git commit it was built from (`LEXBRIDGE_COMMIT`), `unknown` when not given. */
  commit: string;
}

/** `lexbridge_build_info{version, commit, node} 1`. */
export function registerBuildInfo(registry: Registry, build: BuildInfo): Gauge {
  const gauge = new Gauge({ name: 'lexbridge_build_info', help: 'The running build: version, git commit and Node.js version (always 1)', labelNames: ['version', 'commit', 'node'], registers: [registry] });
  gauge.set({ version: build.version, commit: build.commit, node: process.versions.node }, 1);
  return gauge;
}

/**
 * The version in the package.json beside a service's `src/` or `dist/` (`import.meta.url` of its main),
 * or `unknown` when there is none there (a bundled main, as the bench runs): the build info then says
 * so, rather than the service refusing to start over a label.
 */
export function packageVersion(mainUrl: string): string {
  let text: string;
  try {
    text = readFileSync(new URL('../package.json', mainUrl), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'unknown';
    throw err;
  }
  const parsed = JSON.parse(text) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}

/** The port a listening server bound (the real one when it was asked for port 0). */
export function boundPort(app: Pick<FastifyInstance, 'server'>): number | undefined {
  const address = app.server.address();
  return address && typeof address === 'object' ? address.port : undefined;
}

/**
 * What every service's main does first for observability: tracing (when the config turns it on)
 * and `lexbridge_build_info` on `registry`. Returns the tracing handle to shut down last.
 */
export async function startTelemetry(o: { service: string; mainUrl: string; tracing: TracingConfig; commit: string; registry: Registry }): Promise<Tracing> {
  const version = packageVersion(o.mainUrl);
  registerBuildInfo(o.registry, { version, commit: o.commit });
  return startTracing({ service: o.service, config: o.tracing, version });
}

/** What {@link connectServiceRedis} reads of a service's parsed environment (`redisEnv` in @lexbridge/infra/config). */
export interface ServiceRedisEnv {
  redis: RedisConnectionSettings;
  REDIS_PREFIX: string;
  REDIS_STARTUP_TIMEOUT_MS: number;
}

/**
 * A service's Redis connection as every main opens it, with the keyspace of REDIS_PREFIX: created
 * under its connection name, then waited for (a wrong REDIS_URL, password or TLS setting stops the
 * start after REDIS_STARTUP_TIMEOUT_MS, naming REDIS_URL), then its eviction policy checked.
 */
export async function connectServiceRedis(env: ServiceRedisEnv, role: RedisRole, o: { logger: Logger; connectionName: string }): Promise<{ redis: RedisClient; keyspace: Keyspace }> {
  const redis = createRedis(env.redis, role, o.logger, o.connectionName);
  const keyspace = keyspaceFor(env.redis, env.REDIS_PREFIX);
  await waitForRedis(redis, { logger: o.logger, timeoutMs: env.REDIS_STARTUP_TIMEOUT_MS, settings: env.redis, probeKey: keyspace.key('probe') });
  await checkRedisPolicy(redis, o.logger);
  return { redis, keyspace };
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
  /** Tracing to flush and stop last ({@link startTelemetry}). */
  tracing?: Tracing;
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
        await service.tracing?.shutdown();
      },
      service.graceMs,
    );
    await service.run();
  } catch (err) {
    console.error(startupProblem(err) ?? err);
    process.exit(1);
  }
}
