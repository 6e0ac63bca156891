import { describe, expect, it } from 'vitest';
import { acquireRedis, freePort, pingRedis, RedisServerProcess, spawnRedisServer } from './redis-server.js';

describe('finding a Redis for the tests', () => {
  it('uses REDIS_URL when it answers', async () => {
    const url = 'redis://127.0.0.1:6379';
    if (!(await pingRedis(url))) return expect.fail('this test needs the machine Redis on 127.0.0.1:6379');
    expect(await acquireRedis({ url })).toMatchObject({ url, source: 'env' });
  });

  it('fails with instructions, never skips, when REDIS_URL points at nothing', async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`;
    await expect(acquireRedis({ url: dead })).rejects.toThrow(/REDIS_URL is set to .* but nothing answers there\. .*redis-server/);
  });

  it('starts a private redis-server on a free port when REDIS_URL is unset and no Docker engine runs', async () => {
    const handle = await acquireRedis({});
    try {
      expect(['testcontainers', 'redis-server']).toContain(handle.source);
      expect(await pingRedis(handle.url)).toBe(true);
    } finally {
      await handle.stop();
    }
    if (handle.source === 'redis-server') expect(await pingRedis(handle.url, 500)).toBe(false);
  }, 30_000);

  it('says why, when a redis-server it spawns exits instead of answering', async () => {
    const port = await freePort();
    await expect(spawnRedisServer(['--port', String(port), '--no-such-option', 'x'], `redis://127.0.0.1:${port}`)).rejects.toThrow(/redis-server --port \d+ exited with code 1/);
  });

  // A test's afterAll that starts the server "in case the test stopped it" spawned a second process
  // on the taken port: it exited, and the first one was orphaned, running after the suite ended.
  it('leaves nothing running after stop() when startProcess() is called on a running server', async () => {
    const srv = await RedisServerProcess.start();
    try {
      await srv.startProcess();
    } finally {
      await srv.stop();
    }
    expect(await pingRedis(srv.url, 500)).toBe(false);
  }, 30_000);
});
