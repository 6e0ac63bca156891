/**
 * scripts/healthcheck.mjs, the image's HEALTHCHECK: it finds the service its container runs, asks
 * that service's readiness endpoint, and says why when the answer is not "ready". Run as Docker runs
 * it (a child `node` process) against the real ops server of the poller and processor; the API and
 * the sandbox are in healthcheck.int.test.ts (the API's readiness needs Redis).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildOpsServer, createMetricsRegistry } from '@lexbridge/infra/ops';
import { freePort } from '@lexbridge/testkit';
import { ANSWER_TIMEOUT_MS, check, healthUrl, runningServices } from '../scripts/healthcheck.mjs';
import { runHealthcheck } from './run-healthcheck.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fake process table: one `<pid>/cmdline` per entry, NUL-separated as the kernel writes it. */
function procDir(processes: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lexbridge-proc-'));
  dirs.push(dir);
  for (const [pid, argv] of Object.entries(processes)) {
    mkdirSync(join(dir, pid));
    writeFileSync(join(dir, pid, 'cmdline'), `${argv.join('\0')}\0`);
  }
  mkdirSync(join(dir, 'self')); // non-numeric entries (self, sys, ...) are not processes
  return dir;
}

describe('finding the service a container runs', () => {
  it('reads it from the command of the process that runs apps/<service>/dist/main.js', () => {
    const dir = procDir({
      '1': ['node', '--liftoff-only', 'apps/processor/dist/main.js'],
      '23': ['node', '/app/scripts/healthcheck.mjs'],
    });
    expect(runningServices(dir)).toEqual(['processor']);
  });

  it('finds it behind an init process (docker run --init) and with an absolute path', () => {
    const dir = procDir({
      '1': ['/sbin/docker-init', '--', 'node', '/app/apps/api/dist/main.js'],
      '7': ['node', '/app/apps/api/dist/main.js'],
    });
    expect(runningServices(dir)).toEqual(['api']);
  });

  it('fails, naming the services it knows, when none runs (a one-off such as lexbridge setup)', async () => {
    const dir = procDir({ '1': ['node', 'apps/cli/dist/lexbridge.js', 'setup'] });
    expect(await check([], {}, dir)).toEqual({ code: 1, line: 'no Lexbridge service (api, poller, processor, receiver, sandbox) runs in this container' });
  });

  it('refuses to guess when two services run in one container', async () => {
    const dir = procDir({ '1': ['node', 'apps/poller/dist/main.js'], '2': ['node', 'apps/api/dist/main.js'] });
    expect(await check([], {}, dir)).toMatchObject({ code: 1, line: expect.stringContaining('more than one service runs here (api, poller)') });
  });

  it('refuses a service it does not know', async () => {
    expect(await check(['worker'], {})).toMatchObject({ code: 1, line: expect.stringContaining('unknown service "worker"') });
  });
});

describe('where it asks', () => {
  it('uses the port and interface variables the service reads, and their defaults', () => {
    expect(healthUrl('poller', {})).toBe('http://127.0.0.1:9101/health/ready');
    expect(healthUrl('processor', { OPS_PORT: '9200', OPS_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:9200/health/ready');
    expect(healthUrl('api', { API_PORT: '8080', API_HOST: '10.1.2.3' })).toBe('http://10.1.2.3:8080/health/ready');
    expect(healthUrl('api', { API_HOST: '::' })).toBe('http://127.0.0.1:3000/health/ready');
    expect(healthUrl('api', { API_HOST: '::1' })).toBe('http://[::1]:3000/health/ready');
    expect(healthUrl('sandbox', {})).toBe('http://127.0.0.1:4010/__sandbox/stats');
  });
});

describe('the answer, from a real ops server (poller and processor)', () => {
  let ready = true;
  const ops = buildOpsServer({ registry: createMetricsRegistry('healthcheck-test'), checks: { redis: () => ready, workers: () => true } });
  let port = 0;
  const servers: Server[] = [];
  afterEach(() => {
    ready = true;
  });
  afterAll(async () => {
    await ops.close();
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('exits 0 when the service is ready', async () => {
    await ops.listen({ port: 0, host: '127.0.0.1' });
    port = (ops.server.address() as AddressInfo).port;
    const result = await runHealthcheck(['poller'], { OPS_PORT: String(port) });
    expect(result).toEqual({ code: 0, out: expect.stringMatching(/^poller: ready: http:\/\/127\.0\.0\.1:\d+\/health\/ready answered 200/) });
  });

  it('exits 1 and prints the readiness answer when the service is not ready', async () => {
    ready = false;
    const result = await runHealthcheck(['processor'], { OPS_PORT: String(port), OPS_HOST: '0.0.0.0' });
    expect(result.code).toBe(1);
    expect(result.out).toContain('processor: not ready:');
    expect(result.out).toContain('answered 503');
    expect(result.out).toContain('"redis":false');
  });

  it('exits 1 naming the address when nothing listens there', async () => {
    const closed = await freePort();
    const result = await runHealthcheck(['poller'], { OPS_PORT: String(closed) });
    expect(result).toEqual({ code: 1, out: `poller: not ready: http://127.0.0.1:${closed}/health/ready: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${closed}` });
  });

  it('exits 1 when the service does not answer in time, before Docker kills the check', async () => {
    const silent = createServer(() => {}); // accepts the request and never answers
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const result = await runHealthcheck(['poller'], { OPS_PORT: String((silent.address() as AddressInfo).port) });
    expect(result.code).toBe(1);
    expect(result.out).toContain(`no answer within ${ANSWER_TIMEOUT_MS} ms`);
  });
});
