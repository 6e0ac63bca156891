/**
 * What one invitation costs in Redis commands, counted by a private server's `INFO commandstats`
 * (which counts the commands run inside scripts too). The benchmark's `redisCommandsPerEvent` target
 * (docs/performance.md, at most 30 per event with the poller's and BullMQ's share) is mostly these
 * writes: a command added here is paid on every invitation. Retention still happens: a final record
 * gets its TTL in the same `SET`, and items past their age leave the feed by the sweep
 * (`Feed.trimExpired`, every minute), not on every append.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServerProcess } from '@lexbridge/testkit';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createFeed } from '../feed/index.js';
import { BEGIN_ACT, createLedger, decisionTransition, ledgerKeys } from './index.js';

let server: RedisServerProcess;
let redis: Redis;
beforeAll(async () => {
  server = await RedisServerProcess.start();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

/** Commands run by `fn` (inside scripts too), by name. */
async function commandsOf(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  await redis.config('RESETSTAT');
  await fn();
  const info = await redis.info('commandstats');
  const counts: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (!['config|resetstat', 'info'].includes(m[1]!)) counts[m[1]!] = Number(m[2]);
  return counts;
}
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('Redis commands per write', () => {
  it('a feed append is one script of four commands: dedupe read, previous entry, XADD with its length cap, dedupe write', async () => {
    const feed = createFeed(redis, createKeyspace('cost:feed'));
    await feed.append({ id: 'warm', type: 't', occurredAt: inHours(0), data: {} });
    const counts = await commandsOf(() => feed.append({ id: 'one', type: 't', occurredAt: inHours(0), data: {} }));
    expect(counts).toEqual({ evalsha: 1, get: 1, xrevrange: 1, xadd: 1, set: 1 });
  });

  it("an invitation the rules answer (receive, decide and claim; finish as done) costs 21 commands, its record's TTL set with it", async () => {
    const keyspace = createKeyspace('cost:ledger');
    const feed = createFeed(redis, keyspace);
    const ledger = createLedger(redis, keyspace, { feed: feed.outbox, recordsRetentionMs: 60_000 });
    const decision = { action: 'accept' as const, rule: 'r1', trace: [], source: 'rules' as const, decidedAt: inHours(0) };
    const item = (id: string) => () => ({ id, type: 'invitation.decided', occurredAt: inHours(0), data: { invitationId: 'inv-1' } });
    // The script SHAs are loaded once per connection; the warm-up pays for that.
    await ledger.receive({ invitationId: 'warm', eventId: 'e0', caseId: 'c0', sentAt: inHours(-1), expires: inHours(24) }, [decisionTransition(decision, 'decided'), BEGIN_ACT], { announce: item('decided:warm') });
    await ledger.finishAct('warm', 'done', {}, undefined, item('done:warm'));

    let claimed: Awaited<ReturnType<typeof ledger.receive>>['record'] | undefined;
    const receive = await commandsOf(async () => {
      ({ record: claimed } = await ledger.receive({ invitationId: 'inv-1', eventId: 'e1', caseId: 'c1', sentAt: inHours(-1), expires: inHours(24) }, [decisionTransition(decision, 'decided'), BEGIN_ACT], {
        announce: item('decided:inv-1'),
      }));
    });
    const finish = await commandsOf(() => ledger.finishAct('inv-1', 'done', { lexamicaStatus: 'accepted' }, claimed, item('done:inv-1')));

    // receive: the record (SET NX), its case link, state, expiry and since indexes, the decided item.
    expect(receive).toEqual({ evalsha: 1, set: 2, zadd: 4, get: 1, xrevrange: 1, xadd: 1 });
    // finish: the compare-and-set (GET, SET with the retention TTL), the indexes moved, the
    // retention index, the outcome item. No PEXPIRE, no XTRIM.
    expect(finish).toEqual({ evalsha: 1, get: 2, set: 2, zrem: 2, zadd: 2, xrevrange: 1, xadd: 1 });
    expect(total(receive) + total(finish)).toBe(21);

    const ttl = await redis.pttl(ledgerKeys(keyspace).record('inv-1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
