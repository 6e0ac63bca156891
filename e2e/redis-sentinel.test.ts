/**
 * High availability with Sentinel: a master, its replica and a sentinel (`redis-server --sentinel`)
 * on free ports. Invitations keep arriving while the master is killed (SIGKILL) and the sentinel
 * promotes the replica; every connection follows the sentinel to the new master, and every
 * invitation is still decided and answered exactly once: nothing lost, nothing repeated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvitationDoc } from '@lexbridge/sandbox';
import { teardownThenStop, type SentinelSet, startSentinelSet, waitFor } from '@lexbridge/testkit';
import { DECIDING_RULES, expectDecidedAndAnsweredOnce } from './scenarios.js';
import { startStack, type Stack } from './stack.js';

describe('on a Sentinel-watched master that fails over mid-run', () => {
  let set: SentinelSet | undefined;
  let s: Stack | undefined;
  beforeAll(async () => {
    set = await startSentinelSet();
    s = await startStack('default', {
      // REDIS_URL's host is not used with Sentinel: the sentinel says where the master is.
      redis: { url: 'redis://unused.invalid:6379', sentinel: { sentinels: [{ host: '127.0.0.1', port: set.sentinelPort }], masterName: set.masterName } },
      fragments: [{ shadow: false, ...DECIDING_RULES }],
    });
  }, 90_000);
  afterAll(() => teardownThenStop('the stack', 40_000, () => s?.close(), () => set?.stop()), 60_000);

  it('answers every invitation exactly once across the failover', async () => {
    const stack = s!;
    const docs: InvitationDoc[] = [];
    const offer = (n: number) => docs.push(...stack.env.sandbox.scenario.generate(n).map((r) => structuredClone(r.doc)));
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        offer(3);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      // Mid-run: some invitations answered, more on their way.
      await waitFor(async () => (await Promise.all(docs.map((d) => stack.processor.ledger.get(d._id)))).filter((r) => r?.state === 'done').length >= 10, {
        timeoutMs: 30_000,
        message: 'ten invitations answered before the failover',
      });
      const before = docs.length;
      await set!.failOver();
      expect(await set!.masterPort()).toBe(set!.replica.port);
      // Keep offering after the promotion, so the new master carries work too.
      await waitFor(() => docs.length >= before + 15, { timeoutMs: 30_000, message: 'invitations offered after the failover' });
    } finally {
      feeding = false;
      await feeder;
    }
    await expectDecidedAndAnsweredOnce(stack, docs, { timeoutMs: 60_000 });
    expect(docs.length).toBeGreaterThanOrEqual(30);
  });
});
