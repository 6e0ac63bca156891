import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { LexamicaHttpError } from '@lexbridge/lexamica-client';
import { guardJobId, type LedgerRecord } from '@lexbridge/core/ledger';
import type { ScriptedReply } from '@lexbridge/testkit';
import { CLOCK, inHours, actionPath, invitationPath, jobContext, MAPPING_ID, replyByPath, useHarness, type Harness } from '../../test/harness.js';

let h: Harness;
useHarness('act', { now: () => CLOCK }, (started) => (h = started));

/** Scripts the server by path for this test. */
const reply = (routes: Record<string, ScriptedReply | ScriptedReply[]>) => replyByPath(h.server, routes);

const requestsTo = (path: string) => h.server.requests.filter((r) => r.path === path);

async function decided(id: string, action: 'accept' | 'decline' | 'evaluate', o: { expiresInH?: number; reason?: string } = {}): Promise<LedgerRecord> {
  await h.ctx.ledger.receive({ invitationId: id, eventId: `ev-${id}`, mappingId: MAPPING_ID, caseType: 'Employment', expires: inHours(o.expiresInH ?? 24) });
  const decision = { action, ...(o.reason && { reason: o.reason }), rule: 'r1', trace: [{ rule: 'r1', matched: true }], source: 'rules' as const, decidedAt: CLOCK.toISOString() };
  return h.ctx.ledger.decide(id, decision, 'decided');
}

const act = (id: string, action: 'accept' | 'decline' | 'evaluate', attempt = 1, maxAttempts = 8) =>
  h.handlers['invitation-actions']['invitation.act']({ invitationId: id, action, source: 'rules' }, jobContext(attempt, maxAttempts));

async function feedTypes(id: string): Promise<string[]> {
  const { items } = await h.service.feed.read(undefined, 1_000);
  return items.filter((i) => i.data.invitationId === id).map((i) => i.type);
}

