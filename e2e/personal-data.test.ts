/**
 * Issue 22: the client's personal data is not copied into job data or the CMS feed unless the firm
 * says so (`privacy.copyPersonalData`). A sandbox invitation carries a client's name, e-mail and
 * phone; it is decided and accepted, its case changes stage (a `lexamica.event` on the feed), and
 * then every key of the installation in Redis (BullMQ job data, the feed, the ledger) is read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@lexbridge/infra/redis';
import { redisUrl, waitFor } from '@lexbridge/testkit';
import { startStack, type Stack } from './stack.js';

const HOUR = 3_600_000;
const ACCEPT_ALL = { shadow: false, rules: [{ name: 'accept-all', when: { field: 'referral.caseType', exists: true }, then: 'accept' }], default: { action: 'manual' }, capacity: [] };

/** Every value stored under `prefix`, as text (hashes, strings, lists, sets, sorted sets, streams). */
async function everythingUnder(redis: RedisClient, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') out.push((await redis.get(key)) ?? '');
      else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

/** Runs one invitation through the stack: accepted, then its case's stage changes. */
async function throughThePipeline(s: Stack) {
  const doc = structuredClone(s.env.sandbox.scenario.generate(1)[0]!.doc);
  await waitFor(async () => ((await s.processor.ledger.get(doc._id))?.state === 'done' ? true : undefined), { timeoutMs: 30_000, message: `invitation ${doc._id} accepted` });
  s.env.sandbox.state.cases.changeStage(doc._id, 'Treatment');
  const feed = await waitFor(
    async () => {
      const items = (await s.processor.feed.read(undefined, 1_000)).items;
      return items.some((i) => i.type === 'lexamica.event' && i.data['event'] === s.env.client.profile.events.caseStageChanged) ? items : undefined;
    },
    { timeoutMs: 30_000, message: 'the stage change on the feed' },
  );
  const redis = createRedis(redisUrl(), 'producer');
  try {
    await waitFor(() => redis.status === 'ready', { message: 'redis ready' });
    return { invitationId: doc._id, client: doc.referral.client, feed: JSON.stringify(feed), redis: await everythingUnder(redis, s.keyspace.prefix) };
  } finally {
    redis.disconnect();
  }
}

describe("the client's personal data", () => {
  let s: Stack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('is in neither the feed nor any job data in Redis by default', async () => {
    s = await startStack('default', { fragments: [ACCEPT_ALL], scenario: { expiryMs: { min: 24 * HOUR, max: 48 * HOUR } } });
    const seen = await throughThePipeline(s);
    // The read covered the invitation's job data (its id is there), yet none of its client's details.
    expect(seen.redis).toContain(seen.invitationId);
    // Whole words: a short name (Kim, Mei) can be part of a random id.
    for (const value of [seen.client.firstName, seen.client.lastName, seen.client.email, seen.client.phone]) {
      const word = new RegExp(`(?<![A-Za-z0-9])${value.replace(/[.+]/g, '\\$&')}(?![A-Za-z0-9])`);
      expect(seen.feed, `feed holds ${value}`).not.toMatch(word);
      expect(seen.redis, `Redis holds ${value}`).not.toMatch(word);
    }
  });

  it('is copied into job data and the feed with privacy.copyPersonalData: true', async () => {
    s = await startStack('default', { fragments: [ACCEPT_ALL, { privacy: { copyPersonalData: true } }], scenario: { expiryMs: { min: 24 * HOUR, max: 48 * HOUR } } });
    const seen = await throughThePipeline(s);
    expect(seen.feed).toContain(seen.client.email);
    expect(seen.redis).toContain(seen.client.phone);
  });

  it('with console.clientContact: true, is kept for the case facts (the invitation.sent job and its record) but not on the feed', async () => {
    s = await startStack('default', { fragments: [ACCEPT_ALL, { console: { clientContact: true } }], scenario: { expiryMs: { min: 24 * HOUR, max: 48 * HOUR } } });
    const seen = await throughThePipeline(s);
    expect(seen.redis).toContain(seen.client.email);
    expect(seen.feed).not.toContain(seen.client.email);
    expect(seen.feed).not.toContain(seen.client.phone);
  });
});
