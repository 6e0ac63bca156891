import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, RedisServerProcess, waitFor } from '@lexbridge/testkit';
import { createLogger } from '../logger/index.js';
import { checkRedisPolicy, createKeyspace, createRedis, waitForRedis } from './index.js';

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  return { lines, logger: createLogger({ name: 't', destination: destination as never }) };
}

describe('redis roles', () => {
  const t = createTestRedis('redis-roles');
  afterAll(() => t.cleanup());

  it('a worker connection reads and writes through the shared server', async () => {
    const r = createRedis(t.url, 'worker');
    const ks = createKeyspace(t.prefix);
    await r.set(ks.key('a'), '1');
    expect(await t.redis.get(ks.key('a'))).toBe('1');
    r.disconnect();
  });

  it('warns when maxmemory-policy is not noeviction, and is quiet when it is', async () => {
    const srv = await RedisServerProcess.start();
    try {
      const r = createRedis(srv.url, 'worker');
      const { lines, logger } = captureLogger();
      expect(await checkRedisPolicy(r, logger)).toBe('noeviction');
      expect(lines).toHaveLength(0);
      await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await checkRedisPolicy(r, logger)).toBe('allkeys-lru');
      expect(lines.join('')).toContain('noeviction');
      r.disconnect();
    } finally {
      await srv.stop();
    }
  });

  it('a producer connection fails fast while Redis is down instead of hanging', async () => {
    const srv = await RedisServerProcess.start();
    const r = createRedis(srv.url, 'producer');
    await waitFor(() => r.status === 'ready');
    expect(await r.ping()).toBe('PONG');
    await srv.stop();
    const started = Date.now();
    await expect(r.get('x')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
    r.disconnect();
  });

  it('waits for a Redis that is not up yet instead of failing', async () => {
    const srv = await RedisServerProcess.start();
    await srv.stopProcess();
    const r = createRedis(srv.url, 'worker');
    const waiting = waitForRedis(r, undefined, 10_000);
    await new Promise((res) => setTimeout(res, 300));
    await srv.startProcess();
    await expect(waiting).resolves.toBeUndefined();
    r.disconnect();
    await srv.stop();
  });
});
