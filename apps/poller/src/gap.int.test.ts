import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { pollerKeys } from '@lexbridge/core/poller-state';
import { createPollerFactory, createScriptedStore, createTestClock } from '../test/harness.js';
import { loadPollerEnv } from './config.js';

const DAY = 86_400_000;

// Issue 16, item 9: a checkpoint older than Lexamica's retention (events gone for good), and a first
// start that read only 24 hours back, went unnoticed.
describe('gaps the poller cannot read', () => {
  const t = createTestRedis('gap');
  const pollers = createPollerFactory(t);
  afterEach(() => pollers.stop());
  afterAll(() => t.cleanup());
  const clock = Date.parse('2026-11-22T12:00:00.000Z');

  function setUp() {
    // A Lexamica with no stored events: what is looked at here is where a poll starts.
    const { poller, keyspace, queues, registry } = pollers.start({
      store: createScriptedStore(),
      clock: createTestClock(clock),
      timing: { overlapMs: 60_000, reconcileWindowMs: DAY, initialLookbackMs: 2 * DAY, retentionMs: 30 * DAY },
    });
    // Handed to a processor to announce on the feed and webhook, like every other item.
    const gaps = async () => (await queues.get('maintenance').getJobs(['waiting'])).filter((j) => j.name === 'events.gap').map((j) => ({ data: j.data as Record<string, unknown> }));
    const counted = async (reason: string) => (await registry.getSingleMetric('lexbridge_poller_gaps_total')?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
    return { poller, keyspace, gaps, counted };
  }

  it('says on its first start how far back it read and that anything older was not read', async () => {
    const { poller, keyspace, gaps, counted } = setUp();
    await poller.pollOnce();
    await poller.pollOnce();
    const items = await gaps();
    expect(items).toHaveLength(1);
    expect(items[0]!.data).toMatchObject({ reason: 'first-start', to: new Date(clock - 2 * DAY).toISOString() });
    expect(items[0]!.data.message).toMatch(/backfill/);
    expect(await counted('first-start')).toBe(1);
    expect(await t.redis.hgetall(pollerKeys(keyspace).gap)).toMatchObject({ reason: 'first-start', to: new Date(clock - 2 * DAY).toISOString() });
  });

  it('reports a checkpoint older than Lexamica keeps events, with the range that may be lost', async () => {
    const { poller, keyspace, gaps, counted } = setUp();
    const watermarkMs = clock - 40 * DAY;
    await t.redis.hset(pollerKeys(keyspace).checkpoint, { watermarkMs: String(watermarkMs), watermark: new Date(watermarkMs).toISOString() });
    await poller.pollOnce();
    const items = await gaps();
    expect(items).toHaveLength(1);
    expect(items[0]!.data).toMatchObject({ reason: 'retention', from: new Date(watermarkMs).toISOString(), to: new Date(clock - 30 * DAY).toISOString() });
    expect(await counted('retention')).toBe(1);
    expect(await t.redis.hget(pollerKeys(keyspace).gap, 'reason')).toBe('retention');
  });

  it('starts, by default, a week back: longer than an invitation stays open', () => {
    const env = loadPollerEnv({ LEXAMICA_BASE_URL: 'http://x.test', LEXAMICA_ORG_ID: 'o', LEXAMICA_PUBLIC_KEY: 'p', LEXAMICA_PRIVATE_KEY: 'k' });
    expect(env.POLL_INITIAL_LOOKBACK_MS).toBeGreaterThanOrEqual(7 * DAY);
    expect(env.LEXAMICA_RETENTION_MS).toBe(30 * DAY);
  });
});
