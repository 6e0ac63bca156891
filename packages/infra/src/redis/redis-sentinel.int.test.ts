/**
 * Connections to a Sentinel-watched master through a failover. The failover must not end any
 * connection for good, whatever each one is doing when the sentinels announce the new master: a
 * connection that is reconnecting (asking a sentinel where the master is) at that moment is the
 * case that once left a processor with "Connection is closed." on every command for the rest of
 * its life while its health stayed green.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayProxy, startSentinelSet, teardownThenStop, waitFor, type SentinelSet } from '@lexbridge/testkit';
import { createKeyspace, createRedis, waitForRedis, type RedisClient, type RedisConnectionSettings } from './index.js';

describe('Sentinel connections through a failover', () => {
  let set: SentinelSet | undefined;
  const proxies: DelayProxy[] = [];
  const conns: RedisClient[] = [];
  beforeAll(async () => {
    set = await startSentinelSet();
    // Each connection asks the sentinel through its own proxy; at the failover every proxy makes
    // the sentinel answer late by a different delay, so the connections' reconnect loops fall out of
    // step and some are asking the sentinel where the master is when the new master is announced.
    for (let i = 0; i < 12; i++) proxies.push(await DelayProxy.start({ port: set.sentinelPort }));
  }, 60_000);
  afterAll(() =>
    teardownThenStop(
      'the connections',
      20_000,
      async () => {
        for (const c of conns) c.disconnect();
      },
      async () => {
        for (const p of proxies) await p.stop();
        await set?.stop();
      },
    ),
  60_000);

  it('every connection follows the sentinel to the new master and none ends', async () => {
    const settingsOf = (p: DelayProxy): RedisConnectionSettings => ({
      url: 'redis://unused.invalid:6379',
      sentinel: { sentinels: [{ host: '127.0.0.1', port: p.listeningPort }], masterName: set!.masterName },
    });
    const ended: number[] = [];
    for (const [i, p] of proxies.entries()) {
      const c = createRedis(settingsOf(p), 'worker');
      c.on('end', () => ended.push(i));
      conns.push(c);
    }
    await Promise.all(conns.map((c, i) => waitForRedis(c, { timeoutMs: 20_000, settings: settingsOf(proxies[i]!) })));
    const ks = createKeyspace('sentinel-failover');
    proxies.forEach((p, i) => (p.delayMs = 50 + 100 * i));
    await set!.failOver();
    await waitFor(
      async () => {
        const written = await Promise.all(conns.map((c, i) => (c.status === 'ready' ? c.set(ks.key(`c${i}`), 'after the failover').then(() => true, () => false) : false)));
        if (written.every(Boolean) && ended.length === 0) return true;
        throw new Error(`${written.filter(Boolean).length} of ${conns.length} write; ended: ${ended.length}; ${conns.map((c) => c.status).join(' ')}`);
      },
      { timeoutMs: 45_000, message: 'every connection writes to the promoted master', intervalMs: 200 },
    );
    expect(ended, 'connections that ended').toEqual([]);
    expect(await set!.masterPort()).toBe(set!.replica.port);
  }, 90_000);
});
