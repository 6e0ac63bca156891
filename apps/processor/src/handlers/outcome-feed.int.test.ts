import { describe, expect, it } from 'vitest';
import { jobIdFor } from '@lexbridge/core/jobs';
import type { FeedEntry } from '@lexbridge/core/feed';
import { firmInvitation } from '../../test/firm.js';
import { actionPath, CLOCK, inHours, invitationPath, jobContext, MAPPING_ID, replyByPath, useHarness, type Harness } from '../../test/harness.js';

/**
 * A CMS that reads only the feed: for each invitation, the state of the last item that carries
 * one. It must end where the ledger is.
 */
function cmsView(items: FeedEntry[]): Map<string, { state: string; itemId: string }> {
  const view = new Map<string, { state: string; itemId: string }>();
  for (const i of items) {
    const id = i.data.invitationId;
    if (typeof id === 'string' && typeof i.data.state === 'string') view.set(id, { state: i.data.state, itemId: i.id });
  }
  return view;
}

// Issue 16, item 3: the feed carried 565 `invitation.action-failed` items and no
// `invitation.action-sent`, while 361 records ended `done`: the outcome item's id was per
// decision, so a later success was dropped as a duplicate of the earlier failure.
describe('the feed ends on the true outcome of every invitation', () => {
  let h: Harness;
  useHarness('outcome-feed', { now: () => CLOCK, webhook: { url: 'http://127.0.0.1:9/cms', secret: 'webhook-secret-0123456789', timeoutMs: 1_000 } }, (started) => (h = started));
  const cms = async () => cmsView((await h.service.feed.read(undefined, 1_000)).items);
  const delivery = (itemId: string) => h.service.queues.get('cms-webhook').getJob(jobIdFor('cms', itemId));

  it('an action that failed and then succeeded on a replay: the CMS ends with done, and the success is delivered', async () => {
    await h.ctx.ledger.receive({ invitationId: 'o1', eventId: 'ev-o1', mappingId: MAPPING_ID, caseType: 'Employment', expires: inHours(24) });
    await h.ctx.ledger.decide('o1', { action: 'accept', rule: 'r1', trace: [], source: 'rules', decidedAt: CLOCK.toISOString() }, 'decided');
    replyByPath(h.server, {
      [actionPath('o1', 'accept')]: [{ status: 401, body: { error: 'unauthorized' } }, { status: 200, body: {} }],
      [invitationPath('o1')]: { status: 200, body: { _id: 'o1', status: 'open', expires: inHours(24) } },
    });
    const act = () => h.handlers['invitation-actions']['invitation.act']({ invitationId: 'o1', action: 'accept', source: 'rules' }, jobContext());
    await expect(act()).rejects.toThrow(/401/);
    expect((await cms()).get('o1')?.state).toBe('failed');

    // The key is fixed and the failed job replayed: it reads back, sends, and succeeds.
    expect(await act()).toBe('done');
    const ledger = await h.ctx.ledger.get('o1');
    const seen = (await cms()).get('o1');
    expect(seen?.state).toBe(ledger?.state);
    expect(seen?.state).toBe('done');
    expect(await delivery(seen!.itemId)).toBeTruthy();
  });

  it('an invitation waiting for a person that Lexamica cancels: the CMS ends with closed', async () => {
    replyByPath(h.server, {});
    const payload = firmInvitation({ id: 'o2', expires: inHours(24), caseType: 'Employment' });
    await h.handlers.invitations['invitation.sent']({ id: 'ev-o2', event: 'Case Invitation Sent', createdAt: CLOCK.toISOString(), mappingId: MAPPING_ID, payload }, jobContext());
    expect((await cms()).get('o2')?.state).toBe('manual');
    await h.handlers.invitations['invitation.lifecycle'](
      { id: 'ev-o2-c', event: 'Case Invitation Cancelled', createdAt: CLOCK.toISOString(), mappingId: MAPPING_ID, payload: { ...payload, invitation_status: 'cancelled' } },
      jobContext(),
    );
    const ledger = await h.ctx.ledger.get('o2');
    expect(ledger?.state).toBe('closed');
    const seen = (await cms()).get('o2');
    expect(seen?.state).toBe('closed');
    expect(await delivery(seen!.itemId)).toBeTruthy();
  });

  it('announces stored events the poller may never read (events.gap) on the feed and the webhook, once', async () => {
    const gap = { reason: 'retention' as const, from: '2026-09-01T00:00:00.000Z', to: '2026-10-23T10:00:00.000Z', detectedAt: CLOCK.toISOString(), message: 'may be gone unread' };
    await h.handlers.maintenance['events.gap'](gap, jobContext());
    await h.handlers.maintenance['events.gap'](gap, jobContext());
    const items = (await h.service.feed.read(undefined, 1_000)).items.filter((i) => i.type === 'events.gap');
    expect(items).toHaveLength(1);
    expect(items[0]!.data).toEqual({ reason: 'retention', from: gap.from, to: gap.to, message: 'may be gone unread' });
    expect(await delivery(items[0]!.id)).toBeTruthy();
  });
});
