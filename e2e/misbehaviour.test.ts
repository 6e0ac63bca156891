/**
 * Lexamica misbehaving as it might really do, each a named sandbox option, and what Lexbridge must
 * do about it. Default profile; the stack of e2e/stack.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '@lexbridge/shared/ledger';
import { waitFor } from '@lexbridge/testkit';
import { startStack, type Stack } from './stack.js';

const HOUR = 3_600_000;
const FIRM = {
  shadow: false,
  rules: [{ name: 'accept-all-in-area', when: { field: 'referral.incident.state', in: ['CA', 'TX', 'AZ', 'WA'] }, then: 'accept' }],
  default: { action: 'decline', reason: 'outside our service area' },
  capacity: [],
  expiryGuard: { manual: { before: '30m', do: 'alert' }, evaluate: { before: '30m', do: 'alert' } },
};
const scenario = { expiryMs: { min: 24 * HOUR, max: 48 * HOUR } };

let s: Stack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function allAnswered(stack: Stack, ids: string[]): Promise<LedgerRecord[]> {
  return waitFor(async () => {
    const rs = await Promise.all(ids.map((id) => stack.processor.ledger.get(id)));
    return rs.every((r) => r?.state === 'done') ? (rs as LedgerRecord[]) : undefined;
  }, { timeoutMs: 45_000, message: `${ids.length} invitations answered` });
}
const answersPer = (stack: Stack, id: string) => stack.env.sandbox.state.actions.filter((a) => a.invitationId === id && a.outcome === 'ok').length;

describe('Lexamica misbehaving', () => {
  it('bare-lists: every list answered as a bare array; set-up, polling and answering still work', async () => {
    s = await startStack('default', { fragments: [FIRM], scenario, misbehaviour: { on: ['bare-lists'] } });
    const ids = s.env.sandbox.scenario.generate(10).map((r) => r.doc._id);
    await allAnswered(s, ids);
    expect(ids.every((id) => answersPer(s!, id) === 1)).toBe(true);
    expect(s.env.sandbox.state.stats().misbehaviour.applied['bare-lists']).toBeGreaterThan(0);
  });

  it('slow-answers near the client timeout with a stale read-back: no invitation is answered twice, and each ends answered', async () => {
    // Answers take 900 ms against a 1 000 ms client timeout: some calls time out after Lexamica acted.
    s = await startStack('default', { fragments: [FIRM], scenario, clientTimeoutMs: 1_000, misbehaviour: { on: ['slow-answers', 'stale-read-back'], slowMs: 900 } });
    const ids = s.env.sandbox.scenario.generate(6).map((r) => r.doc._id);
    await waitFor(async () => {
      const rs = await Promise.all(ids.map((id) => s!.processor.ledger.get(id)));
      return rs.every((r) => r && ['done', 'failed', 'conflict'].includes(r.state));
    }, { timeoutMs: 90_000, message: 'every invitation settled' });
    s.env.sandbox.state.misbehaviour.set({ on: [] });
    // Whatever the timeouts, Lexamica took exactly one answer per invitation.
    expect(ids.map((id) => answersPer(s!, id))).toEqual(ids.map(() => 1));
    expect(s.env.sandbox.state.stats().actions.duplicate).toBe(0);
  }, 120_000);

  it('ignored-actions: an answer taken with 200 that did not take effect is not reported to the CMS as more than Lexamica said', async () => {
    s = await startStack('default', { fragments: [FIRM], scenario, misbehaviour: { on: ['ignored-actions'] } });
    const [rec] = s.env.sandbox.scenario.generate(1);
    const r = await waitFor(async () => {
      const x = await s!.processor.ledger.get(rec!.doc._id);
      return x && !['received', 'decided', 'acting'].includes(x.state) ? x : undefined;
    }, { timeoutMs: 30_000 });
    // Lexbridge believes Lexamica's 200 (it cannot know otherwise), and Lexamica shows the truth.
    expect(r.state).toBe('done');
    expect(s.env.sandbox.state.invitations.get(rec!.doc._id)!.doc.status).toBe('open');
    expect(s.env.sandbox.state.stats().actions.ignored).toBe(1);
    // When Lexamica later expires it, the ledger records what Lexamica says.
    s.env.sandbox.state.misbehaviour.set({ on: [] });
    s.env.sandbox.state.invitations.get(rec!.doc._id)!.expiresMs = Date.now();
    s.env.sandbox.state.invitations.sweep();
    await waitFor(async () => (await s!.processor.ledger.get(rec!.doc._id))?.lexamicaStatus === 'expired', { timeoutMs: 20_000, message: 'the ledger shows Lexamica expired it' });
  });
});
