import { WireError } from './wire-client.js';
import { waitFor } from '@lexbridge/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxStats } from '../src/state/sandbox-state.js';
import { allEvents, createClock, rejection, setUpFirm, startSandbox, T0, type Running } from './harness.js';

let s: Running | undefined;
afterEach(() => s?.close());

const HOUR = 3_600_000;
const mix = { expiryMs: { min: 2 * HOUR, max: 2 * HOUR } };

async function setUp(options: Parameters<typeof startSandbox>[0] = {}) {
  const clock = createClock();
  s = await startSandbox({ now: clock.now, scenario: mix, evaluateExtensionMs: HOUR, ...options });
  const ids = await setUpFirm(s.client);
  return { s, clock, ids };
}

const stats = async (r: Running) => (await (await r.raw('/__sandbox/stats')).json()) as SandboxStats;

describe('invitation lifecycle', () => {
  it('accepts an open invitation once and answers a second answer with 409 and its state', async () => {
    const { s, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    const id = rec!.doc._id;
    expect(await s.client.invitations.get(id)).toMatchObject({ id, status: 'open', expires: rec!.doc.expires });
    await s.client.invitations.act({ mappingId: ids.invitation, invitationId: id, action: 'accept' });
    expect((await s.client.invitations.get(id)).raw).toMatchObject({ status: 'accepted', accepted: true, declined: false });
    const again = await rejection(s.client.invitations.act({ mappingId: ids.invitation, invitationId: id, action: 'decline', body: { decline_reason: 'x' } }));
    expect(again).toBeInstanceOf(WireError);
    expect((again as WireError).state).toBe('accepted');
    expect((again as WireError).body).toMatchObject({ error: 'invitation_not_open', status: 'accepted' });
    expect((await allEvents(s.client)).map((e) => e.event)).toEqual(['Case Invitation Sent', 'Case Invitation Accepted']);
    expect((await stats(s)).actions).toMatchObject({ total: 2, ok: 1, conflict: 1, duplicate: 1 });
  });

  it('requires a decline reason in the firm names and carries it on the event', async () => {
    const { s, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    const act = (body: Record<string, unknown>) => s.client.invitations.act({ mappingId: ids.invitation, invitationId: rec!.doc._id, action: 'decline', body });
    const err = (await rejection(act({}))) as WireError;
    expect(err.status).toBe(400);
    expect(err.body).toMatchObject({ message: 'decline_reason (reason): is required' });
    await act({ decline_reason: 'outside our practice area' });
    const [declined] = await allEvents(s.client, 'Case Invitation Declined');
    expect(declined!.payload).toMatchObject({ decline_reason: 'outside our practice area', invitation_status: 'declined' });
  });

  it('extends the expiry once on evaluate and still takes an accept afterwards', async () => {
    const { s, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    const act = (action: 'evaluate' | 'accept') => s.client.invitations.act({ mappingId: ids.invitation, invitationId: rec!.doc._id, action });
    const before = Date.parse(rec!.doc.expires);
    await act('evaluate');
    const after = await s.client.invitations.get(rec!.doc._id);
    expect(after.status).toBe('evaluating');
    expect(Date.parse(after.expires!)).toBe(before + HOUR);
    expect(((await rejection(act('evaluate'))) as WireError).state).toBe('evaluating');
    await act('accept');
    expect((await s.client.invitations.get(rec!.doc._id)).status).toBe('accepted');
  });

  it('records contact attempts and consults without changing the status, and checks their dates', async () => {
    const { s, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    const base = { mappingId: ids.invitation, invitationId: rec!.doc._id } as const;
    await s.client.invitations.act({ ...base, action: 'contact-attempted', body: { attemptedAt: new Date(T0).toISOString(), channel: 'phone' } });
    expect((await s.client.invitations.get(rec!.doc._id)).status).toBe('open');
    await s.client.invitations.act({ ...base, action: 'accept' });
    await s.client.invitations.act({ ...base, action: 'consult-complete', body: { completedAt: new Date(T0).toISOString() } });
    expect((await s.client.invitations.get(rec!.doc._id)).status).toBe('accepted');
    const bad = (await rejection(s.client.invitations.act({ ...base, action: 'contact-attempted', body: { attemptedAt: 'soon' } }))) as WireError;
    expect(bad.status).toBe(400);
    const [attempt] = await allEvents(s.client, 'Case Invitation Contact Attempted');
    expect(attempt!.payload).toMatchObject({ attemptedAt: new Date(T0).toISOString(), channel: 'phone', invitation_status: 'open' });
    expect(await allEvents(s.client, 'Case Invitation Consult Complete')).toHaveLength(1);
  });

  it('refuses an action past expiry before the sweeper runs, marks it expired and flags it afterExpiry', async () => {
    const { s, clock, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    clock.set(Date.parse(rec!.doc.expires));
    const err = await rejection(s.client.invitations.act({ mappingId: ids.invitation, invitationId: rec!.doc._id, action: 'accept' }));
    expect((err as WireError).state).toBe('expired');
    expect((await allEvents(s.client, 'Case Invitation Expired')).map((e) => e.payload['invitation_id'])).toEqual([rec!.doc._id]);
    const st = await stats(s);
    expect(st.invitations).toMatchObject({ sent: 1, open: 0, acted: 0, expiredUnanswered: 1 });
    expect(st.actions).toMatchObject({ total: 1, afterExpiry: 1, duplicate: 0 });
    const log = (await (await s.raw('/__sandbox/actions')).json()) as { data: Array<Record<string, unknown>> };
    expect(log.data).toEqual([expect.objectContaining({ invitationId: rec!.doc._id, action: 'accept', outcome: 'conflict', status: 'expired', afterExpiry: true })]);
  });

  it('expires unanswered invitations on the sweeper with the real clock', async () => {
    s = await startSandbox({ scenario: { expiryMs: { min: 100, max: 200 } }, sweepIntervalMs: 20 });
    await setUpFirm(s.client);
    s.sandbox.scenario.generate(3);
    await waitFor(async () => (await stats(s!)).invitations.expiredUnanswered === 3, { timeoutMs: 5_000 });
    expect(await allEvents(s.client, 'Case Invitation Expired')).toHaveLength(3);
  });

  it('lets the originator cancel an open invitation, update and close an accepted case', async () => {
    const { s, ids } = await setUp();
    const [a, b] = s.sandbox.scenario.generate(2);
    const post = (path: string, invitationId: string) =>
      s.raw(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitationId }) });
    expect((await post('/__sandbox/originator/cancel', a!.doc._id)).status).toBe(200);
    expect(((await rejection(s.client.invitations.act({ mappingId: ids.invitation, invitationId: a!.doc._id, action: 'accept' }))) as WireError).state).toBe('cancelled');
    expect((await post('/__sandbox/originator/case-update', b!.doc._id)).status).toBe(409);
    await s.client.invitations.act({ mappingId: ids.invitation, invitationId: b!.doc._id, action: 'accept' });
    expect((await post('/__sandbox/originator/case-update', b!.doc._id)).status).toBe(201);
    const [update] = await allEvents(s.client, 'Case Update Made');
    expect(update!.payload).toMatchObject({ matter_id: b!.doc.referral._id, headline: expect.any(String), body: expect.any(String), author: { firm: 'originator' } });
    expect((await post('/__sandbox/originator/close', b!.doc._id)).status).toBe(200);
    expect((await s.client.invitations.get(b!.doc._id)).status).toBe('closed');
    expect((await allEvents(s.client)).map((e) => e.event)).toEqual([
      'Case Invitation Sent', 'Case Invitation Sent', 'Case Invitation Cancelled', 'Case Invitation Accepted', 'Case Update Made', 'Case Invitation Closed',
    ]);
  });

  it('records case updates from the firm, naming what is missing and refusing unknown cases', async () => {
    const { s, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    const update = { matter_id: rec!.doc.referral._id, headline: 'Retainer signed', body: 'Client signed today.', posted_at: new Date(T0).toISOString() };
    const missing = (await rejection(s.client.caseUpdates.send(ids.caseUpdate, { matter_id: rec!.doc.referral._id, body: 'x' }))) as WireError;
    expect(missing.status).toBe(400);
    expect((missing.body as { message: string }).message).toContain('headline (title)');
    expect((missing.body as { message: string }).message).toContain('posted_at (date)');
    const noCase = (await rejection(s.client.caseUpdates.send(ids.caseUpdate, { headline: 'x', body: 'y', posted_at: new Date(T0).toISOString() }))) as WireError;
    expect((noCase.body as { message: string }).message).toContain('matter_id (referral._id)');
    expect(((await rejection(s.client.caseUpdates.send(ids.caseUpdate, { ...update, matter_id: 'nope' }))) as WireError).status).toBe(404);
    expect(await s.client.caseUpdates.send(ids.caseUpdate, update)).toMatchObject({ _id: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const recorded = (await (await s.raw('/__sandbox/case-updates')).json()) as { data: unknown[] };
    expect(recorded.data).toEqual([expect.objectContaining({ referral: { _id: rec!.doc.referral._id }, title: 'Retainer signed', author: { firm: 'handler' } })]);
    expect((await stats(s)).caseUpdates.received).toBe(1);
  });

  it('takes a resent update that names its own _id as the same update, recorded once', async () => {
    const { s, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    const update = { _id: 'aaaaaaaaaaaaaaaaaaaaaaaa', matter_id: rec!.doc.referral._id, headline: 'Consult booked', body: 'Tuesday 10am.', posted_at: new Date(T0).toISOString() };
    const first = await s.client.caseUpdates.send(ids.caseUpdate, update);
    const again = await s.client.caseUpdates.send(ids.caseUpdate, update);
    expect(again).toEqual(first);
    expect((await stats(s)).caseUpdates).toMatchObject({ received: 1, total: 1, repeated: 1 });
  });

  it('records uploaded, streamed and removed files on a case', async () => {
    const { s, ids } = await setUp();
    const [rec] = s.sandbox.scenario.generate(1);
    const caseId = rec!.doc.referral._id;
    const uploaded = (await s.client.files.upload(ids.kase, { data: new TextEncoder().encode('%PDF-1.7 retainer'), filename: 'retainer.pdf', contentType: 'application/pdf', fields: { matter_id: caseId } })) as { _id: string; size: number };
    expect(uploaded).toMatchObject({ filename: 'retainer.pdf', contentType: 'application/pdf', size: 17 });
    const streamed = await s.client.files.stream(ids.kase, { matter_id: caseId, url: 'https://files.example.com/big/scan.pdf' });
    expect(streamed).toMatchObject({ filename: 'scan.pdf', url: 'https://files.example.com/big/scan.pdf' });
    expect(((await rejection(s.client.files.stream(ids.kase, { url: 'https://x.example/a' }))) as WireError).status).toBe(400);
    expect(await s.client.files.remove(ids.kase, { fileId: uploaded._id })).toMatchObject({ _id: uploaded._id, removedAt: expect.any(String) });
    expect(((await rejection(s.client.files.remove(ids.kase, { fileId: uploaded._id }))) as WireError).status).toBe(404);
    const files = (await (await s.raw('/__sandbox/files')).json()) as { data: Array<{ caseId: string; via: string }> };
    expect(files.data.map((f) => [f.caseId, f.via])).toEqual([[caseId, 'upload'], [caseId, 'stream']]);
    const uploadedEvents = await allEvents(s.client, 'Case File Uploaded');
    expect(uploadedEvents.map((e) => e.payload)).toEqual([
      { matter_id: caseId, file: expect.objectContaining({ _id: uploaded._id, filename: 'retainer.pdf', size: 17 }) },
      { matter_id: caseId, file: expect.objectContaining({ filename: 'scan.pdf', url: 'https://files.example.com/big/scan.pdf' }) },
    ]);
  });
});
