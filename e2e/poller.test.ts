import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLexamicaClient } from '@lexbridge/lexamica-client';
import { pollerKeys } from '@lexbridge/core/poller-state';
import { personalDataPolicy } from '@lexbridge/core/firm-config';
import { describePlan, planSetup } from '@lexbridge/cli';
import { createPollerService, type PollerTiming } from '@lexbridge/poller';
import { QUEUE_NAMES, storedEventsOf, type QueueSet } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { redisUrl, scratchPrefix, ScriptServer, waitFor } from '@lexbridge/testkit';
import { startSandbox, type RunningSandbox, FAST_POLLER_TIMING } from './harness.js';

const logger = createLogger({ name: 'e2e-poller', level: 'silent' });
const baseTiming = FAST_POLLER_TIMING;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function startPoller(env: { client: RunningSandbox['client'] }, prefix: string, timing: Partial<PollerTiming> = {}, instanceId?: string, now?: () => number) {
  const redis = createRedis(redisUrl(), 'worker');
  const service = createPollerService({ client: env.client, redis, redisPrefix: prefix, logger, timing: { ...baseTiming, ...timing }, personalData: personalDataPolicy({ mappings: {} }), ...(instanceId ? { instanceId } : {}), ...(now ? { now } : {}) });
  const close = async () => {
    await service.close();
    redis.disconnect();
  };
  cleanups.push(close);
  return { service, redis, close };
}

function usePrefix(): string {
  const { prefix, cleanup } = scratchPrefix('poller');
  cleanups.push(cleanup);
  return prefix;
}

/** Every job id across the stored-event queues, with how often each event id appears. */
async function enqueuedEventIds(queues: QueueSet): Promise<string[]> {
  const ids: string[] = [];
  for (const q of ['invitations', 'inbound'] as const) {
    const jobs = await queues.get(q).getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
    ids.push(...jobs.flatMap((j) => storedEventsOf(j).map((e) => e.id)));
  }
  return ids;
}

/** What Lexamica holds: every distinct stored event id (duplicates of one id count once). */
async function storedEventIds(env: RunningSandbox): Promise<string[]> {
  const ids = new Set<string>();
  for await (const page of env.client.events.pages({ from: new Date(0), to: new Date(Date.now() + 60_000), pageSize: 100 })) {
    for (const e of page.events) ids.add(e.id);
  }
  return [...ids];
}

function expectExactlyOnce(enqueued: string[], stored: string[]) {
  expect(new Set(enqueued).size, 'no event enqueued twice').toBe(enqueued.length);
  expect([...enqueued].sort()).toEqual([...stored].sort());
}

