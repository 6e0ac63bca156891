import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createSeenStore, intakeKeys } from './index.js';

describe('the intake both paths share', () => {
  const t = createTestRedis('intake');
  afterAll(() => t.cleanup());
  let now = 1_000_000;
  const store = () => createSeenStore(t.redis, intakeKeys(createKeyspace(t.prefix)), () => now);

  it('gives an id to the first path that claims it, and tells the other it is held', async () => {
    const [poller, receiver] = [store(), store()];
    expect(await poller.claim(['a', 'b'])).toEqual({ claimed: new Set(['a', 'b']), held: new Set() });
    expect(await receiver.claim(['b', 'c'])).toEqual({ claimed: new Set(['c']), held: new Set(['b']) });
  });

  it('remembers an enqueued id for good (its claim goes), and frees a released one at once', async () => {
    const s = store();
    await s.claim(['d', 'e']);
    await s.remember([{ id: 'd', createdAtMs: 5 }]);
    await s.release(['e']);
    expect(await s.claim(['d', 'e'])).toEqual({ claimed: new Set(['e']), held: new Set() });
    expect([...(await s.unseen(['d', 'e']))]).toEqual(['e']);
    expect(await t.redis.hexists(intakeKeys(createKeyspace(t.prefix)).claims, 'd')).toBe(0);
  });

  it('lets a claim lapse after its TTL, so a path that died holding it loses nothing', async () => {
    const s = store();
    expect((await s.claim(['f'], 1_000)).claimed.has('f')).toBe(true);
    now += 999;
    expect((await s.claim(['f'])).held.has('f')).toBe(true);
    now += 2;
    expect((await s.claim(['f'])).claimed.has('f')).toBe(true);
  });
});
