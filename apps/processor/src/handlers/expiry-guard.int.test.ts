import { describe, expect, it } from 'vitest';
import { actJobId } from '@lexbridge/core/ledger';
import { testFirmConfig } from '../../test/firm.js';
import { CLOCK, inHours, jobContext, MAPPING_ID, useHarness, type Harness } from '../../test/harness.js';


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
      // Asking for more time is all it sends; nothing reports a contact nobody made.
      expect(h.server.requests.filter((q) => q.path.includes('contact-attempted'))).toEqual([]);
    });

    it('only alerts for a shadow record: shadow mode sends nothing', async () => {
      await waiting(h, 'g4', 'shadow');
      expect(await guard(h, 'g4')).toBe('alerted');
      expect((await h.ctx.ledger.get('g4'))?.state).toBe('shadow');
    });
  });

  // Issue 16, item 8: `do: contact-attempted` told Lexamica a client had been contacted when nobody had.
  it('never reports a contact attempt: the firm configuration refuses that plan, naming what to use', () => {
    expect(() => testFirmConfig('', 'expiryGuard:\n  manual: { before: 3h, do: contact-attempted }')).toThrow(/contact-attempted is not allowed.*evaluate or alert/s);
  });
});
