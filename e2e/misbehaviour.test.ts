/**
 * Lexamica misbehaving as it might really do, each a named sandbox option, and what Lexbridge must
 * do about it. Default profile; the stack of e2e/stack.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedEntry } from '@lexbridge/core/feed';
import type { LedgerRecord } from '@lexbridge/core/ledger';
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

/** Waits for the poller's reconciliation pass (the first comes right after its first poll, the next an hour later). */
async function firstReconciliation(stack: Stack): Promise<void> {
  const metric = stack.poller.registry.getSingleMetric('lexbridge_poller_poll_duration_seconds')!;
  await waitFor(async () => (await metric.get()).values.some((v) => v.labels.mode === 'reconcile' && v.labels.le === '+Inf' && v.value > 0), {
    timeoutMs: 20_000,
    message: "the poller's first reconciliation",
  });
}

/** Every stored event Lexamica holds, and the ones Lexbridge has handled: in the ledger (an invitation's first event) or on the feed. */
async function handling(stack: Stack) {
  const { state } = stack.env.sandbox;
  const stored = state.events.query({ limit: Number.MAX_SAFE_INTEGER, skip: 0 }).data;
  const invitations = state.invitations.list().map((r) => r.doc._id);
  const records = await Promise.all(invitations.map((id) => stack.processor.ledger.get(id)));
  const feed: FeedEntry[] = (await stack.processor.feed.read(undefined, 10_000)).items;
  const handled = new Set([...records.map((r) => r?.eventId), ...feed.map((i) => i.data.eventId)]);
  return { invitations, records, feed, missing: stored.filter((e) => !handled.has(e._id)).map((e) => `${e.event} ${e._id}`) };
}

/** Waits until every invitation Lexamica sent is answered in the ledger and every stored event is handled. */
async function allHandled(stack: Stack): Promise<Awaited<ReturnType<typeof handling>>> {
  return waitFor(async () => {
    const h = await handling(stack);
    const open = h.invitations.filter((_, i) => h.records[i]?.state !== 'done');
    if (open.length > 0 || h.missing.length > 0) throw new Error(`${open.length} invitations not answered, ${h.missing.length} stored events not handled (${h.missing.slice(0, 3).join(', ')})`);
    return h;
  }, { timeoutMs: 45_000, message: 'every invitation answered and every stored event handled' });
}

/**
 * What paging misbehaviour must not change: each invitation recorded and answered exactly once,
 * each stored event handled (none skipped), no feed item twice.
 */
function expectEachHandledOnce(stack: Stack, h: Awaited<ReturnType<typeof handling>>): void {
  expect(h.missing, 'stored events that reached neither the ledger nor the feed').toEqual([]);
  expect(h.invitations.map((id) => [id, answersPer(stack, id)]), 'answers Lexamica took per invitation').toEqual(h.invitations.map((id) => [id, 1]));
  const actions = stack.env.sandbox.state.stats().actions;
  expect({ duplicate: actions.duplicate, conflict: actions.conflict }).toEqual({ duplicate: 0, conflict: 0 });
  const per = (type: string, key: string) => {
    const n = new Map<unknown, number>();
    for (const i of h.feed.filter((x) => x.type === type)) n.set(i.data[key], (n.get(i.data[key]) ?? 0) + 1);
    return [...n].filter(([, c]) => c > 1);
  };
  expect(per('lexamica.event', 'eventId'), 'Lexamica events on the feed more than once').toEqual([]);
  expect(per('invitation.decided', 'invitationId'), 'invitations decided more than once').toEqual([]);
  expect(per('invitation.action-sent', 'invitationId'), 'invitations answered more than once on the feed').toEqual([]);
  expect(h.feed.filter((i) => i.type === 'invitation.decided')).toHaveLength(h.invitations.length);
  expect(h.feed.filter((i) => i.type === 'invitation.action-sent')).toHaveLength(h.invitations.length);
}

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
    // Switched on after set-up: a mapping or subscription create is not retried (it is not
    // idempotent), so on a loaded machine a 900 ms create could fail the stack's start instead.
    s = await startStack('default', { fragments: [FIRM], scenario, clientTimeoutMs: 1_000 });
    expect(s.env.sandbox.state.misbehaviour.set({ on: ['slow-answers', 'stale-read-back'], slowMs: 900 }).success).toBe(true);
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

  it('repeated-rows: each page opens with the row the page before ended with; every event is handled once, every invitation answered once', async () => {
    s = await startStack('default', { fragments: [FIRM], scenario, misbehaviour: { on: ['repeated-rows'] } });
    // More than a page (100) of invitations, then as many answers: the poller pages through both.
    s.env.sandbox.scenario.generate(150);
    const h = await allHandled(s);
    expect(s.env.sandbox.state.stats().misbehaviour.applied['repeated-rows']).toBeGreaterThan(0);
    expectEachHandledOnce(s, h);
  });

  it('shifting-pages: invitations stored late, before rows already paged, are answered too, and the rows they push under skip are handled once', async () => {
    s = await startStack('default', { fragments: [FIRM], scenario });
    // The poller's first pass is followed by a reconciliation of the last 24 h, then none for an
    // hour: from here on, only the polls' overlap window can find an event stored late.
    await firstReconciliation(s);
    // Up to 3 invitations stored 2 s late, inside the poller's 5 s overlap window (FAST_POLLER_TIMING),
    // one per pass that pages: each lands before rows the pass has already read and moves the rest
    // down under skip.
    expect(s.env.sandbox.state.misbehaviour.set({ on: ['shifting-pages'], shifts: 3, lateMs: 2_000 }).success).toBe(true);
    s.env.sandbox.scenario.generate(150);
    await allHandled(s);
    // Stop storing late invitations, then let the ones already stored be read and answered.
    s.env.sandbox.state.misbehaviour.set({ on: [] });
    const h = await allHandled(s);
    const late = s.env.sandbox.state.stats().misbehaviour.applied['shifting-pages'] ?? 0;
    expect(late).toBeGreaterThan(0);
    expect(h.invitations).toHaveLength(150 + late);
    expectEachHandledOnce(s, h);
  });
});