describe('sending an invitation action exactly once', () => {
  it('sends a decided accept once, records done, and does nothing when the job runs again', async () => {
    await decided('a1', 'accept');
    reply({ [actionPath('a1', 'accept')]: { status: 200, body: { ok: true } } });
    expect(await act('a1', 'accept')).toBe('done');
    expect(await act('a1', 'accept')).toBe('done');
    expect(requestsTo(actionPath('a1', 'accept'))).toHaveLength(1);
    expect(await h.ctx.ledger.get('a1')).toMatchObject({ state: 'done', lexamicaStatus: 'accepted', attempts: 1 });
    expect(await feedTypes('a1')).toEqual(['invitation.action-sent']);
  });

  it('sends a decline with its reason in the firm’s field names', async () => {
    await decided('d1', 'decline', { reason: 'outside our jurisdiction' });
    reply({ [actionPath('d1', 'decline')]: { status: 200, body: {} } });
    await act('d1', 'decline');
    expect(JSON.parse(requestsTo(actionPath('d1', 'decline'))[0]!.body)).toEqual({ decline_reason: 'outside our jurisdiction' });
  });

  it('reads back an invitation found acting and does not send again when the action had taken effect', async () => {
    await decided('c1', 'accept');
    await h.ctx.ledger.beginAct('c1'); // a crash after sending left it here
    reply({ [invitationPath('c1')]: { status: 200, body: { _id: 'c1', status: 'accepted', expires: inHours(24) } } });
    expect(await act('c1', 'accept')).toBe('done');
    expect(requestsTo(actionPath('c1', 'accept'))).toHaveLength(0);
    expect((await h.ctx.ledger.get('c1'))?.history.at(-1)?.note).toBe('confirmed by Lexamica');
  });

  // Issue 16, item 4: a read-back Lexamica refused with 401 (it wanted the other key) was thrown
  // raw, so the job retried and failed while the record stayed `acting` for good, unexplained.
  it('fails a record whose read-back Lexamica refuses (401) as a configuration problem naming the key to check', async () => {
    await decided('c401', 'accept');
    await h.ctx.ledger.beginAct('c401');
    reply({ [invitationPath('c401')]: { status: 401, body: { error: 'unauthorized' } } });
    const err = await act('c401', 'accept').then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err?.message).toMatch(/configuration problem: .*invitations\.get.*auth\.invitationReadKey/);
    const r = await h.ctx.ledger.get('c401');
    expect(r).toMatchObject({ state: 'failed' });
    expect(r?.lastError).toMatch(/configuration problem/);
    expect(requestsTo(actionPath('c401', 'accept'))).toHaveLength(0);
    const { items } = await h.service.feed.read(undefined, 1_000);
    expect(items.filter((i) => i.data.invitationId === 'c401').at(-1)).toMatchObject({ type: 'invitation.action-failed', data: { state: 'failed' } });
  });

  it('sends after a read-back finds the invitation still open', async () => {
    await decided('c2', 'accept');
    await h.ctx.ledger.beginAct('c2');
    reply({
      [invitationPath('c2')]: { status: 200, body: { _id: 'c2', status: 'open', expires: inHours(24) } },
      [actionPath('c2', 'accept')]: { status: 200, body: {} },
    });
    expect(await act('c2', 'accept')).toBe('done');
    expect(requestsTo(actionPath('c2', 'accept'))).toHaveLength(1);
    expect((await h.ctx.ledger.get('c2'))?.attempts).toBe(2);
  });

  it('records the state a read-back reports when the invitation is gone, and sends nothing', async () => {
    await decided('c3', 'accept');
    await h.ctx.ledger.beginAct('c3');
    reply({ [invitationPath('c3')]: { status: 200, body: { _id: 'c3', status: 'cancelled' } } });
    expect(await act('c3', 'accept')).toBe('closed');
    expect(await h.ctx.ledger.get('c3')).toMatchObject({ state: 'closed', lexamicaStatus: 'cancelled' });
    expect(requestsTo(actionPath('c3', 'accept'))).toHaveLength(0);
  });

  it('records Lexamica’s state on a 409 and stops without retrying', async () => {
    await decided('x1', 'accept');
    reply({ [actionPath('x1', 'accept')]: { status: 409, body: { error: 'invitation_not_open', status: 'expired' } } });
    expect(await act('x1', 'accept')).toBe('expired');
    expect(await h.ctx.ledger.get('x1')).toMatchObject({ state: 'expired', lexamicaStatus: 'expired' });
    expect(await act('x1', 'accept')).toBe('expired');
    expect(requestsTo(actionPath('x1', 'accept'))).toHaveLength(1);
    expect(await feedTypes('x1')).toEqual(['invitation.expired']);
  });

  it('takes a 409 that shows our own answer as done', async () => {
    await decided('x2', 'decline', { reason: 'no capacity' });
    reply({ [actionPath('x2', 'decline')]: { status: 409, body: { error: 'invitation_not_open', status: 'declined' } } });
    expect(await act('x2', 'decline')).toBe('done');
  });

  it('never sends an action at or past the invitation’s expiry', async () => {
    await decided('e1', 'accept', { expiresInH: 0.0001 }); // 360 ms left, under the 1 s margin
    reply({});
    expect(await act('e1', 'accept')).toBe('expired');
    expect(h.server.requests.filter((r) => r.path.includes('/e1'))).toHaveLength(0);
    expect((await h.ctx.ledger.get('e1'))?.state).toBe('expired');
  });

  it('puts a rate-limited action back to decided and rethrows the 429 so the queue pauses', async () => {
    await decided('r1', 'accept');
    reply({ [actionPath('r1', 'accept')]: [{ status: 429, headers: { 'retry-after': '3' }, body: {} }, { status: 200, body: {} }] });
    const err = await act('r1', 'accept').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LexamicaHttpError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 3_000 });
    expect((await h.ctx.ledger.get('r1'))?.state).toBe('decided');
    expect(await act('r1', 'accept')).toBe('done');
  });

  it('leaves the record acting after a 5xx, so the retry reads back before sending', async () => {
    await decided('s1', 'accept');
    reply({
      [actionPath('s1', 'accept')]: { status: 503, body: {} },
      [invitationPath('s1')]: { status: 200, body: { _id: 's1', status: 'accepted' } },
    });
    await expect(act('s1', 'accept')).rejects.toMatchObject({ status: 503 });
    expect((await h.ctx.ledger.get('s1'))?.state).toBe('acting');
    expect(await act('s1', 'accept', 2)).toBe('done');
    expect(requestsTo(actionPath('s1', 'accept'))).toHaveLength(1);
  });

  it('marks the record failed when the last attempt fails, and a replay reads back first', async () => {
    await decided('s2', 'accept');
    reply({ [actionPath('s2', 'accept')]: { status: 502, body: {} } });
    await expect(act('s2', 'accept', 8, 8)).rejects.toMatchObject({ status: 502 });
    expect(await h.ctx.ledger.get('s2')).toMatchObject({ state: 'failed', lastError: expect.stringContaining('HTTP 502') });
    reply({ [invitationPath('s2')]: { status: 200, body: { _id: 's2', status: 'open' } }, [actionPath('s2', 'accept')]: { status: 200, body: {} } });
    expect(await act('s2', 'accept')).toBe('done');
  });

  it('fails the record and the job at once on a 4xx other than 409 and 429', async () => {
    await decided('b1', 'accept');
    reply({ [actionPath('b1', 'accept')]: { status: 400, body: { error: 'bad_request', message: 'mapping mismatch' } } });
    const err = await act('b1', 'accept').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('HTTP 400');
    expect(await h.ctx.ledger.get('b1')).toMatchObject({ state: 'failed' });
    expect(await feedTypes('b1')).toEqual(['invitation.action-failed']);
  });

  it('leaves an evaluated invitation waiting for a final decision, guarded against its new expiry', async () => {
    await decided('v1', 'evaluate', { expiresInH: 24 });
    const extended = inHours(72);
    reply({
      [actionPath('v1', 'evaluate')]: { status: 200, body: {} },
      [invitationPath('v1')]: { status: 200, body: { _id: 'v1', status: 'evaluating', expires: extended } },
    });
    expect(await act('v1', 'evaluate')).toBe('manual');
    expect(await h.ctx.ledger.get('v1')).toMatchObject({ state: 'manual', lexamicaStatus: 'evaluating', expires: extended });
    const guard = await h.service.queues.get('expiry-guard').getJob(guardJobId('v1', extended));
    // The evaluate plan runs 30 minutes before the new expiry.
    expect(guard?.opts.delay).toBe(72 * 3_600_000 - 30 * 60_000);
    const manual = await h.ctx.ledger.decideManually('v1', { action: 'accept', by: 'jane' });
    expect(manual.state).toBe('decided');
  });

  it('names who made a manual decision, and for whom, in the feed item of its outcome', async () => {
    await h.ctx.ledger.receive({ invitationId: 'm1', eventId: 'ev-m1', mappingId: MAPPING_ID, caseType: 'Employment', expires: inHours(24) });
    await h.ctx.ledger.decide('m1', { action: 'manual', rule: null, trace: [], source: 'rules', decidedAt: CLOCK.toISOString() }, 'manual');
    await h.ctx.ledger.decideManually('m1', { action: 'accept', by: 'cms', onBehalfOf: 'J. Partner' });
    reply({ [actionPath('m1', 'accept')]: { status: 200, body: {} } });
    expect(await act('m1', 'accept')).toBe('done');
    const { items } = await h.service.feed.read(undefined, 1_000);
    const sent = items.find((i) => i.data.invitationId === 'm1' && i.type === 'invitation.action-sent');
    expect(sent?.data.decision).toMatchObject({ source: 'manual', by: 'cms', onBehalfOf: 'J. Partner' });
  });

  it('ignores an action job for an invitation that is not decided', async () => {
    await h.ctx.ledger.receive({ invitationId: 'n1', eventId: 'ev-n1', mappingId: MAPPING_ID, expires: inHours(5) });
    expect(await act('n1', 'accept')).toBe('nothing to send');
    await expect(act('nobody', 'accept')).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
