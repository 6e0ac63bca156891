/**
 * The least grants: the whole stack (poller, processor, API) runs as a Redis ACL user holding only
 * `redisAclRules` (the rules docs/security.md lists): the installation's keys, no channels, no INFO,
 * CONFIG, KEYS or CLIENT LIST. Redis' ACL LOG must show no command refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyspaceFor, redisAclRules, toRedisSettings } from '@lexbridge/infra/redis';
import { teardownThenStop, RedisServerProcess, uniquePrefix } from '@lexbridge/testkit';
import { decideAndAnswer, DECIDING_RULES } from './scenarios.js';
import { startStack, type Stack } from './stack.js';

const USER = 'lexbridge-app';
const PASSWORD = 'acl-pass-0123456789';

describe('as a Redis ACL user with only the least grants', () => {
  let server: RedisServerProcess | undefined;
  let s: Stack | undefined;
  beforeAll(async () => {
    server = await RedisServerProcess.start();
    const settings = toRedisSettings(`redis://${USER}:${PASSWORD}@127.0.0.1:${server.port}`);
    const prefix = uniquePrefix('acl');
    await server.client((c) => c.call('ACL', 'SETUSER', USER, 'on', `>${PASSWORD}`, ...redisAclRules(keyspaceFor(settings, prefix))));
    s = await startStack('default', { redis: settings, redisPrefix: prefix, fragments: [{ shadow: false, ...DECIDING_RULES }] });
  }, 60_000);
  afterAll(() => teardownThenStop('the stack', 40_000, () => s?.close(), () => server?.stop()), 60_000);

  it('decides and answers invitations, and the API serves the CMS, with nothing refused', async () => {
    await decideAndAnswer(s!);
    const ready = await s!.api.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode, ready.body).toBe(200);
    const events = await s!.cms('GET', '/v1/events?limit=50');
    expect(events.status).toBe(200);
    // The only refusal is the start-up probe's INFO (once per connection), which tells BullMQ to
    // skip its INFO version check: no command the services need was refused.
    const refused = ((await server!.client((c) => c.call('ACL', 'LOG'))) as unknown[][]).map((entry) => {
      const field = (name: string) => String(entry[entry.indexOf(name) + 1]);
      return { object: field('object'), count: Number(field('count')) };
    });
    expect(refused.filter((r) => r.object !== 'info')).toEqual([]);
    expect(refused.find((r) => r.object === 'info')?.count).toBeLessThanOrEqual(3);
    // The grants really are narrow: the user may not run what it does not need.
    const denied = await server!.client(async (c) => {
      await c.auth(USER, PASSWORD);
      const tries = [c.info(), c.config('GET', 'maxmemory-policy'), c.keys('*'), c.call('CLIENT', 'LIST'), c.get('someone-else:key')];
      return (await Promise.allSettled(tries)).map((t) => (t.status === 'rejected' ? String(t.reason).slice(0, 40) : 'allowed'));
    });
    expect(denied.every((d) => /NOPERM/.test(d)), denied.join('; ')).toBe(true);
  });
});
