/**
 * Webhooks and polling together, end to end: the sandbox pushes signed webhooks for the subscribed
 * events (dropping, delaying, duplicating and mis-signing some), the receiver takes them, the
 * poller reconciles at its slower interval, and the processor answers. Every invitation must be
 * answered exactly once; what no push delivered is caught by polling and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import { waitFor } from '@lexbridge/testkit';
import type { RunningSandbox } from './harness.js';
import { startStack, type Stack, type StackReceiver } from './stack.js';

const SECRET = 'e2e-webhook-secret-0123456789abcdef';
const RULES = `
shadow: false
rules: []
default: { action: decline, reason: not taking new cases this week }
`;
// Reconciliation polls every 1.5 s: far slower than a push, fast enough for a test.
const RECONCILE_POLL_MS = 1_500;

async function counter(registry: Registry, name: string, label?: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => label === undefined || Object.values(v.labels).includes(label)).reduce((a, v) => a + v.value, 0);
}

describe('webhooks with polling as the safety net', () => {
  let s: Stack;
  let env: RunningSandbox;
  let poller: Stack['poller'];
  let receiver: StackReceiver;

  beforeAll(async () => {
    s = await startStack('default', {
      fragments: [RULES],
      webhooks: { secret: SECRET, pollIntervalMs: RECONCILE_POLL_MS },
      pollerTiming: { overlapMs: 10_000, initialLookbackMs: 60_000 },
      scenario: { expiryMs: { min: 24 * 3_600_000, max: 48 * 3_600_000 } },
    });
    ({ env, poller } = s);
    receiver = s.receiver!;
  });
  afterAll(() => s?.close());

  /** Waits until every invitation the sandbox sent has been answered, and no push is still on its way. */
  async function everyInvitationAnswered(timeoutMs = 60_000) {
    const sandbox = env.sandbox.state;
    await waitFor(
      () => {
        const answered = new Set(sandbox.actions.map((a) => a.invitationId));
        return sandbox.invitations.list().every((r) => answered.has(r.doc._id)) && sandbox.webhooks.stats().pending === 0;
      },
      { timeoutMs, intervalMs: 100, message: 'every invitation answered and every push settled' },
    );
  }

  function expectEachAnsweredOnce() {
    const byInvitation = new Map<string, number>();
    for (const a of env.sandbox.state.actions) byInvitation.set(a.invitationId, (byInvitation.get(a.invitationId) ?? 0) + 1);
    for (const r of env.sandbox.state.invitations.list()) expect(byInvitation.get(r.doc._id), r.doc._id).toBe(1);
    expect(env.sandbox.state.stats().actions.duplicate).toBe(0);
  }

  it('answers pushed invitations within a second of their being stored, before any poll', async () => {
    const missedBefore = await counter(poller.registry, 'lexbridge_webhook_missed_total');
    // Past the first poll (which reads the lookback), so what follows comes by push.
    await waitFor(async () => (await poller.poller.checkpoint.read()) !== undefined, { message: 'first poll done' });
    const started = Date.now();
    env.sandbox.scenario.generate(5);
    await everyInvitationAnswered(10_000);
    expect(Date.now() - started).toBeLessThan(RECONCILE_POLL_MS);
    expectEachAnsweredOnce();
    expect(await counter(receiver.service.registry, 'lexbridge_receiver_deliveries_total', 'accepted')).toBeGreaterThanOrEqual(5);
    expect(await counter(poller.registry, 'lexbridge_webhook_missed_total')).toBe(missedBefore);
  });

  it('answers every invitation once when pushes are dropped, delayed, duplicated and mis-signed, catching the lost ones by polling and counting them', async () => {
    const missedBefore = await counter(poller.registry, 'lexbridge_webhook_missed_total');
    const undeliveredBefore = new Set(env.sandbox.state.webhooks.undelivered());
    const wh = env.sandbox.state.webhooks;
    expect(wh.update({ drop: 0.2, duplicate: 0.2, badSignature: 0.1, delay: { rate: 0.3, minMs: 20, maxMs: 600 } }).success).toBe(true);
    env.sandbox.scenario.generate(80);
    await everyInvitationAnswered();
    wh.update({ drop: 0, duplicate: 0, badSignature: 0, delay: { rate: 0 } });
    // Polling has read everything the pushes lost (its checkpoint is past them).
    const lost = wh.undelivered().filter((id) => !undeliveredBefore.has(id));
    expect(lost.length).toBeGreaterThan(0);
    await waitFor(async () => (await counter(poller.registry, 'lexbridge_webhook_missed_total')) - missedBefore >= lost.length, { timeoutMs: 10_000, message: 'every lost push counted as missed' });
    expectEachAnsweredOnce();
    const stats = wh.stats();
    expect(stats.dropped + stats.badlySigned).toBeGreaterThan(0);
    expect(stats.duplicated).toBeGreaterThan(0);
    expect(await counter(receiver.service.registry, 'lexbridge_receiver_rejected_total', 'bad-signature')).toBeGreaterThanOrEqual(stats.badlySigned);
    expect(await counter(receiver.service.registry, 'lexbridge_receiver_deliveries_total', 'duplicate')).toBeGreaterThan(0);
  });

  it('loses nothing while the receiver is down: polling answers, and the pushes Lexamica retries after it is back are duplicates', async () => {
    const wh = env.sandbox.state.webhooks;
    wh.update({ retry: { attempts: 20, baseMs: 200, maxMs: 1_000 } });
    const missedBefore = await counter(poller.registry, 'lexbridge_webhook_missed_total');
    await receiver.stop();
    env.sandbox.scenario.generate(10);
    await waitFor(() => wh.stats().retries > 0, { message: 'pushes retried while the receiver is down' });
    // Polling alone answers them all, a reconciliation poll later.
    await waitFor(
      () => {
        const answered = new Set(env.sandbox.state.actions.map((a) => a.invitationId));
        return env.sandbox.state.invitations.list().every((r) => answered.has(r.doc._id));
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'polling answered what the down receiver could not take' },
    );
    expect(await counter(poller.registry, 'lexbridge_webhook_missed_total')).toBeGreaterThanOrEqual(missedBefore + 10);
    await receiver.start();
    await everyInvitationAnswered(30_000);
    expectEachAnsweredOnce();
    expect(wh.stats().failed).toBe(0);
  });
});
