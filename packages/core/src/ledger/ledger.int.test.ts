import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis } from '@lexbridge/testkit';
import { createFeed, type FeedItem } from '../feed/index.js';
import { createKeyspace } from '@lexbridge/infra/redis';
import { BEGIN_ACT, createCaseIndex, createLedger, decisionTransition, findStuck, DEFAULT_WATCHDOG, ledgerKeys, LedgerCursorError, LedgerTransitionError, type LedgerDecision, type LedgerRecord } from './index.js';

const t = createTestRedis('ledger');
const keyspace = createKeyspace(t.prefix);
const other = new Redis(t.url, { maxRetriesPerRequest: null });
let clock = new Date('2026-11-22T10:00:00.000Z');
const ledger = createLedger(t.redis, keyspace, { now: () => clock });
const ledgerB = createLedger(other, keyspace, { now: () => clock });

afterAll(async () => {
  other.disconnect();
  await t.cleanup();
});

const inHours = (h: number) => new Date(clock.getTime() + h * 3_600_000).toISOString();
const accept: LedgerDecision = { action: 'accept', rule: 'mva', trace: [{ rule: 'mva', matched: true }], source: 'rules', decidedAt: clock.toISOString() };

async function received(id: string, expires = inHours(24), caseType = 'Motor Vehicle Accident'): Promise<LedgerRecord> {
  return (await ledger.receive({ invitationId: id, eventId: `ev-${id}`, mappingId: 'map-1', caseType, expires })).record;
}

