import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, freePort, RedisServerProcess, waitFor } from '@lexbridge/testkit';
import { createLogger } from '../logger/index.js';
import type { Redis } from 'ioredis';
import { checkRedisPolicy, closeRedis, createKeyspace, createRedis, duplicateRedis, waitForRedis } from './index.js';

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

  it('says so, loudly, when a connection ends without being closed, and not when closeRedis closes it', async () => {
    const { lines, logger } = captureLogger();
    const ended = createRedis(t.url, 'worker', logger, 'lost');
    await waitForRedis(ended, { timeoutMs: 5_000 });
    ended.disconnect(); // as ioredis does itself when it abandons a reconnect
    await waitFor(() => lines.some((l) => l.includes('ended and will not reconnect')), { timeoutMs: 5_000 });
    expect(JSON.parse(lines.find((l) => l.includes('ended and will not reconnect'))!)).toMatchObject({ level: 50, name: 't', role: 'worker', connection: 'lost' });
    lines.length = 0;
    // A duplicate (the processor's pipelining state connection) reports as its original does.
    const original = createRedis(t.url, 'worker', logger, 'original');
    const copy = duplicateRedis(original, { connectionName: 'copy' });
    await waitForRedis(copy, { timeoutMs: 5_000 });
    copy.disconnect();
    await waitFor(() => lines.some((l) => l.includes('"connection":"copy"') && l.includes('ended and will not reconnect')), { timeoutMs: 5_000 });
    await closeRedis(original);
    lines.length = 0;
    const closed = createRedis(t.url, 'worker', logger, 'closed');
    await waitForRedis(closed, { timeoutMs: 5_000 });
    await closeRedis(closed);
    await waitFor(() => closed.status === 'end');
    expect(lines.filter((l) => l.includes('ended'))).toEqual([]);
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
    const waiting = waitForRedis(r, { timeoutMs: 10_000 });
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
      waitForRedis(r, { timeoutMs: 1_000, settings: url }).then(() => 'connected', (err: Error) => err.message),
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
      const waited = await waitForRedis(r, { timeoutMs: 3_000, settings: wrong }).then(() => 'connected', (err: Error) => err.message);
      expect(waited).toMatch(/WRONGPASS|invalid username-password|NOAUTH/);
      expect(waited).not.toContain('a-wrong-one');
    } finally {
      r.disconnect();
      await srv.stop();
    }
  });

  // Issue 22: readiness at start sent INFO, which a least-privilege ACL user may not run, so every
  // service waited out REDIS_STARTUP_TIMEOUT_MS and exited although Redis was fine.
  it('starts as an ACL user that may not run INFO, and tells BullMQ to skip its INFO version check', async () => {
    const srv = await RedisServerProcess.start();
    const ks = createKeyspace('acl-probe');
    const r = createRedis(`redis://app:app-secret-123@127.0.0.1:${srv.port}`, 'worker');
    try {
      await srv.client((c) => c.call('ACL', 'SETUSER', 'app', 'on', '>app-secret-123', 'resetkeys', `~${ks.prefix}:*`, '-@all', '+@read', '+@write', '+@connection', '-info'));
      await expect(waitForRedis(r, { timeoutMs: 5_000, probeKey: ks.key('probe') })).resolves.toBeUndefined();
      await expect(r.info()).rejects.toThrow(/NOPERM/);
      expect((r as Redis).options).toMatchObject({ skipVersionCheck: true });
      const copy = duplicateRedis(r) as Redis;
      expect(copy.options).toMatchObject({ skipVersionCheck: true });
      copy.disconnect();
    } finally {
      r.disconnect();
      await srv.stop();
    }
  });

  it('leaves BullMQ its version check when the user may run INFO', async () => {
    const r = createRedis(t.url, 'worker');
    await waitForRedis(r, { timeoutMs: 5_000, probeKey: createKeyspace(t.prefix).key('probe') });
    expect((r as Redis).options).not.toHaveProperty('skipVersionCheck');
    r.disconnect();
  });

  it('puts every key of an installation under one hash tag in cluster mode, and leaves other prefixes alone', () => {
    const tagged = createKeyspace('lexbridge', { hashTag: true });
    expect(tagged.key('ledger', 'x')).toBe('{lexbridge}:ledger:x');
    expect(tagged.bullPrefix).toBe('{lexbridge}:q');
    expect(createKeyspace('{firm-a}:lexbridge', { hashTag: true }).prefix).toBe('{firm-a}:lexbridge');
    expect(createKeyspace('lexbridge').key('a')).toBe('lexbridge:a');
  });
});
