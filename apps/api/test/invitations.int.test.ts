import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actJobId, type LedgerDecision } from '@lexbridge/core/ledger';
import { AUTH, createTestApi, type TestApi } from './harness.js';

const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const manual: LedgerDecision = { action: 'manual', note: 'needs a partner', rule: 'big-cases', trace: [{ rule: 'small', matched: false }, { rule: 'big-cases', matched: true }], source: 'rules', decidedAt: new Date().toISOString() };

describe('invitation routes on the real ledger', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi();
    const seed = async (id: string, caseType: string, expiresInH: number, to: 'manual' | 'received') => {
      await t.ledger.receive({ invitationId: id, eventId: `ev-${id}`, caseType, expires: hours(expiresInH) });
      if (to === 'manual') await t.ledger.decide(id, manual, 'manual');
    };
    await seed('inv-a', 'Employment', 30, 'manual');
    await seed('inv-b', 'Motor Vehicle Accident', 5, 'manual');
    await seed('inv-c', 'Motor Vehicle Accident', 10, 'received');
    await seed('inv-d', 'Employment', 50, 'manual');
    await seed('inv-e', 'Employment', 60, 'manual');
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: AUTH });
  const decide = (id: string, body: object) => t.app.inject({ method: 'POST', url: `/v1/invitations/${id}/decision`, payload: body, headers: AUTH });

  it('lists invitations soonest expiry first, filtered by state, case type and expiry, in pages', async () => {
    expect((await get('/v1/invitations')).json().items.map((i: { invitationId: string }) => i.invitationId)).toEqual(['inv-b', 'inv-c', 'inv-a', 'inv-d', 'inv-e']);
    expect((await get('/v1/invitations?state=manual&caseType=Employment')).json().items.map((i: { invitationId: string }) => i.invitationId)).toEqual(['inv-a', 'inv-d', 'inv-e']);
    const soon = (await get(`/v1/invitations?expiringBefore=${encodeURIComponent(hours(20))}`)).json();
    expect(soon.items.map((i: { invitationId: string }) => i.invitationId)).toEqual(['inv-b', 'inv-c']);

    const page1 = (await get('/v1/invitations?limit=2')).json();
    expect(page1.items).toHaveLength(2);
    const page2 = (await get(`/v1/invitations?limit=2&cursor=${page1.next}`)).json();
    const page3 = (await get(`/v1/invitations?limit=2&cursor=${page2.next}`)).json();
    expect([...page1.items, ...page2.items, ...page3.items].map((i: { invitationId: string }) => i.invitationId)).toEqual(['inv-b', 'inv-c', 'inv-a', 'inv-d', 'inv-e']);
    expect(page3.next).toBeNull();
    const bad = await get('/v1/invitations?cursor=not-a-cursor');
    expect(bad.json().error).toMatchObject({ code: 'validation_failed', field: 'cursor' });
  });

  it('shows one invitation with its decision, the rule that fired and its history', async () => {
    const res = await get('/v1/invitations/inv-a');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      invitationId: 'inv-a',
      state: 'manual',
      caseType: 'Employment',
      decision: { action: 'manual', rule: 'big-cases', source: 'rules', trace: manual.trace },
    });
    expect(res.json().history.map((h: { state: string }) => h.state)).toEqual(['received', 'manual']);
    const missing = await get('/v1/invitations/inv-zz');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'not_found', field: 'id' });
  });

  it('records a manual decision and queues the action once, however often it is sent', async () => {
    const first = await decide('inv-a', { action: 'decline', reason: 'Outside our practice areas', onBehalfOf: 'J. Partner' });
    expect(first.statusCode).toBe(202);
    const record = await t.ledger.get('inv-a');
    expect(record).toMatchObject({ state: 'decided', decision: { action: 'decline', reason: 'Outside our practice areas', source: 'manual', by: 'tester', onBehalfOf: 'J. Partner', rule: null } });
    expect(record?.history.at(-1)?.note).toBe('decline by manual (tester for J. Partner): Outside our practice areas');
    expect(first.json().job.id).toBe(actJobId(record!));
    const job = await t.queues.get('invitation-actions').getJob(first.json().job.id);
    // `_trace` carries the request id (and the trace context, when tracing is on) to the job.
    expect(job?.data).toEqual({ invitationId: 'inv-a', action: 'decline', reason: 'Outside our practice areas', source: 'manual', _trace: { requestId: first.headers['x-request-id'] } });

    const again = await decide('inv-a', { action: 'decline', reason: 'Outside our practice areas' });
    expect(again.statusCode).toBe(202);
    expect(again.json().job.id).toBe(first.json().job.id);
    expect(await t.queues.get('invitation-actions').getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(1);
  });

  // Issue 16, item 7: a CMS retrying after a lost answer got 409 for a decision that was carried
  // out (202, 409, 409; 12 at once: one 202 and eleven 409s) once the processor had moved on.
  it('answers the same decision repeated 202 with the same job, whatever state it has reached; a different one 409', async () => {
    const first = await decide('inv-e', { action: 'accept' });
    expect(first.statusCode).toBe(202);
    const jobId = first.json().job.id;

    await t.ledger.beginAct('inv-e');
    const whileSending = await Promise.all(Array.from({ length: 12 }, () => decide('inv-e', { action: 'accept' })));
    expect(whileSending.map((r) => r.statusCode)).toEqual(Array(12).fill(202));
    expect(new Set(whileSending.map((r) => r.json().job.id))).toEqual(new Set([jobId]));
    expect(whileSending[0]!.json().invitation).toMatchObject({ invitationId: 'inv-e', state: 'acting' });

    await t.ledger.finishAct('inv-e', 'done', { lexamicaStatus: 'accepted' });
    const afterDone = await decide('inv-e', { action: 'accept' });
    expect(afterDone.statusCode).toBe(202);
    expect(afterDone.json()).toMatchObject({ invitation: { state: 'done', decision: { action: 'accept', source: 'manual' } }, job: { id: jobId, status: 'queued' } });
    // Nothing new was queued for the repeats.
    expect((await t.queues.get('invitation-actions').getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => j.data.invitationId === 'inv-e')).toHaveLength(1);

    const other = await decide('inv-e', { action: 'decline', reason: 'Changed our mind' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toMatchObject({ code: 'invalid_state', state: 'done' });
  });

  it('refuses a decision the ledger state does not allow with 409 and the state', async () => {
    const changed = await decide('inv-a', { action: 'accept' });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error).toMatchObject({ code: 'invalid_state', state: 'decided' });
    const undecided = await decide('inv-c', { action: 'accept' });
    expect(undecided.json().error).toMatchObject({ code: 'invalid_state', state: 'received' });
    const unknown = await decide('inv-zz', { action: 'accept' });
    expect(unknown.statusCode).toBe(404);
  });

  it("records the token's identity as the decider, and refuses a decider named in the body", async () => {
    const named = await decide('inv-d', { action: 'evaluate', by: 'someone else' });
    expect(named.statusCode).toBe(400);
    expect(named.json().error).toMatchObject({ code: 'validation_failed', field: 'by', in: 'body' });
    const res = await decide('inv-d', { action: 'evaluate' });
    expect(res.statusCode).toBe(202);
    expect((await t.ledger.get('inv-d'))?.decision).toMatchObject({ by: 'tester' });
    expect((await t.ledger.get('inv-d'))?.decision?.onBehalfOf).toBeUndefined();
  });

  it('refuses a manual decision after the invitation expired', async () => {
    await t.ledger.receive({ invitationId: 'inv-old', eventId: 'ev-old', caseType: 'Employment', expires: hours(-1) });
    await t.ledger.decide('inv-old', manual, 'manual');
    const res = await decide('inv-old', { action: 'accept' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'invalid_state', state: 'expired' });
  });
});
