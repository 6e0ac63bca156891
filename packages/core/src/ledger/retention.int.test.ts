/**
 * Retention and deletion requests on a real Redis (issue 22): a final record expires by Redis TTL
 * after its retention and the sweep clears its indexes and case link; feed items past their
 * retention leave the feed; a purge removes a case's records, link, feed items and finished jobs and
 * reports itself with ids and counts only.
 */
import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, waitFor } from '@lexbridge/testkit';
import { createFeed } from '../feed/index.js';
import { QueueSet } from '../jobs/index.js';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createCaseIndex, createLedger, ledgerKeys, purgeCase, retentionPolicy, DEFAULT_RETENTION } from './index.js';

const t = createTestRedis('retention');
afterAll(() => t.cleanup());

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('retention', () => {
  it('expires a final record after its retention and the sweep leaves no index or case link behind', async () => {
    const keyspace = createKeyspace(`${t.prefix}:records`);
    const keys = ledgerKeys(keyspace);
    const feed = createFeed(t.redis, keyspace);
    const ledger = createLedger(t.redis, keyspace, { feed: feed.outbox, recordsRetentionMs: 400 });
    const cases = createCaseIndex(t.redis, keyspace);
    await ledger.receive({ invitationId: 'old', eventId: 'e1', caseId: 'case-old', sentAt: inHours(-1), expires: inHours(24) });
    await ledger.receive({ invitationId: 'open', eventId: 'e2', caseId: 'case-open', sentAt: inHours(-1), expires: inHours(24) });
    await ledger.transition('old', { from: ['received'], to: 'closed', note: 'closed on Lexamica' });

    // A record that is still in progress is kept however long it waits; a final one gets a TTL.
    expect(await t.redis.pttl(keys.record('open'))).toBe(-1);
    const ttl = await t.redis.pttl(keys.record('old'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);

    await waitFor(async () => (await ledger.get('old')) === undefined, { timeoutMs: 5_000 });
    expect(await t.redis.zscore(keys.state('closed'), 'old')).not.toBeNull();
    expect(await ledger.purgeExpired()).toBe(1);
    expect(await t.redis.zscore(keys.state('closed'), 'old')).toBeNull();
    expect(await t.redis.zscore(keys.all, 'old')).toBeNull();
    expect(await cases.invitationOf('case-old')).toBeUndefined();
    expect(await t.redis.zcard(keys.retention)).toBe(0);
    expect((await ledger.counts()).closed).toBe(0);
    // The open record and its link are untouched.
    expect(await ledger.get('open')).toMatchObject({ state: 'received' });
    expect(await cases.invitationOf('case-open')).toBe('open');
  });

  it('keeps a record again that leaves its final state', async () => {
    const keyspace = createKeyspace(`${t.prefix}:revive`);
    const keys = ledgerKeys(keyspace);
    const ledger = createLedger(t.redis, keyspace, { recordsRetentionMs: 60_000 });
    await ledger.receive({ invitationId: 'r', eventId: 'e', expires: inHours(24) });
    await ledger.transition('r', { from: ['received'], to: 'expired' });
    expect(await t.redis.pttl(keys.record('r'))).toBeGreaterThan(0);
    await ledger.transition('r', { from: ['expired'], to: 'manual', note: 'Lexamica extended it' });
    expect(await t.redis.pttl(keys.record('r'))).toBe(-1);
    expect(await t.redis.zcard(keys.retention)).toBe(0);
  });

  it("trims feed items past their retention by the sweep; an append caps only the length", async () => {
    const keyspace = createKeyspace(`${t.prefix}:feed`);
    const feed = createFeed(t.redis, keyspace, { retentionMs: 300 });
    const item = (id: string) => ({ id, type: 'test.item', occurredAt: new Date().toISOString(), data: { n: id } });
    await feed.append(item('a'));
    await new Promise((r) => setTimeout(r, 400));
    await feed.append(item('b'));
    // The sweep (the processor's watchdog, every minute) takes what is past its retention.
    expect(await feed.trimExpired()).toBe(1);
    expect((await feed.read(undefined, 10)).items.map((i) => i.id)).toEqual(['b']);
    await new Promise((r) => setTimeout(r, 400));
    expect(await feed.trimExpired()).toBe(1);
    expect((await feed.read(undefined, 10)).items).toEqual([]);
  });

  it('takes RETENTION_*_DAYS over the YAML over the defaults', () => {
    expect(retentionPolicy(undefined)).toEqual(DEFAULT_RETENTION);
    expect(retentionPolicy({ records: 3_600_000, feed: 60_000 }, { RETENTION_FEED_DAYS: 2 })).toEqual({ recordsMs: 3_600_000, feedMs: 2 * 86_400_000, jobsMs: DEFAULT_RETENTION.jobsMs });
  });
});

describe('purge of a case (a deletion request)', () => {
  it("removes the case's records, case link, feed items and finished jobs, and says so without personal data", async () => {
    const keyspace = createKeyspace(`${t.prefix}:purge`);
    const keys = ledgerKeys(keyspace);
    const feed = createFeed(t.redis, keyspace);
    const ledger = createLedger(t.redis, keyspace, { feed: feed.outbox });
    const queues = new QueueSet(t.redis, keyspace);
    try {
      const announce = (id: string, caseId: string) => () => ({ id: `decided:${id}`, type: 'invitation.decided', occurredAt: new Date().toISOString(), data: { invitationId: id, caseId } });
      await ledger.receive({ invitationId: 'inv-1', eventId: 'ev-1', caseId: 'case-1', sentAt: inHours(-2), expires: inHours(24) }, undefined, { announce: announce('inv-1', 'case-1') });
      await ledger.receive({ invitationId: 'inv-2', eventId: 'ev-2', caseId: 'case-1', sentAt: inHours(-1), expires: inHours(24) }, undefined, { announce: announce('inv-2', 'case-1') });
      await ledger.transition('inv-1', { from: ['received'], to: 'closed' });
      await ledger.receive({ invitationId: 'inv-9', eventId: 'ev-9', caseId: 'case-9', sentAt: inHours(-1), expires: inHours(24) }, undefined, { announce: announce('inv-9', 'case-9') });
      await feed.append({ id: 'event:ev-1', type: 'lexamica.event', occurredAt: new Date().toISOString(), data: { eventId: 'ev-1', payload: { _id: 'inv-1', referral: { _id: 'case-1', client: { email: 'ada@example.com' } } } } });

      // Finished jobs that carry the case (one failed, one completed), then one waiting, and one of another case.
      const q = queues.get('outbound');
      await q.add('outbound.send', { caseId: 'case-1', note: 'x' }, { jobId: 'job-fail' });
      await q.add('outbound.send', { invitationId: 'inv-2' }, { jobId: 'job-done' });
      const worker = new Worker('outbound', async (job) => {
        if (job.id === 'job-fail') throw new Error('refused');
      }, { connection: t.redis.duplicate(), prefix: keyspace.bullPrefix });
      try {
        await waitFor(async () => (await q.getJobCounts('failed', 'completed')).failed === 1 && (await q.getJobCounts('completed')).completed === 1);
      } finally {
        await worker.close();
      }
      await q.add('outbound.send', { caseId: 'case-1' }, { jobId: 'job-wait' });
      await q.add('outbound.send', { caseId: 'case-9' }, { jobId: 'job-other' });

      const report = await purgeCase({ ledger, feed, queues, redis: t.redis, keyspace, by: 'dpo@firm' }, 'case-1');

      expect(report.invitations.sort()).toEqual(['inv-1', 'inv-2']);
      expect(report.feedItems).toBe(3);
      expect(report.jobs).toBe(2);
      expect(report.pendingJobs).toEqual(['outbound/job-wait']);
      expect(await ledger.get('inv-1')).toBeUndefined();
      expect(await ledger.get('inv-2')).toBeUndefined();
      expect(await t.redis.exists(`${keyspace.key('ledger', 'case', 'case-1')}`)).toBe(0);
      expect(await t.redis.zscore(keys.all, 'inv-2')).toBeNull();
      expect(await t.redis.zscore(keys.retention, JSON.stringify(['inv-1', 'closed', 'case-1']))).toBeNull();
      expect(await q.getJob('job-fail')).toBeUndefined();
      expect(await q.getJob('job-done')).toBeUndefined();
      expect(await q.getJob('job-other')).toBeDefined();
      // The other case is untouched; the feed holds its item and the purge's own report.
      expect(await ledger.get('inv-9')).toMatchObject({ caseId: 'case-9' });
      const items = (await feed.read(undefined, 100)).items;
      expect(items.map((i) => i.type)).toEqual(['invitation.decided', 'admin.action']);
      const admin = items[1]!;
      expect(admin.data).toEqual({ action: 'purge-case', by: 'dpo@firm', caseId: 'case-1', invitations: 2, feedItems: 3, jobs: 2, uploads: 0, caseActivity: 0, pendingJobs: 1 });
      expect(JSON.stringify(items)).not.toMatch(/ada@example\.com|inv-1|inv-2/);
      // Run again (a job was left): the first run's report stays on the feed, beside the second's.
      const again = await purgeCase({ ledger, feed, queues, redis: t.redis, keyspace, by: 'dpo@firm' }, 'case-1');
      expect(again).toMatchObject({ feedItems: 0, jobs: 0, pendingJobs: ['outbound/job-wait'] });
      expect((await feed.read(undefined, 100)).items.map((i) => i.type)).toEqual(['invitation.decided', 'admin.action', 'admin.action']);
      // A purged item's id is forgotten: announcing it again adds it again.
      expect((await feed.append({ id: 'decided:inv-1', type: 'invitation.decided', occurredAt: new Date().toISOString(), data: {} })).duplicate).toBe(false);
    } finally {
      await queues.close();
    }
  });
});
