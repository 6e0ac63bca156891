/**
 * The core scenario every stack must pass, whatever the API profile or the Redis under it: the
 * sandbox offers invitations, Lexbridge decides each by the firm's rules and answers Lexamica
 * exactly once.
 */
import { expect } from 'vitest';
import type { InvitationDoc } from '@lexbridge/sandbox';
import { waitFor } from '@lexbridge/testkit';
import type { Stack } from './stack.js';

const OUT_OF_AREA = ['FL', 'NY', 'PA', 'GA', 'NC', 'MI', 'OH'];

/** The rules the scenario decides by (a fragment of the firm's YAML). */
export const DECIDING_RULES = {
  rules: [
    { name: 'decline-out-of-area', when: { field: 'referral.incident.state', in: OUT_OF_AREA }, then: { action: 'decline', reason: 'outside our service area' } },
    { name: 'accept-mva', when: { field: 'referral.caseType', equals: 'Motor Vehicle Accident' }, then: 'accept' },
    { name: 'evaluate-medmal', when: { field: 'referral.caseType', equals: 'Medical Malpractice' }, then: 'evaluate' },
  ],
  default: { action: 'manual', note: 'a lawyer decides' },
};

/** What {@link DECIDING_RULES} decide for an invitation. */
const expectedAction = (d: InvitationDoc) =>
  OUT_OF_AREA.includes(d.referral.incident.state) ? 'decline'
    : d.referral.caseType === 'Motor Vehicle Accident' ? 'accept'
      : d.referral.caseType === 'Medical Malpractice' ? 'evaluate' : 'manual';

/** Waits until every invitation in `ids` is in one of `states` in the ledger; returns the records. */
export function settled(s: Stack, ids: string[], o: { states?: string[]; timeoutMs?: number } = {}) {
  const states = o.states ?? ['done', 'manual', 'closed', 'expired'];
  return waitFor(async () => {
    const rs = await Promise.all(ids.map((id) => s.processor.ledger.get(id)));
    return rs.every((r) => r && states.includes(r.state)) ? rs : undefined;
  }, { timeoutMs: o.timeoutMs ?? 30_000, message: `${ids.length} invitations settled` });
}

/** The actions Lexamica took for an invitation (accepted answers only). */
export const okActions = (s: Stack, id: string) => s.env.sandbox.state.actions.filter((a) => a.invitationId === id && a.outcome === 'ok').map((a) => a.action);

/**
 * Checks that each of `docs` was decided as the rules say and answered exactly once (a `manual`
 * one not at all), and that Lexamica saw no duplicate action.
 */
export async function expectDecidedAndAnsweredOnce(s: Stack, docs: InvitationDoc[], o: { timeoutMs?: number } = {}): Promise<void> {
  const records = await settled(s, docs.map((d) => d._id), o);
  docs.forEach((d, i) => {
    const want = expectedAction(d);
    expect(records[i]!.decision?.action, d._id).toBe(want);
    expect(okActions(s, d._id), d._id).toEqual(want === 'manual' ? [] : [want]);
  });
  expect(s.env.sandbox.state.stats().actions.duplicate).toBe(0);
}

/** The core scenario: `count` new invitations, each decided and answered exactly once. */
export async function decideAndAnswer(s: Stack, count = 24): Promise<InvitationDoc[]> {
  const docs = s.env.sandbox.scenario.generate(count).map((r) => structuredClone(r.doc));
  await expectDecidedAndAnsweredOnce(s, docs);
  expect(new Set(docs.map(expectedAction)).size, 'a mixed run').toBeGreaterThanOrEqual(3);
  return docs;
}
