import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '@lexbridge/infra/redis';
import { deleteKeys, freePort, promtool, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';
import { EXAMPLE_CONFIG, exampleConfigWith } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a service's entry point until it exits, or until `limitMs` (then kills it). */
function runService(entry: string, env: Record<string, string>, limitMs: number): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['scripts/run-ts.mjs', entry], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, output, ms: Date.now() - started });
    }),
  );
}

/** What every service needs to get as far as Redis (REDIS_URL aside). */
const BASE_ENV = {
  LEXBRIDGE_CONFIG: EXAMPLE_CONFIG,
  LEXAMICA_BASE_URL: 'http://127.0.0.1:9',
  LEXAMICA_ORG_ID: 'org',
  LEXAMICA_PUBLIC_KEY: 'public-key-startup',
  LEXAMICA_PRIVATE_KEY: 'private-key-startup',
  API_TOKENS: 'startup-test-token-0123456789',
};

/** The receiver runs only for a firm with webhooks on, and needs their signing secret. */
const webhooksDir = mkdtempSync(join(tmpdir(), 'lexbridge-startup-'));
afterAll(() => rmSync(webhooksDir, { recursive: true, force: true }));
const WEBHOOKS_CONFIG = join(webhooksDir, 'lexbridge.yaml');
writeFileSync(WEBHOOKS_CONFIG, exampleConfigWith({ webhooks: { url: 'http://127.0.0.1:9/hooks/lexamica', port: 0 } }));

/** Each service's entry point, and what it needs besides BASE_ENV. */
const SERVICES: Record<string, { entry: string; env?: Record<string, string> }> = {
  api: { entry: 'apps/api/src/main.ts' },
  poller: { entry: 'apps/poller/src/main.ts' },
  processor: { entry: 'apps/processor/src/main.ts' },
  receiver: { entry: 'apps/receiver/src/main.ts', env: { LEXBRIDGE_CONFIG: WEBHOOKS_CONFIG, LEXAMICA_WEBHOOK_SECRET: 'startup-webhook-secret-0123456789' } },
};

/** Starts the services at once with `env`; each run named by its service. */
async function runServices(env: Record<string, string>) {
  return Promise.all(Object.entries(SERVICES).map(async ([what, s]) => ({ what, ...(await runService(s.entry, { ...env, ...s.env }, 45_000)) })));
}

// Issue 16, item 6: with a wrong REDIS_URL a service logged one warning and hung for good.
describe('a service started against a Redis that is not there', () => {
  it('each service gives up after REDIS_STARTUP_TIMEOUT_MS, naming REDIS_URL without its password', async () => {
    const port = await freePort();
    const runs = await runServices({ ...BASE_ENV, REDIS_URL: `redis://:s3cret-redis-pass@127.0.0.1:${port}`, REDIS_STARTUP_TIMEOUT_MS: '1500', LOG_LEVEL: 'warn', API_PORT: '0', OPS_PORT: '0' });
    for (const { what, ...r } of runs) {
      expect(r.code, `${what} exit code; output:\n${r.output}`).toBe(1);
      expect(r.output, what).toContain('REDIS_URL');
      expect(r.output, what).toContain(`127.0.0.1:${port}`);
      expect(r.output, what).not.toContain('s3cret-redis-pass');
    }
  }, 60_000);
});

// Issue 23: the services started three ways; one bootstrap reports a bad setting the same
// way everywhere: its message alone (naming the variable), no stack, exit code 1.
describe('a service started with a bad setting', () => {
  it('each service prints the problem naming the variable, without a stack, and exits 1', async () => {
    const runs = await runServices({ ...BASE_ENV, REDIS_URL: 'redis://127.0.0.1:9', LOG_LEVEL: 'loud' });
    for (const { what, ...r } of runs) {
      expect(r.code, `${what} exit code; output:\n${r.output}`).toBe(1);
      expect(r.output, what).toMatch(/^Invalid configuration:\n {2}- LOG_LEVEL: /m);
      expect(r.output, what).not.toMatch(/^ {4}at /m);
    }
  }, 60_000);
});

// The receiver had no build info, no tracing and no promtool check of its /metrics: started from
// its main like the other services, it serves `lexbridge_build_info`, a clean /metrics with its
// counters at zero, and sends its spans over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
describe('the receiver started from its main', () => {
  it('serves its build info and a /metrics promtool accepts, and exports its spans', async () => {
    const bodies: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const dir = mkdtempSync(join(tmpdir(), 'lexbridge-receiver-'));
    const prefix = uniquePrefix('startup-receiver');
    const [hookPort, opsPort] = [await freePort(), await freePort()];
    const config = join(dir, 'lexbridge.yaml');
    writeFileSync(config, exampleConfigWith({ webhooks: { url: `http://127.0.0.1:${hookPort}/hooks/lexamica`, port: hookPort } }));
    const child = spawn(process.execPath, ['scripts/run-ts.mjs', 'apps/receiver/src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LEXBRIDGE_CONFIG: config,
        REDIS_URL: redisUrl(),
        REDIS_PREFIX: prefix,
        LEXAMICA_WEBHOOK_SECRET: 'startup-receiver-secret-0123456789',
        OPS_PORT: String(opsPort),
        LEXBRIDGE_COMMIT: 'startup-commit-1',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
        OTEL_SERVICE_NAME: 'startup-receiver-spans',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const metrics = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${opsPort}/metrics`).catch(() => undefined);
          return res?.ok ? res.text() : undefined;
        },
        { timeoutMs: 30_000, message: 'the receiver serving /metrics' },
      );
      const version = (JSON.parse(readFileSync(join(root, 'apps/receiver/package.json'), 'utf8')) as { version: string }).version;
      expect(metrics).toMatch(new RegExp(`^lexbridge_build_info\\{version="${version.replaceAll('.', '\\.')}",commit="startup-commit-1",node="[^"]+",service="receiver"\\} 1$`, 'm'));
      expect(metrics).toContain('lexbridge_receiver_rejected_total{reason="bad-signature",service="receiver"} 0');
      expect(metrics).toContain('lexbridge_receiver_deliveries_total{outcome="accepted",service="receiver"} 0');
      const checked = await promtool(['check', 'metrics'], metrics);
      expect({ code: checked.code, problems: checked.stdout + checked.stderr }).toEqual({ code: 0, problems: '' });

      // An unsigned delivery is refused, and traced.
      const refused = await fetch(`http://127.0.0.1:${hookPort}/hooks/lexamica`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(refused.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      const code = await exited;
      collector.close();
      rmSync(dir, { recursive: true, force: true });
      const redis = createRedis(redisUrl(), 'worker');
      await deleteKeys(redis, prefix);
      redis.disconnect();
      expect(code, output).toBe(0);
    }
    // Shutting down flushed the span of the refused delivery to the collector.
    expect(bodies.some((b) => b.startsWith('POST /v1/traces ') && b.includes('startup-receiver-spans') && b.includes('POST /hooks/lexamica')), bodies.join('\n').slice(0, 500)).toBe(true);
  }, 60_000);
});
