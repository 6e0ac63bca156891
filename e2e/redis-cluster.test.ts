/**
 * Cluster mode: a three-master Redis Cluster (`redis-server --cluster-enabled yes`, joined with
 * `redis-cli --cluster create`) on free ports, an ioredis `Cluster` connection, and the core
 * scenario end to end. Every key of the installation carries one hash tag, so BullMQ's and
 * Lexbridge's multi-key scripts stay in one slot; a key outside it would fail with CROSSSLOT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teardownThenStop, type RedisClusterSet, startRedisCluster } from '@lexbridge/testkit';
import { decideAndAnswer, DECIDING_RULES } from './scenarios.js';
import { startStack, type Stack } from './stack.js';

describe('on a three-master Redis Cluster', () => {
  let cluster: RedisClusterSet | undefined;
  let s: Stack | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    s = await startStack('default', { redis: { url: cluster.url, cluster: true }, fragments: [{ shadow: false, ...DECIDING_RULES }] });
  }, 90_000);
  afterAll(() => teardownThenStop('the stack', 40_000, () => s?.close(), () => cluster?.stop()), 60_000);

  it('decides and answers invitations exactly once, every key in the one slot of its hash tag', async () => {
    await decideAndAnswer(s!);
    const tag = /^\{[^{}]+\}/.exec(s!.keyspace.prefix)?.[0];
    expect(tag, 'the prefix carries a hash tag').toBeDefined();
    // Every key the run wrote lives on the node that owns the tag's slot, and carries the tag.
    const perNode = await Promise.all(cluster!.nodes.map((n) => n.client((c) => c.keys('*'))));
    const holding = perNode.filter((keys) => keys.length > 0);
    expect(holding).toHaveLength(1);
    expect(holding[0]!.length).toBeGreaterThan(20);
    expect(holding[0]!.filter((k) => !k.startsWith(`${tag}:`))).toEqual([]);
  });
});
