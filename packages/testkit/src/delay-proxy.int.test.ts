import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayProxy } from './delay-proxy.js';
import { RedisServerProcess } from './redis-server.js';

describe('the delay proxy in front of a redis-server', () => {
  let srv: RedisServerProcess;
  let proxy: DelayProxy;
  let client: Redis;
  beforeAll(async () => {
    srv = await RedisServerProcess.start();
    proxy = await DelayProxy.start({ port: srv.port });
    client = new Redis(proxy.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    client.disconnect();
    await proxy.stop();
    await srv.stop();
  });

  it('holds replies back by its delay, in order, and passes them through once the delay is off', async () => {
    expect(await client.ping()).toBe('PONG');
    proxy.delayMs = 400;
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.echo(`r${i}`)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));

    // Some late, some not: still in order.
    proxy.slowShare = 0.5;
    const mixed = await Promise.all(Array.from({ length: 50 }, (_, i) => client.echo(`m${i}`)));
    expect(mixed).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));

    proxy.delayMs = 0;
    proxy.slowShare = 1;
    expect(await client.echo('fast')).toBe('fast');
  });
});
