import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { pollerKeys, readCheckpoint } from '@lexbridge/core/poller-state';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createCheckpointStore } from './checkpoint.js';

// The poller writes its checkpoint; the API's metrics and `lexbridge status` read it through
// @lexbridge/core/poller-state. Both sides use the one definition of its key and fields.
describe("the poller's checkpoint as its readers see it", () => {
  const t = createTestRedis('checkpoint');
  afterAll(() => t.cleanup());

  it('reads back the watermark the checkpoint store advanced to', async () => {
    const keys = pollerKeys(createKeyspace(t.prefix));
    const store = createCheckpointStore(t.redis, keys, () => Date.parse('2026-11-29T12:00:00.000Z'));
    expect(await readCheckpoint(t.redis, keys)).toBeUndefined();
    await t.redis.set(keys.lease, 'me');
    const watermarkMs = Date.parse('2026-11-29T11:58:30.000Z');
    expect(await store.advance({ leaseValue: 'me', watermarkMs, trimBelowMs: watermarkMs - 60_000, events: [{ id: 'e1', createdAtMs: watermarkMs }] })).toBe(true);
    expect(await readCheckpoint(t.redis, keys)).toEqual({ watermarkMs, updatedAt: '2026-11-29T12:00:00.000Z' });
    expect(await store.read()).toEqual(await readCheckpoint(t.redis, keys));
  });
});