describe('invitation ledger on a real Redis', () => {
  it('records an invitation once however often it is received', async () => {
    const first = await ledger.receive({ invitationId: 'r1', eventId: 'e1', expires: inHours(2), caseType: 'Employment' });
    const again = await ledger.receive({ invitationId: 'r1', eventId: 'e2', expires: inHours(9) });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.record).toEqual(first.record);
    expect(await ledger.get('r1')).toMatchObject({ state: 'received', eventId: 'e1', attempts: 0 });
  });

  it('remembers when a record entered a watched state, keeps it while it stays, and forgets it once final', async () => {
    const since = (state: 'received' | 'decided' | 'acting') => t.redis.zscore(ledgerKeys(keyspace).since(state), 'w1');
    const start = clock;
    await received('w1');
    expect(Number(await since('received'))).toBe(start.getTime());
    clock = new Date(start.getTime() + 60_000);
    await ledger.decide('w1', accept, 'decided');
    await ledger.beginAct('w1');
    expect(await since('received')).toBeNull();
    expect(Number(await since('acting'))).toBe(clock.getTime());
    clock = new Date(start.getTime() + 120_000);
    await ledger.resumeAct('w1', 'read back: still open; sending');
    expect(Number(await since('acting'))).toBe(start.getTime() + 60_000);
    // 40 minutes in acting: past the default 30 minutes, with its reason.
    const stuck = await findStuck(t.redis, keyspace, DEFAULT_WATCHDOG, new Date(start.getTime() + 60_000 + 40 * 60_000));
    expect(stuck.filter((s) => s.record.invitationId === 'w1').map((s) => s.reason.split(';')[0])).toEqual(['acting for 40m (longest stay 30m)']);
    await ledger.finishAct('w1', 'done');
    expect(await since('acting')).toBeNull();
    expect((await findStuck(t.redis, keyspace, DEFAULT_WATCHDOG, new Date(start.getTime() + 86_400_000))).filter((s) => s.record.invitationId === 'w1')).toEqual([]);
    clock = start;
  });

  it('moves received → decided → acting → done, appending history and counting the attempt', async () => {
    await received('t1');
    await ledger.decide('t1', accept, 'decided');
    await ledger.beginAct('t1');
    const done = await ledger.finishAct('t1', 'done', { lexamicaStatus: 'accepted' });
    expect(done).toMatchObject({ state: 'done', lexamicaStatus: 'accepted', attempts: 1, decision: { rule: 'mva', source: 'rules' } });
    expect(done.history.map((h) => h.state)).toEqual(['received', 'decided', 'acting', 'done']);
    expect(done.history[1]?.note).toBe("accept by rule 'mva'");
    expect(await ledger.get('t1')).toEqual(done);
  });

  it('refuses a transition from the wrong state and names the state it found', async () => {
    await received('t2');
    const err = await ledger.beginAct('t2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerTransitionError);
    expect(err).toMatchObject({ invitationId: 't2', state: 'received' });
    expect((await ledger.get('t2'))?.state).toBe('received');
  });

  it('lets exactly one of two concurrent beginAct calls from two connections win', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `race-${i}`);
    for (const id of ids) {
      await received(id);
      await ledger.decide(id, accept, 'decided');
    }
    const results = await Promise.all(
      ids.map((id) => Promise.allSettled([ledger.beginAct(id), ledgerB.beginAct(id)])),
    );
    for (const [i, pair] of results.entries()) {
      const won = pair.filter((r) => r.status === 'fulfilled');
      const lost = pair.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'LedgerTransitionError', state: 'acting' });
      expect((await ledger.get(ids[i]!))?.attempts).toBe(1);
    }
  });

  it('takes a manual decision only from manual or shadow, and needs a reason to decline', async () => {
    await received('m1');
    await ledger.decide('m1', { ...accept, action: 'manual', rule: null, trace: [] }, 'manual');
    await expect(ledger.decideManually('m1', { action: 'decline' })).rejects.toThrow(/reason/);
    const d = await ledger.decideManually('m1', { action: 'decline', reason: 'conflict of interest', by: 'jane' });
    expect(d).toMatchObject({ state: 'decided', decision: { action: 'decline', reason: 'conflict of interest', source: 'manual', rule: null, by: 'jane' } });
    await expect(ledger.decideManually('m1', { action: 'accept' })).rejects.toMatchObject({ name: 'LedgerTransitionError', state: 'decided' });
  });

  it('turns a manual decision that arrives after expiry into an expired record', async () => {
    await received('m2', inHours(1));
    await ledger.decide('m2', { ...accept, action: 'manual', rule: null, trace: [] }, 'shadow');
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    try {
      await expect(ledger.decideManually('m2', { action: 'accept' })).rejects.toMatchObject({ state: 'expired' });
      expect((await ledger.get('m2'))?.state).toBe('expired');
    } finally {
      clock = new Date('2026-11-22T10:00:00.000Z');
    }
  });

  it('puts an action refused before it took effect back to decided', async () => {
    await received('a1');
    await ledger.decide('a1', accept, 'decided');
    await ledger.beginAct('a1');
    expect((await ledger.abortAct('a1', 'rate limited')).state).toBe('decided');
    expect((await ledger.beginAct('a1')).attempts).toBe(2);
  });

  it('resumes an action from acting or failed only', async () => {
    await received('a2');
    await ledger.decide('a2', accept, 'decided');
    await expect(ledger.resumeAct('a2', 'x')).rejects.toBeInstanceOf(LedgerTransitionError);
    await ledger.beginAct('a2');
    await ledger.finishAct('a2', 'failed', { lastError: 'HTTP 400' });
    expect(await ledger.resumeAct('a2', 'replayed; still open')).toMatchObject({ state: 'acting', attempts: 2, lastError: 'HTTP 400' });
  });

  it('changes nothing when an update plan returns undefined', async () => {
    const r = await received('u1');
    expect(await ledger.update('u1', () => undefined)).toEqual(r);
  });

  it('records an invitation and its decision in one step, and a second receive changes nothing', async () => {
    const { from: _from, ...then } = decisionTransition(accept, 'decided');
    const first = await ledger.receive({ invitationId: 'rd1', eventId: 'e1', mappingId: 'map-1', expires: inHours(5) }, then);
    expect(first).toMatchObject({ created: true, record: { state: 'decided', decision: { rule: 'mva' }, version: 1 } });
    expect(first.record.history.map((x) => [x.state, x.note])).toEqual([
      ['received', undefined],
      ['decided', "accept by rule 'mva'"],
    ]);
    const again = await ledger.receive({ invitationId: 'rd1', eventId: 'e2', expires: inHours(9) }, { ...then, to: 'manual' });
    expect(again).toEqual({ created: false, record: first.record });
    expect((await ledger.list({ state: 'decided' })).items.map((r) => r.invitationId)).toContain('rd1');
    expect((await ledger.list({ state: 'received' })).items.map((r) => r.invitationId)).not.toContain('rd1');
  });

  it('records, decides and claims the action in one step: only the creator holds the claim', async () => {
    const { from: _from, ...then } = decisionTransition(accept, 'decided');
    const input = { invitationId: 'rc1', eventId: 'e1', mappingId: 'map-1', expires: inHours(5) };
    const [a, b] = await Promise.all([ledger.receive(input, [then, BEGIN_ACT]), ledgerB.receive(input, [then, BEGIN_ACT])]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const mine = a.created ? a.record : b.record;
    expect(mine).toMatchObject({ state: 'acting', attempts: 1, version: 2 });
    expect(mine.history.map((x) => x.state)).toEqual(['received', 'decided', 'acting']);
    expect((a.created ? b : a).record).toEqual(mine);
    expect((await ledger.list({ state: 'acting' })).items.map((r) => r.invitationId)).toContain('rc1');
    // The claim is a real one: the stored record is acting, so a later beginAct is refused.
    await expect(ledger.beginAct('rc1')).rejects.toBeInstanceOf(LedgerTransitionError);
  });

  it('applies a change to a known record without reading it, and re-reads when the known record is stale', async () => {
    const r = await received('k1');
    const decided = await ledger.decide('k1', accept, 'decided', r);
    const acting = await ledger.beginAct('k1', decided);
    expect(acting).toMatchObject({ state: 'acting', version: 2, attempts: 1 });
    // `decided` is stale now: the stored record is acting, so claiming it again must fail.
    await expect(ledgerB.beginAct('k1', decided)).rejects.toMatchObject({ name: 'LedgerTransitionError', state: 'acting' });
    // A stale copy whose state still allows the change is re-read and applied to the stored record.
    const done = await ledgerB.finishAct('k1', 'done', { lexamicaStatus: 'accepted' }, { ...acting, version: 0 });
    expect(done).toMatchObject({ state: 'done', version: 3, attempts: 1 });
    expect(await ledger.get('k1')).toEqual(done);
  });

  it('guards a record written before versions existed as version 0, so two claims still cannot both win', async () => {
    const legacy: Omit<LedgerRecord, 'version'> = { ...(await received('old1')), state: 'decided', decision: accept };
    delete (legacy as Partial<LedgerRecord>).version;
    await t.redis.set(keyspace.key('ledger', 'inv', 'old1'), JSON.stringify(legacy));
    const results = await Promise.allSettled([ledger.beginAct('old1', legacy as LedgerRecord), ledgerB.beginAct('old1', legacy as LedgerRecord)]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(await ledger.get('old1')).toMatchObject({ state: 'acting', version: 1, attempts: 1 });
  });
});

