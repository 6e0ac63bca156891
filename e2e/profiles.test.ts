/**
 * The core scenarios under both built-in API profiles (the documented defaults, and `alternate`,
 * unlike them in every dimension the profile covers): decide and answer, every seed event and what
 * Lexbridge does with it, case updates both ways, and a backfill. The sandbox serves the profile;
 * Lexbridge reads the firm's YAML with that profile pasted in, as a firm would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultProfile } from '@lexbridge/lexamica-client';
import type { FeedEntry } from '@lexbridge/core/feed';
import { waitFor } from '@lexbridge/testkit';
import { PROFILES } from './harness.js';
import { DECIDING_RULES, decideAndAnswer, okActions as okActionsOf, settled as settledIn } from './scenarios.js';
import { startStack, type Stack } from './stack.js';

const HOUR = 3_600_000;
// Every event the seeds name, each through the mapping that can read it.
const EVERY_EVENT = Object.entries(defaultProfile.events).map(([key, event]) => ({
  event,
  mapping: key === 'caseUpdateMade' ? 'caseUpdate' : key.startsWith('invitation') || key.startsWith('relay') || key === 'missingInfo' ? 'invitation' : 'case',
}));
const FIRM = {
  shadow: false,
  subscriptions: EVERY_EVENT,
  ...DECIDING_RULES,
  capacity: [],
  expiryGuard: { manual: { before: '30m', do: 'alert' }, evaluate: { before: '30m', do: 'alert' } },
};

describe.each(PROFILES)('under the %s API profile', (profile) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack(profile, { fragments: [FIRM], scenario: { expiryMs: { min: 24 * HOUR, max: 48 * HOUR } } });
  });
  afterAll(() => s?.close());

  const events = () => s.env.client.profile.events;
  const ledger = (id: string) => s.processor.ledger.get(id);
  const feed = async (): Promise<FeedEntry[]> => (await s.processor.feed.read(undefined, 1_000)).items;
  const okActions = (id: string) => okActionsOf(s, id);
  const settled = (ids: string[], states?: string[]) => settledIn(s, ids, states ? { states } : {});

  it('decides and answers invitations exactly once, as the rules say', async () => {
    await decideAndAnswer(s);
  });

  it('stores every seed event, and Lexbridge records, closes, flags or passes on each as it should', async () => {
    // Left to a person first (no rule matches them), so the lifecycle event is what changes them.
    s.env.sandbox.scenario.reset({ caseTypes: { 'Family Law': 1 }, states: ['CA'] });
    const [cancelled, stopped, flagged, deleted, accepted, expiring, evaluated] = s.env.sandbox.scenario.generate(7).map((r) => r.doc);
    await settled([cancelled, stopped, flagged, deleted, accepted, expiring, evaluated].map((d) => d!._id), ['manual']);
    const st = s.env.sandbox.state;
    st.invitations.cancel(cancelled!._id);
    st.invitations.stopRelay(stopped!._id);
    st.cases.missingInfo(flagged!._id, ['referral.client.phone'], 'Please confirm the client phone number');
    st.cases.remove(deleted!._id);
    st.act({ mappingId: s.env.mappingIds['invitation']!, invitationId: accepted!._id, action: 'accept', body: {} });
    st.act({ mappingId: s.env.mappingIds['invitation']!, invitationId: accepted!._id, action: 'contact-attempted', body: { contact_attempted_at: new Date().toISOString() } });
    st.act({ mappingId: s.env.mappingIds['invitation']!, invitationId: accepted!._id, action: 'consult-complete', body: { consult_completed_at: new Date().toISOString() } });
    st.cases.edit(accepted!._id, 'Client now reports ongoing treatment.');
    st.cases.changeStage(accepted!._id, 'Treatment');
    st.caseUpdates.postFromOriginator(accepted!._id);
    st.cases.settle(accepted!._id, 85_000);
    st.files.upload(s.env.mappingIds['case']!, { filename: 'records.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.7'), fields: { matter_id: accepted!.referral._id } });
    st.invitations.close(accepted!._id);
    // Evaluated, then declined by someone on Lexamica, then (another one) expired.
    st.act({ mappingId: s.env.mappingIds['invitation']!, invitationId: evaluated!._id, action: 'evaluate', body: {} });
    st.act({ mappingId: s.env.mappingIds['invitation']!, invitationId: evaluated!._id, action: 'decline', body: { decline_reason: 'conflict' } });
    st.invitations.get(expiring!._id)!.expiresMs = Date.now();
    st.invitations.sweep();

    const stored = st.stats().events.byEvent;
    for (const name of Object.values(events())) expect(stored[name] ?? 0, `stored "${name}"`).toBeGreaterThan(0);

    const byId = await waitFor(async () => {
      const ids = [cancelled, stopped, flagged, deleted, accepted, expiring, evaluated].map((d) => d!._id);
      const rs = await Promise.all(ids.map(ledger));
      const want = ['closed', 'closed', 'manual', 'closed', 'closed', 'expired', 'closed'];
      return rs.every((r, i) => r?.state === want[i]) ? rs : undefined;
    }, { timeoutMs: 30_000, message: 'the ledger follows every lifecycle event' });
    // Missing Info hands the invitation to a person, with the event in its history.
    expect(byId[2]!.history.some((h) => h.note?.includes(events().missingInfo))).toBe(true);
    // A relay-stopped invitation cannot be answered afterwards: the person's decision is refused, nothing is sent.
    const late = await s.cms('POST', `/v1/invitations/${stopped!._id}/decision`, { action: 'accept' });
    expect(late.status).toBe(409);
    expect(okActions(stopped!._id)).toEqual([]);
    // Every stored event reaches the CMS feed under the profile's own name (a sent invitation as its decision).
    const onFeed = Object.entries(events()).filter(([k]) => k !== 'invitationSent').map(([, n]) => n);
    let missing: string[] = [];
    await waitFor(async () => {
      const got = new Set((await feed()).filter((i) => i.type === 'lexamica.event').map((i) => i.data.event as string));
      missing = onFeed.filter((n) => !got.has(n));
      return missing.length === 0;
    }, { timeoutMs: 30_000, message: 'every event type on the feed' }).catch((err: Error) => {
      throw new Error(`${err.message}; missing: ${missing.join(', ')}`);
    });
    s.env.sandbox.scenario.reset({ caseTypes: undefined, states: undefined });
  });

  it('carries case updates both ways: the originator to the CMS feed, the CMS to Lexamica once', async () => {
    const [doc] = s.env.sandbox.scenario.generate(1).map((r) => r.doc);
    s.env.sandbox.state.act({ mappingId: s.env.mappingIds['invitation']!, invitationId: doc!._id, action: 'accept', body: {} });
    const update = s.env.sandbox.state.caseUpdates.postFromOriginator(doc!._id);
    await waitFor(async () => (await feed()).some((i) => i.data.event === events().caseUpdateMade && (i.data.payload as Record<string, unknown>).headline === update.title), {
      timeoutMs: 20_000,
      message: "the originator's update on the feed, in the firm's names",
    });
    const body = { title: 'Client retained', content: 'Retainer signed today.', date: new Date().toISOString() };
    for (let i = 0; i < 2; i++) expect((await s.cms('POST', `/v1/cases/${doc!.referral._id}/updates`, body, `profiles-${profile}-1`)).status).toBe(202);
    await waitFor(() => s.env.sandbox.state.caseUpdates.list().some((u) => u.title === 'Client retained' && u.referral._id === doc!.referral._id), { timeoutMs: 20_000 });
    expect(s.env.sandbox.state.caseUpdates.list().filter((u) => u.title === 'Client retained')).toHaveLength(1);
  });

  it('backfills a range already read without enqueueing anything twice', async () => {
    const cases = new Set(s.env.sandbox.scenario.generate(30).map((r) => r.doc.referral._id));
    const to = new Date();
    // Read by the running poller first: each case's Case Created event is on the feed, and the
    // poller's watermark has passed `to`, so every event of the range is recorded as enqueued. (The
    // feed alone is not enough: on a busy machine the backfill once overtook the poll pass on its
    // last page, and rightly claimed and enqueued the ten events the poll had not reached yet.)
    await waitFor(async () => (await s.processor.feed.read(undefined, 5_000)).items.filter((i) => i.data.event === events().caseCreated && cases.has((i.data.payload as { matter_id?: string }).matter_id ?? '')).length === cases.size, {
      timeoutMs: 20_000,
      message: 'the poller read the range',
    });
    await waitFor(async () => ((await s.poller.poller.checkpoint.read())?.watermarkMs ?? 0) >= to.getTime(), { timeoutMs: 20_000, message: "the poller's watermark past the range" });
    const result = await s.poller.poller.backfill({ from: new Date(to.getTime() - HOUR), to });
    expect(result.read).toBeGreaterThanOrEqual(30);
    expect(result.enqueued).toBe(0);
  });
});
