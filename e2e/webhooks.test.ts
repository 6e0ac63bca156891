/**
 * Webhooks and polling together, end to end: the sandbox pushes signed webhooks for the subscribed
 * events (dropping, delaying, duplicating and mis-signing some), the receiver takes them, the
 * poller reconciles at its slower interval, and the processor answers. Every invitation must be
 * answered exactly once; what no push delivered is caught by polling and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '@lexbridge/infra/redis';
import { createPollerService, type PollerService } from '@lexbridge/poller';
import { createProcessorService, processorFirmConfigSchema, type ProcessorService } from '@lexbridge/processor';
import { createReceiverService, type ReceiverService } from '@lexbridge/receiver';
import { parseFirmConfig, personalDataPolicy } from '@lexbridge/core/firm-config';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { freePort, redisUrl, scratchPrefix, waitFor } from '@lexbridge/testkit';
import type { Registry } from 'prom-client';
import { exampleConfigWith, startSandbox, type RunningSandbox } from './harness.js';

const logger = createLogger({ name: 'e2e-webhooks', level: 'silent' });
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
  let env: RunningSandbox;
  let port: number;
  let prefix: string;
  let cleanupPrefix: () => Promise<void>;
  const closers: Array<() => Promise<void>> = [];
  let poller: PollerService;
  let processor: ProcessorService;
  let receiver: ReceiverService;
  let receiverRedis: RedisClient;

  async function startReceiver() {
    receiverRedis = createRedis(redisUrl(), 'producer');
    await waitFor(() => receiverRedis.status === 'ready', { message: 'receiver redis ready' });
    receiver = createReceiverService({ profile: env.client.profile, secrets: [SECRET], redis: receiverRedis, redisPrefix: prefix, logger, webhooks: env.firm.webhooks!, personalData: personalDataPolicy(env.firm) });
    receiver.start();
    await receiver.app.listen({ port, host: '127.0.0.1' });
  }
  async function stopReceiver() {
    await receiver.close();
    receiverRedis.disconnect();
  }

  beforeAll(async () => {
    port = await freePort();
    const yaml = exampleConfigWith(RULES, { webhooks: { url: `http://127.0.0.1:${port}/hooks/lexamica`, port, pollIntervalMs: RECONCILE_POLL_MS } });
    env = await startSandbox({ firmYaml: yaml, webhookSecret: SECRET, scenario: { expiryMs: { min: 24 * 3_600_000, max: 48 * 3_600_000 } } });
    ({ prefix, cleanup: cleanupPrefix } = scratchPrefix('e2e-webhooks'));
    await startReceiver();
    const pollerRedis = createRedis(redisUrl(), 'worker');
    poller = createPollerService({
      client: env.client,
      redis: pollerRedis,
      redisPrefix: prefix,
      logger,
      webhooks: true,
      personalData: personalDataPolicy(env.firm),
      timing: { intervalMs: env.firm.webhooks!.pollIntervalMs, overlapMs: 10_000, reconcileIntervalMs: 3_600_000, reconcileWindowMs: 86_400_000, initialLookbackMs: 60_000, leaseTtlMs: 600 },
    });
    poller.start();
    closers.push(async () => {
      await poller.close();
      pollerRedis.disconnect();
    });
    const processorRedis = createRedis(redisUrl(), 'worker');
    processor = createProcessorService({
      redis: processorRedis,
      keyspace: createKeyspace(prefix),
      client: env.client,
      firm: parseFirmConfig(yaml, 'e2e.yaml', processorFirmConfigSchema),
      logger,
      expirySafetyMs: 300,
      workerOptions: { lockDuration: 2_000, stalledInterval: 1_000 },
    });
    await processor.start();
    closers.push(async () => {
      await processor.close();
      processorRedis.disconnect();
    });
  });
  afterAll(async () => {
    while (closers.length) await closers.pop()!();
    await stopReceiver();
    await env.close();
    await cleanupPrefix();
  });

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
    expect(await counter(receiver.registry, 'lexbridge_receiver_deliveries_total', 'accepted')).toBeGreaterThanOrEqual(5);
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
    expect(await counter(receiver.registry, 'lexbridge_receiver_rejected_total', 'bad-signature')).toBeGreaterThanOrEqual(stats.badlySigned);
    expect(await counter(receiver.registry, 'lexbridge_receiver_deliveries_total', 'duplicate')).toBeGreaterThan(0);
  });

  it('loses nothing while the receiver is down: polling answers, and the pushes Lexamica retries after it is back are duplicates', async () => {
    const wh = env.sandbox.state.webhooks;
    wh.update({ retry: { attempts: 20, baseMs: 200, maxMs: 1_000 } });
    const missedBefore = await counter(poller.registry, 'lexbridge_webhook_missed_total');
    await stopReceiver();
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
    await startReceiver();
    await everyInvitationAnswered(30_000);
    expectEachAnsweredOnce();
    expect(wh.stats().failed).toBe(0);
  });
});
