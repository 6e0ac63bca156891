/**
 * Operations plumbing for the worker services (poller, processor): a small HTTP port with
 * `/health/live`, `/health/ready` and Prometheus `/metrics`, and the one graceful-shutdown path.
 */
import closeWithGrace from 'close-with-grace';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** A metrics registry with the process's default metrics, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Readiness: each check answers true when healthy. */
export type ReadinessChecks = Record<string, () => Promise<boolean> | boolean>;

export async function runChecks(checks: ReadinessChecks): Promise<{ ok: boolean; checks: Record<string, boolean> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, await check()] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return { ok: entries.every(([, v]) => v), checks: Object.fromEntries(entries) };
}

/** Builds (does not listen) the health and metrics server of a worker service. */
export function buildOpsServer(opts: { registry: Registry; checks: ReadinessChecks; logger?: Logger }): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_req, reply) => {
    const result = await runChecks(opts.checks);
    return reply.code(result.ok ? 200 : 503).send({ status: result.ok ? 'ready' : 'not ready', checks: result.checks });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.type(opts.registry.contentType).send(await opts.registry.metrics());
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