describe('poller against the sandbox', () => {
  let env: RunningSandbox;
  beforeAll(async () => {
    env = await startSandbox();
  });
  afterAll(() => env.close());
  afterEach(() => {
    env.sandbox.scenario.reset();
    env.sandbox.state.faults.update({ serverError: { rate: 0 }, rateLimit: { rate: 0 }, latency: { rate: 0 }, reset: { rate: 0 }, duplicateEvent: { rate: 0 }, lateEvent: { rate: 0 }, sameTimestamp: { rate: 0 } });
  });

  it('sets up mappings and subscriptions idempotently, and a dry run shows nothing left to do', async () => {
    const plan = await planSetup(env.client, env.firm);
    expect(plan.steps).toEqual([]);
    expect(describePlan(plan)[0]).toMatch(/nothing to change/);
    const changed = { ...env.firm, subscriptions: env.firm.subscriptions.map((s) => (s.event === 'Case Stage Changed' ? { ...s, active: false } : s)) };
    const plan2 = await planSetup(env.client, changed);
    expect(plan2.steps).toHaveLength(1);
    expect(describePlan(plan2)[0]).toMatch(/update subscription "Case Stage Changed".*active true → false/);
  });

  it('reads events that share one timestamp across a page boundary, each once', async () => {
    const prefix = usePrefix();
    const at = Date.now() - 1_000;
    env.sandbox.scenario.generate(250, at);
    // The poller's clock stands still 1 s after the events: both passes end at the same `to`, so the
    // second re-reads the recent overlap (2 s) holding all 250 however long the first pass took.
    // (On the wall clock, a first pass slower than 1 s left them in the older part of the overlap,
    // which is skipped when its count matches: 0 duplicates, and the test failed on a busy machine.)
    const frozen = at + 1_000;
    const { service } = startPoller(env, prefix, {}, undefined, () => frozen);
    const result = await service.poller.pollOnce();
    expect(result?.pages).toBeGreaterThanOrEqual(3);
    expectExactlyOnce(await enqueuedEventIds(service.queues), await storedEventIds(env));
    // Polling again re-reads the overlap and adds nothing.
    const again = await service.poller.pollOnce();
    expect(again?.enqueued).toBe(0);
    expect(again?.duplicates).toBe(250);
  });

  it('picks up events stored late with an earlier timestamp inside the overlap window', async () => {
    const prefix = usePrefix();
    env.sandbox.scenario.generate(20);
    const { service } = startPoller(env, prefix, { overlapMs: 10_000 });
    await service.poller.pollOnce();
    env.sandbox.state.faults.update({ lateEvent: { rate: 1, windowMs: 4_000 } });
    env.sandbox.scenario.generate(30);
    env.sandbox.state.faults.update({ lateEvent: { rate: 0 } });
    const second = await service.poller.pollOnce();
    expect(second?.enqueued).toBeGreaterThanOrEqual(30);
    expectExactlyOnce(await enqueuedEventIds(service.queues), await storedEventIds(env));
  });

  it('loses nothing when events are stored (early, late and duplicated) while it pages', async () => {
    const prefix = usePrefix();
    env.sandbox.state.faults.update({ latency: { rate: 1, minMs: 2, maxMs: 10 }, lateEvent: { rate: 0.3, windowMs: 2_000 }, duplicateEvent: { rate: 0.1 } });
    env.sandbox.scenario.generate(300);
    env.sandbox.scenario.start({ rate: 200, cancelRate: 0, updateRate: 0, closeRate: 0 });
    const { service } = startPoller(env, prefix, { overlapMs: 5_000 });
    service.start();
    await new Promise((r) => setTimeout(r, 1_500));
    env.sandbox.scenario.stop();
    env.sandbox.state.faults.update({ latency: { rate: 0 } });
    const stored = await storedEventIds(env);
    await waitFor(async () => (await enqueuedEventIds(service.queues)).length >= stored.length, { timeoutMs: 15_000 });
    expectExactlyOnce(await enqueuedEventIds(service.queues), stored);
  });

  it('after a crash between enqueue and checkpoint, a restarted poller enqueues each event once', async () => {
    const prefix = usePrefix();
    env.sandbox.scenario.generate(150);
    const first = startPoller(env, prefix, {}, 'first');
    // Crash right after the first page's enqueue, before its checkpoint write.
    const cp = first.service.poller.checkpoint;
    const original = cp.advance.bind(cp);
    cp.advance = async () => {
      throw new Error('crash');
    };
    await expect(first.service.poller.pollOnce()).rejects.toThrow('crash');
    cp.advance = original;
    const afterCrash = await enqueuedEventIds(first.service.queues);
    expect(afterCrash.length).toBe(100);
    expect(await cp.read()).toBeUndefined();
    await first.close();

    const second = startPoller(env, prefix, {}, 'second');
    await waitFor(() => second.service.poller.pollOnce(), { timeoutMs: 5_000 });
    expectExactlyOnce(await enqueuedEventIds(second.service.queues), await storedEventIds(env));
  });

  it('with two pollers running, exactly one polls; the other takes over when it stops', async () => {
    const prefix = usePrefix();
    // A lease of 5 s (renewed every 1.7 s) outlives a stall of the whole process up to 3 s: with the
    // harness's 600 ms, a 400 ms stall let it expire in Redis and pass to the other replica, so
    // the follower had polled. Taking over after `close()` does not wait for the TTL: the lease is
    // released.
    const timing = { leaseTtlMs: 5_000 };
    const a = startPoller(env, prefix, timing, 'a');
    const b = startPoller(env, prefix, timing, 'b');
    a.service.start();
    b.service.start();
    await waitFor(() => a.service.poller.isLeader() || b.service.poller.isLeader());
    for (let i = 0; i < 10; i++) {
      expect(Number(a.service.poller.isLeader()) + Number(b.service.poller.isLeader())).toBeLessThanOrEqual(1);
      env.sandbox.scenario.generate(5);
      await new Promise((r) => setTimeout(r, 60));
    }
    const [leader, follower] = a.service.poller.isLeader() ? [a, b] : [b, a];
    const pagesOf = async (s: typeof a) => (await s.service.registry.getSingleMetric('lexbridge_poller_pages_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    expect(await pagesOf(leader)).toBeGreaterThan(0);
    expect(await pagesOf(follower)).toBe(0);
    await leader.close();
    await waitFor(() => follower.service.poller.isLeader(), { timeoutMs: 5_000 });
    env.sandbox.scenario.generate(10);
    const stored = await storedEventIds(env);
    await waitFor(async () => (await enqueuedEventIds(follower.service.queues)).length >= stored.length, { timeoutMs: 5_000 });
    expectExactlyOnce(await enqueuedEventIds(follower.service.queues), stored);
  });

  it('rides out a 429 and 5xx storm, keeping its checkpoint, and then catches up with nothing lost', async () => {
    const prefix = usePrefix();
    env.sandbox.scenario.generate(50);
    // No client-side retries: every fault reaches the poller's own backoff.
    const { org } = env.sandbox.state;
    const fragile = createLexamicaClient({ baseUrl: env.baseUrl, orgId: org.id, publicKey: org.publicKey, privateKey: org.privateKey, retry: { maxRetries: 0 } });
    const { service } = startPoller({ client: fragile }, prefix, { maxBackoffMs: 300 });
    const pollErrors = async () => (await service.registry.getSingleMetric('lexbridge_poller_errors_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    env.sandbox.state.faults.update({ serverError: { rate: 0.6 }, rateLimit: { rate: 0.3, retryAfterSec: 0 }, reset: { rate: 0.05 } });
    service.start();
    for (let i = 0; i < 5; i++) {
      env.sandbox.scenario.generate(20);
      await new Promise((r) => setTimeout(r, 150));
    }
    await waitFor(async () => (await pollErrors()) >= 3, { timeoutMs: 10_000, message: 'the storm never reached the poller' });
    env.sandbox.state.faults.update({ serverError: { rate: 0 }, rateLimit: { rate: 0 }, reset: { rate: 0 } });
    const stored = await storedEventIds(env);
    await waitFor(async () => (await enqueuedEventIds(service.queues)).length >= stored.length, { timeoutMs: 20_000 });
    expectExactlyOnce(await enqueuedEventIds(service.queues), stored);
    expect(env.sandbox.state.faults.counts().total).toBeGreaterThan(0);
  });

  it('a backfill over a range already read enqueues nothing new', async () => {
    const prefix = usePrefix();
    env.sandbox.scenario.generate(120);
    const { service } = startPoller(env, prefix);
    await service.poller.pollOnce();
    const before = (await enqueuedEventIds(service.queues)).length;
    const result = await service.poller.backfill({ from: new Date(Date.now() - 3_600_000), to: new Date() });
    expect(result.read).toBe(before);
    expect(result.enqueued).toBe(0);
    const recon = await service.poller.reconcileOnce();
    expect(recon.enqueued).toBe(0);
    expect((await enqueuedEventIds(service.queues)).length).toBe(before);
    const metrics = (await service.ops.inject('/metrics')).body;
    expect(metrics).toMatch(/lexbridge_poller_checkpoint_age_seconds\{service="poller"\} \d/);
    expect(metrics).toMatch(/lexbridge_poller_is_leader\{service="poller"\} 1/);
    expect(metrics).toMatch(/lexbridge_poller_duplicates_dropped_total\{mode="backfill",service="poller"\} 120/);
  });

  it('keeps its seen-id memory bounded to the longer of the overlap and reconciliation windows', async () => {
    const prefix = usePrefix();
    env.sandbox.scenario.generate(200, Date.now() - 30_000);
    env.sandbox.scenario.generate(10);
    const { service, redis } = startPoller(env, prefix, { overlapMs: 5_000, reconcileWindowMs: 10_000, initialLookbackMs: 60_000 });
    await service.poller.pollOnce();
    await service.poller.pollOnce();
    // All 210 were enqueued; only the 10 inside the last 10 s are remembered.
    expect(await redis.zcard(pollerKeys(createKeyspace(prefix)).seen)).toBeLessThanOrEqual(10);
  });
});

describe('poller with a malformed stored event', () => {
  it('quarantines it as a failed job with the reason and goes on polling', async () => {
    const server = await new ScriptServer().start();
    cleanups.push(() => server.stop());
    const prefix = usePrefix();
    const ok = (n: number) => ({ _id: `e${n}`, event: 'Case Update Made', subscription: 's', mapping: 'm', createdAt: new Date(Date.now() - 1_000 + n).toISOString(), payload: { n } });
    const page = [ok(1), { event: 'Case Update Made', createdAt: 'not a date', payload: {} }, ok(2)];
    server.otherwise((req) => ({ status: 200, body: { data: req.query.get('skip') === '0' ? page : [], total: 3 } }));
    const client = createLexamicaClient({ baseUrl: server.baseUrl, orgId: 'org', publicKey: 'public-key-1', privateKey: 'private-key-1' });
    const { service } = startPoller({ client }, prefix);
    service.start();
    const quarantine = service.queues.get('quarantine');
    const failed = await waitFor(async () => (await quarantine.getFailed())[0]);
    expect(failed.failedReason).toMatch(/malformed stored event: data\.1\._id/);
    expect(failed.failedReason).toContain('data.1.createdAt');
    await waitFor(async () => (await enqueuedEventIds(service.queues)).length === 2);
    expect((await service.poller.checkpoint.read())?.watermarkMs).toBeGreaterThan(Date.now() - 5_000);
    expect(QUEUE_NAMES).toContain('quarantine');
  });
});
