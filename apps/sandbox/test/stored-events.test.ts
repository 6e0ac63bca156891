import { afterEach, describe, expect, it } from 'vitest';
import { allEvents, createClock, setUpFirm, startSandbox, T0, type Running } from './harness.js';

let s: Running | undefined;
afterEach(() => s?.close());

const iso = (ms: number) => new Date(ms).toISOString();

describe('stored events', () => {
  it('includes events exactly on from and to, and sorts by createdAt with ties in order', async () => {
    const clock = createClock();
    s = await startSandbox({ now: clock.now });
    await setUpFirm(s.client);
    for (const offset of [0, 1000, 1000, 2000, 3000]) {
      clock.set(T0 + offset);
      s.sandbox.scenario.generate(1);
    }
    const page = await s.client.events.query({ from: iso(T0 + 1000), to: iso(T0 + 2000) });
    expect(page.events.map((e) => e.createdAt)).toEqual([iso(T0 + 1000), iso(T0 + 1000), iso(T0 + 2000)]);
    expect(page.total).toBe(3);
    const all = await allEvents(s.client);
    expect(all.map((e) => Date.parse(e.createdAt))).toEqual([T0, T0 + 1000, T0 + 1000, T0 + 2000, T0 + 3000]);
    expect(all.map((e) => e.payload['invitation_id'])).toEqual(s.sandbox.state.invitations.list().map((r) => r.doc._id));
  });

  it('defaults limit to 50, answers 400 above 100 or for a non-number, and pages with skip', async () => {
    s = await startSandbox({ now: createClock().now });
    await setUpFirm(s.client);
    s.sandbox.scenario.generate(120);
    const auth = { headers: { authorization: `Key ${s.sandbox.state.org.privateKey}` } };
    const body = async (q: string) => {
      const res = await s!.raw(`/organization/{orgId}/stored-events${q}`, auth);
      return { status: res.status, json: (await res.json()) as { data: Array<{ _id: string }>; total: number; message?: string } };
    };
    const first = await body('');
    expect(first.status).toBe(200);
    expect(first.json.data).toHaveLength(50);
    expect(first.json.total).toBe(120);
    expect((await body('?limit=100')).json.data).toHaveLength(100);
    const over = await body('?limit=101');
    expect(over.status).toBe(400);
    expect(over.json.message).toMatch(/^limit/);
    expect((await body('?limit=ten')).status).toBe(400);
    expect((await body('?skip=-1')).status).toBe(400);
    expect((await body('?from=yesterday')).status).toBe(400);
    const skipped = await s.client.events.query({ limit: 30, skip: 100 });
    expect(skipped.events).toHaveLength(20);
    const all = await allEvents(s.client);
    expect(skipped.events.map((e) => e.id)).toEqual(all.slice(100, 120).map((e) => e.id));
    expect(first.json.data.map((e) => e._id)).toEqual(all.slice(0, 50).map((e) => e.id));
    expect((await s.client.events.query({ skip: 120 })).events).toEqual([]);
  });

  it('filters by event name and translates payloads into the firm names, passing unmapped fields through', async () => {
    s = await startSandbox({ now: createClock().now });
    const ids = await setUpFirm(s.client);
    const [rec] = s.sandbox.scenario.generate(1);
    await s.client.invitations.act({ mappingId: ids.invitation, invitationId: rec!.doc._id, action: 'decline', body: { decline_reason: 'conflict of interest' } });
    const declined = await s.client.events.query({ event: 'Case Invitation Declined' });
    expect(declined.events).toHaveLength(1);
    const p = declined.events[0]!.payload;
    expect(p).toMatchObject({
      invitation_id: rec!.doc._id,
      invitation_status: 'declined',
      matter_id: rec!.doc.referral._id,
      matter_type: rec!.doc.referral.caseType,
      incident: { us_state: rec!.doc.referral.incident.state },
      client: { first_name: rec!.doc.referral.client.firstName },
      decline_reason: 'conflict of interest',
      // Not in the mapping: kept under Lexamica's path.
      declined: true,
      sentAt: rec!.doc.sentAt,
    });
    expect(p).not.toHaveProperty('_id');
    expect(p).not.toHaveProperty('reason');
    expect(declined.events[0]).toMatchObject({ subscriptionId: expect.any(String), mappingId: ids.invitation });
  });

  it('drops events older than the retention period', async () => {
    const clock = createClock();
    s = await startSandbox({ now: clock.now, retentionMs: 60_000 });
    await setUpFirm(s.client);
    s.sandbox.scenario.generate(2);
    clock.advance(30_000);
    s.sandbox.scenario.generate(1);
    clock.advance(40_000);
    const left = await allEvents(s.client);
    expect(left.map((e) => e.createdAt)).toEqual([iso(T0 + 30_000)]);
  });
});
