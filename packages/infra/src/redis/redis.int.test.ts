import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, freePort, RedisServerProcess, waitFor } from '@lexbridge/testkit';
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
    // Once the client has seen the connection go, a command is refused by the disabled offline
    // queue itself: the error names it, so "fast" is the mechanism, not a wall-clock bound that a
    // busy machine breaks. (A worker connection would queue the command until Redis came back.)
    await waitFor(() => r.status !== 'ready');
    await expect(r.get('x')).rejects.toThrow(/enableOfflineQueue/);
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

  // Issue 16, item 6: a refused port, a wrong host or a TLS error made the first command wait in the
  // offline queue forever, so the deadline was never checked and the service hung after one line.
  it('gives up after its timeout when nothing listens, naming REDIS_URL without its password', async () => {
    const url = `redis://:hunter2-secret@127.0.0.1:${await freePort()}`;
    const r = createRedis(url, 'worker');
    // The race is the bound: an answer that is not the timeout's message fails below.
    const outcome = await Promise.race([
      waitForRedis(r, undefined, 1_000, url).then(() => 'connected', (err: Error) => err.message),
      new Promise<string>((res) => setTimeout(() => res('still waiting after 8 s'), 8_000)),
    ]);
    r.disconnect();
    expect(outcome).toMatch(/REDIS_URL/);
    expect(outcome).toContain('127.0.0.1');
    expect(outcome).not.toContain('hunter2-secret');
  });

  it('reports a wrong password once, not as a connection error and a "restored" line per reconnect', async () => {
    const srv = await RedisServerProcess.start({ password: 'the-right-one' });
    const { lines, logger } = captureLogger();
    const wrong = srv.url.replace('the-right-one', 'a-wrong-one');
    const r = createRedis(wrong, 'worker', logger);
    let reconnects = 0;
    r.on('reconnecting', () => (reconnects += 1));
    try {
      await waitFor(() => reconnects >= 5, { timeoutMs: 15_000, message: 'five reconnects' });
      const logged = lines.map((l) => JSON.parse(l) as { msg: string });
      expect(logged.filter((l) => l.msg === 'redis connection restored')).toHaveLength(0);
      expect(logged.filter((l) => l.msg === 'redis connection error').length).toBeLessThanOrEqual(1);
      const waited = await waitForRedis(r, undefined, 3_000, wrong).then(() => 'connected', (err: Error) => err.message);
      expect(waited).toMatch(/WRONGPASS|invalid username-password|NOAUTH/);
      expect(waited).not.toContain('a-wrong-one');
    } finally {
      r.disconnect();
      await srv.stop();
    }
  });
});
