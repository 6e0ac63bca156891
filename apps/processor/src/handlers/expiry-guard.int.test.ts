import { describe, expect, it } from 'vitest';
import { actJobId } from '@lexbridge/shared/ledger';
import type { ScriptedReply } from '@lexbridge/testkit';
import { CLOCK, inHours, actionPath, jobContext, MAPPING_ID, useHarness, type Harness } from '../../test/harness.js';


async function waiting(h: Harness, id: string, state: 'manual' | 'shadow' = 'manual') {
  await h.ctx.ledger.receive({ invitationId: id, eventId: `ev-${id}`, mappingId: MAPPING_ID, caseType: 'Employment', expires: inHours(2) });
  return h.ctx.ledger.decide(id, { action: 'manual', rule: null, trace: [], source: 'rules', decidedAt: CLOCK.toISOString() }, state);
}
const guard = (h: Harness, id: string, expires = inHours(2)) => h.handlers['expiry-guard']['invitation.expiry-guard']({ invitationId: id, expires }, jobContext());
const feedOf = async (h: Harness, id: string) => (await h.service.feed.read(undefined, 1_000)).items.filter((i) => i.data.invitationId === id);

describe('expiry guard', () => {
  describe('with the alert plan', () => {
    let h: Harness;
    useHarness('guard-alert', { now: () => CLOCK }, (started) => (h = started));

    it('alerts the CMS about a waiting invitation once per expiry', async () => {
      await waiting(h, 'g1');
      expect(await guard(h, 'g1')).toBe('alerted');
      expect(await guard(h, 'g1')).toBe('alerted');
      const items = await feedOf(h, 'g1');
      expect(items.filter((i) => i.type === 'invitation.expiring')).toHaveLength(1);
      expect(items.at(-1)).toMatchObject({ data: { guard: 'needs a decision', state: 'manual' } });
    });

    it('does nothing for a stale expiry or an invitation no longer waiting', async () => {
      await waiting(h, 'g2');
      expect(await guard(h, 'g2', inHours(1))).toBe('stale: the expiry changed');
      await h.ctx.ledger.decideManually('g2', { action: 'accept' });
      expect(await guard(h, 'g2')).toBe('not waiting (decided)');
      expect(await feedOf(h, 'g2')).toHaveLength(0);
    });
  });

  describe('with the evaluate plan', () => {
    let h: Harness;
    useHarness('guard-evaluate', { now: () => CLOCK, rules: 'expiryGuard:\n  manual: { before: 4h, do: evaluate }' }, (started) => (h = started));

    it('decides evaluate for a manual invitation and queues the action', async () => {
      await waiting(h, 'g3');
      expect(await guard(h, 'g3')).toBe('evaluate queued');
      const r = await h.ctx.ledger.get('g3');
      expect(r).toMatchObject({ state: 'decided', decision: { action: 'evaluate', source: 'expiry-guard' } });
      expect(await h.service.queues.get('invitation-actions').getJob(actJobId(r!))).toBeDefined();
    });

    it('only alerts for a shadow record: shadow mode sends nothing', async () => {
      await waiting(h, 'g4', 'shadow');
      expect(await guard(h, 'g4')).toBe('alerted');
      expect((await h.ctx.ledger.get('g4'))?.state).toBe('shadow');
    });
  });

  describe('with the contact-attempted plan', () => {
    let h: Harness;
    useHarness('guard-contact', { now: () => CLOCK, rules: 'expiryGuard:\n  manual: { before: 3h, do: contact-attempted }' }, (started) => (h = started));

    it('logs a contact attempt on Lexamica in the firm’s names, then alerts', async () => {
      const replies: ScriptedReply = { status: 200, body: {} };
      h.server.otherwise(() => replies);
      await waiting(h, 'g5');
      expect(await guard(h, 'g5')).toBe('alerted');
      const [req] = h.server.requests;
      expect(req?.path).toBe(actionPath('g5', 'contact-attempted'));
      expect(JSON.parse(req!.body)).toEqual({ attempted_at: CLOCK.toISOString() });
      expect((await h.ctx.ledger.get('g5'))?.history.at(-1)?.note).toBe('expiry guard logged a contact attempt');
    });

    it('records the state Lexamica reports when the contact attempt is refused', async () => {
      h.server.otherwise(() => ({ status: 409, body: { error: 'invitation_not_open', status: 'cancelled' } }));
      await waiting(h, 'g6');
      expect(await guard(h, 'g6')).toBe('alerted');
      expect(await h.ctx.ledger.get('g6')).toMatchObject({ state: 'closed', lexamicaStatus: 'cancelled' });
    });
  });
});
