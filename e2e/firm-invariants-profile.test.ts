/**
 * Issue 16's end-to-end check: the stack against the sandbox under a non-default profile (other
 * paths, key placement, envelopes, row fields, and stored-event rows WITHOUT a mapping id), with a
 * Lexamica that fails now and then, asserting what a firm cares about:
 *  - every invitation is answered or handed to a person (none left failed or in progress);
 *  - the CMS feed ends in the same state as the ledger (each answered invitation's last outcome
 *    item says it was sent);
 *  - every case update the API accepted reaches Lexamica once.
 * Kept in its own file: it exercises fixes of issue 16 (mapping id from the subscription or the
 * configured mapping; a later outcome superseding an earlier one on the feed) made in parallel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildProfile } from '@lexbridge/sandbox';
import type { FeedEntry } from '@lexbridge/core/feed';
import type { LedgerRecord } from '@lexbridge/core/ledger';
import { waitFor } from '@lexbridge/testkit';
import { exampleConfigFor } from './harness.js';
import { startStack, type Stack } from './stack.js';

const HOUR = 3_600_000;
const RULES = {
  shadow: false,
  rules: [
    { name: 'decline-out-of-area', when: { field: 'referral.incident.state', in: ['FL', 'NY', 'PA', 'GA', 'NC', 'MI', 'OH'] }, then: { action: 'decline', reason: 'outside our service area' } },
    { name: 'accept-injury', when: { field: 'referral.caseType', in: ['Motor Vehicle Accident', 'Personal Injury', 'Dog Bite Injuries', 'Pedestrian Injuries'] }, then: 'accept' },
  ],
  default: { action: 'manual', note: 'a lawyer decides' },
  capacity: [],
  expiryGuard: { manual: { before: '30m', do: 'alert' }, evaluate: { before: '30m', do: 'alert' } },
};

/** The alternate profile with stored-event rows that carry no mapping id, in the firm's YAML and on the sandbox. */
function noMappingIdYaml(): { yaml: string; profile: Record<string, unknown> } {
  const doc = parseYaml(exampleConfigFor('alternate', RULES)) as { profile: { fields: Record<string, unknown> } };
  doc.profile.fields.mapping = null;
  return { yaml: stringifyYaml(doc), profile: doc.profile };
}

describe('a firm on a non-default profile whose stored events carry no mapping id', () => {
  let s: Stack;
  beforeAll(async () => {
    const { yaml, profile } = noMappingIdYaml();
    s = await startStack('alternate', { firmYaml: yaml, sandboxProfile: buildProfile(profile), scenario: { expiryMs: { min: 24 * HOUR, max: 48 * HOUR } } });
  });
  afterAll(() => s?.close());

  it('answers every invitation or hands it to a person, the feed agrees with the ledger, and every accepted update reaches Lexamica once', async () => {
    expect(s.env.client.profile.fields.mapping).toBeNull();
    s.env.sandbox.state.faults.update({ serverError: { rate: 0.15 }, latency: { rate: 0.2, minMs: 5, maxMs: 30 } });
    const docs = s.env.sandbox.scenario.generate(60).map((r) => r.doc);
    const records = await waitFor(async () => {
      const rs = await Promise.all(docs.map((d) => s.processor.ledger.get(d._id)));
      return rs.every((r) => r && !['received', 'decided', 'acting'].includes(r.state)) ? (rs as LedgerRecord[]) : undefined;
    }, { timeoutMs: 60_000, message: 'every invitation settled' });

    // CMS updates on the accepted cases, each posted twice under one Idempotency-Key.
    const accepted = records.filter((r) => r.state === 'done' && r.decision?.action === 'accept');
    for (const r of accepted) {
      const update = { title: `Intake ${r.invitationId}`, content: 'Client contacted.', date: new Date().toISOString() };
      for (let i = 0; i < 2; i++) {
        const res = await s.cms('POST', `/v1/cases/${r.caseId}/updates`, update, `inv-${r.invitationId}`);
        expect(res.status).toBe(202);
      }
    }
    await waitFor(() => accepted.every((r) => s.env.sandbox.state.caseUpdates.list().some((u) => u.title === `Intake ${r.invitationId}`)), { timeoutMs: 60_000, message: 'every accepted update on Lexamica' });
    s.env.sandbox.state.faults.update({ serverError: { rate: 0 }, latency: { rate: 0 } });

    // 1. Answered or handed to a person: nothing failed.
    const byState = records.reduce<Record<string, number>>((m, r) => ({ ...m, [r.state]: (m[r.state] ?? 0) + 1 }), {});
    expect(records.filter((r) => r.state === 'failed').map((r) => `${r.invitationId}: ${r.history.at(-1)?.note}`), JSON.stringify(byState)).toEqual([]);
    expect(records.every((r) => r.state === 'done' || r.state === 'manual'), JSON.stringify(byState)).toBe(true);
    // 2. The feed ends in the same state as the ledger: the last outcome item of each answered invitation says sent.
    const feed: FeedEntry[] = (await s.processor.feed.read(undefined, 5_000)).items;
    for (const r of records.filter((x) => x.state === 'done')) {
      const outcomes = feed.filter((i) => i.data.invitationId === r.invitationId && (i.type === 'invitation.action-sent' || i.type === 'invitation.action-failed'));
      expect(outcomes.at(-1)?.type, `feed for ${r.invitationId} (ledger: done)`).toBe('invitation.action-sent');
    }
    // 3. Every update the API accepted reached Lexamica exactly once.
    for (const r of accepted) expect(s.env.sandbox.state.caseUpdates.list().filter((u) => u.title === `Intake ${r.invitationId}`), r.invitationId).toHaveLength(1);
  });
});
