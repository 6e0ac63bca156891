import { describe, expect, it } from 'vitest';
import { guardJobId } from '@lexbridge/core/ledger';
import { firmInvitation } from '../../test/firm.js';
import { actionPath, CLOCK, inHours, jobContext, MAPPING_ID, useHarness, type Harness } from '../../test/harness.js';

let h: Harness;
useHarness('lifecycle', { now: () => CLOCK }, (started) => (h = started));

let n = 0;
const lifecycle = (event: string, payload: Record<string, unknown>) =>
  h.handlers.invitations['invitation.lifecycle']({ id: `lc-${++n}`, event, createdAt: CLOCK.toISOString(), mappingId: MAPPING_ID, payload }, jobContext());
const sent = (id: string, caseType = 'Employment') =>
  h.handlers.invitations['invitation.sent'](
    { id: `sent-${id}`, event: 'Case Invitation Sent', createdAt: CLOCK.toISOString(), mappingId: MAPPING_ID, payload: firmInvitation({ id, caseType, expires: inHours(24) }) },
    jobContext(),
  );

describe('invitation lifecycle events', () => {
  it('closes a waiting invitation that Lexamica cancelled, and passes the event to the feed', async () => {
    await sent('l1');
    expect(await lifecycle('Case Invitation Cancelled', { invitation_id: 'l1', invitation_status: 'cancelled' })).toBe('closed');
    expect(await h.ctx.ledger.get('l1')).toMatchObject({ state: 'closed', lexamicaStatus: 'cancelled' });
    const { items } = await h.service.feed.read(undefined, 1_000);
    expect(items.find((i) => i.id === `event:lc-${n}`)).toMatchObject({ type: 'lexamica.event', data: { event: 'Case Invitation Cancelled' } });
  });

  it('keeps our own answer done and records the status Lexamica confirms', async () => {
    h.server.otherwise((req) => (req.path === actionPath('l2', 'accept') ? { status: 200, body: {} } : { status: 404, body: {} }));
    expect(await sent('l2', 'Motor Vehicle Accident')).toBe('done');
    expect(await lifecycle('Case Invitation Accepted', { invitation_id: 'l2' })).toBe('done');
    expect((await h.ctx.ledger.get('l2'))?.history.at(-1)?.note).toBe('Lexamica: Case Invitation Accepted');
  });

  it('moves a waiting invitation to its new expiry after an evaluation and guards the new expiry', async () => {
    await sent('l3');
    const extended = inHours(96);
    await lifecycle('Case Invitation Evaluated', { invitation_id: 'l3', invitation_status: 'evaluating', expires_at: extended });
    expect(await h.ctx.ledger.get('l3')).toMatchObject({ state: 'manual', lexamicaStatus: 'evaluating', expires: extended });
    expect(await h.service.queues.get('expiry-guard').getJob(guardJobId('l3', extended))).toBeDefined();
  });

  it('records an invitation first seen expired, so a late Sent event never acts on it', async () => {
    await lifecycle('Case Invitation Expired', { invitation_id: 'l4', invitation_status: 'expired', expires_at: inHours(-1) });
    expect(await sent('l4', 'Motor Vehicle Accident')).toBe('expired');
    expect((await h.ctx.ledger.get('l4'))?.decision).toBeUndefined();
  });

  it('closes an invitation answered outside Lexbridge before its action was sent', async () => {
    // Decided but not yet sent (e.g. a manual decision whose action job has not run).
    await h.ctx.ledger.receive({ invitationId: 'l5', eventId: 'sent-l5', mappingId: MAPPING_ID, caseType: 'Motor Vehicle Accident', expires: inHours(24) });
    await h.ctx.ledger.decide('l5', { action: 'accept', rule: null, trace: [], source: 'manual', decidedAt: CLOCK.toISOString() }, 'decided');
    const before = h.server.requests.length;
    await lifecycle('Case Invitation Declined', { invitation_id: 'l5', invitation_status: 'declined' });
    expect(await h.ctx.ledger.get('l5')).toMatchObject({ state: 'closed', lexamicaStatus: 'declined' });
    const act = await h.handlers['invitation-actions']['invitation.act']({ invitationId: 'l5', action: 'accept', source: 'rules' }, jobContext());
    expect(act).toBe('closed');
    expect(h.server.requests).toHaveLength(before);
  });
});