describe('changes that announce themselves (the outbox)', () => {
  const ks = createKeyspace(`${t.prefix}:outbox`);
  const feed = createFeed(t.redis, ks);
  const withFeed = createLedger(t.redis, ks, { now: () => clock, feed: feed.outbox });
  const withFeedB = createLedger(other, ks, { now: () => clock, feed: createFeed(other, ks).outbox });
  const item = (kind: string) => (r: LedgerRecord): FeedItem => ({ id: `${kind}:${r.invitationId}`, type: kind, occurredAt: r.updatedAt, data: { state: r.state, version: r.version } });
  const feedIds = async () => (await feed.read(undefined, 1_000)).items.map((i) => `${i.id}@${String(i.data['state'])}`);
  const { from: _from, ...decide } = decisionTransition(accept, 'decided');

  it('appends the item of a new record from the record as created, once however often it is received', async () => {
    const input = { invitationId: 'o1', eventId: 'e1', mappingId: 'map-1', expires: inHours(5) };
    const results = await Promise.all([withFeed.receive(input, [decide, BEGIN_ACT], { announce: item('decided') }), withFeedB.receive(input, [decide, BEGIN_ACT], { announce: item('decided') })]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    await withFeed.receive(input, decide, { announce: item('decided') });
    expect((await feed.get('decided:o1'))?.data).toEqual({ state: 'acting', version: 2 });
    expect((await feedIds()).filter((id) => id.startsWith('decided:o1'))).toEqual(['decided:o1@acting']);
  });

  it('links the case in the same script, on every receive, so the latest sent invitation wins', async () => {
    const cases = createCaseIndex(t.redis, ks);
    await withFeed.receive({ invitationId: 'c-new', eventId: 'e1', caseId: 'case-9', expires: inHours(5), sentAt: '2026-11-22T09:00:00.000Z' });
    await withFeed.receive({ invitationId: 'c-old', eventId: 'e2', caseId: 'case-9', expires: inHours(5), sentAt: '2026-11-20T09:00:00.000Z' });
    expect(await cases.invitationOf('case-9')).toBe('c-new');
    // A record written without its link (an older version, or a crash between two writes) is repaired.
    await t.redis.del(ks.key('ledger', 'case', 'case-10'));
    await withFeed.receive({ invitationId: 'c-new', eventId: 'e1', caseId: 'case-10', expires: inHours(5), sentAt: '2026-11-22T09:00:00.000Z' });
    expect(await cases.invitationOf('case-10')).toBe('c-new');
    // Without sentAt nothing is linked.
    await withFeed.receive({ invitationId: 'c-none', eventId: 'e3', caseId: 'case-11', expires: inHours(5) });
    expect(await cases.invitationOf('case-11')).toBeUndefined();
  });

  it('appends the item of a change only when the change is written, built from the changed record', async () => {
    const { record } = await withFeed.receive({ invitationId: 'o2', eventId: 'e1', mappingId: 'map-1', expires: inHours(5) }, [decide, BEGIN_ACT]);
    // A stale copy loses the compare-and-set and is retried on the stored record: one item, from it.
    await withFeed.transition('o2', { from: ['acting'], to: 'acting', note: 'touched elsewhere' }, record);
    const done = await withFeedB.finishAct('o2', 'done', { lexamicaStatus: 'accepted' }, record, item('outcome'));
    expect(done).toMatchObject({ state: 'done', version: 4 });
    expect((await feed.get('outcome:o2'))?.data).toEqual({ state: 'done', version: 4 });
    // A refused change appends nothing.
    await expect(withFeed.transition('o2', { from: ['acting'], to: 'failed', announce: item('refused') })).rejects.toBeInstanceOf(LedgerTransitionError);
    expect(await feed.get('refused:o2')).toBeUndefined();
    // The same item id again (a replay finishing from failed): the record changes, the feed keeps the first.
    await withFeed.transition('o2', { from: ['done'], to: 'failed' });
    await withFeed.finishAct('o2', 'done', {}, undefined, item('outcome'));
    expect((await feedIds()).filter((id) => id.startsWith('outcome:o2'))).toEqual(['outcome:o2@done']);
    expect((await feed.get('outcome:o2'))?.data).toEqual({ state: 'done', version: 4 });
  });

  it('refuses to announce without a feed, and writes nothing', async () => {
    await expect(ledger.receive({ invitationId: 'o3', eventId: 'e1', expires: inHours(5) }, decide, { announce: item('decided') })).rejects.toThrow(/without a feed/);
    expect(await ledger.get('o3')).toBeUndefined();
  });
});

describe('listing the ledger', () => {
  const ks = createKeyspace(`${t.prefix}:list`);
  const l = createLedger(t.redis, ks, { now: () => clock });
  const ids = Array.from({ length: 23 }, (_, i) => `inv-${String(i).padStart(2, '0')}`);

  it('pages through every invitation once, soonest expiry first, with equal expiries in a stable order', async () => {
    for (const [i, id] of ids.entries()) {
      // Pairs share an expiry, so the cursor has to break ties.
      await l.receive({ invitationId: id, eventId: id, expires: inHours(Math.floor(i / 2) + 1), caseType: i % 3 === 0 ? 'Employment' : 'Mass Tort' });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await l.list({ limit: 5, ...(cursor && { cursor }) });
      seen.push(...page.items.map((r) => r.invitationId));
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('filters by state, case type and expiry', async () => {
    await l.decide('inv-00', accept, 'manual');
    await l.decide('inv-03', accept, 'manual');
    await l.decide('inv-06', accept, 'decided');
    expect((await l.list({ state: 'manual' })).items.map((r) => r.invitationId)).toEqual(['inv-00', 'inv-03']);
    const employment = await l.list({ caseType: 'Employment', expiringBefore: new Date(inHours(4.5)) });
    expect(employment.items.map((r) => r.invitationId)).toEqual(['inv-00', 'inv-03', 'inv-06']);
    expect(employment.next).toBeNull();
    expect((await l.counts())).toMatchObject({ received: 20, manual: 2, decided: 1, done: 0 });
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(l.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(LedgerCursorError);
  });
});
