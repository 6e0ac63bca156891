import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildOpsServer, createMetricsRegistry, packageVersion } from './index.js';

describe('ops server', () => {
  it('answers live, flips ready with its checks, and exposes metrics', async () => {
    const registry = createMetricsRegistry('svc');
    new Counter({ name: 'lexbridge_test_total', help: 'test', registers: [registry] }).inc(3);
    let redisUp = true;
    const app = buildOpsServer({ registry, checks: { redis: () => redisUp, leader: async () => true } });
    expect((await app.inject('/health/live')).statusCode).toBe(200);
    expect((await app.inject('/health/ready')).json()).toEqual({ status: 'ready', checks: { redis: true, leader: true } });
    redisUp = false;
    const notReady = await app.inject('/health/ready');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().checks.redis).toBe(false);
    const metrics = await app.inject('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/lexbridge_test_total\{service="svc"\} 3/);
    await app.close();
  });
});

// The bench runs each service's main bundled into node_modules/.cache, with no package.json beside
// it: reading the version for lexbridge_build_info threw ENOENT and the processor exited at start.
describe('packageVersion', () => {
  it("reads the package's version, and says unknown where a bundled main has no package.json", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lexbridge-version-'));
    try {
      mkdirSync(join(dir, 'pkg', 'dist'), { recursive: true });
      writeFileSync(join(dir, 'pkg', 'package.json'), JSON.stringify({ version: '1.2.3' }));
      expect(packageVersion(pathToFileURL(join(dir, 'pkg', 'dist', 'main.js')).href)).toBe('1.2.3');
      mkdirSync(join(dir, 'bundle', 'out'), { recursive: true });
      expect(packageVersion(pathToFileURL(join(dir, 'bundle', 'out', 'main.mjs')).href)).toBe('unknown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
