import { describe, expect, it } from 'vitest';
import { jobIdFor, type StoredEventBatch } from '@lexbridge/core/jobs';
import type { ScriptedReply } from '@lexbridge/testkit';
import { firmInvitation } from '../../test/firm.js';
import { actionPath, CLOCK, inHours, invitationPath, jobContext, MAPPING_ID, replyByPath, useHarness, type Harness } from '../../test/harness.js';
import { HANDOFF_DELAY_MS } from './stored-event-batch.js';

type Item = StoredEventBatch['events'][number];

const sentItem = (id: string, o: Omit<Parameters<typeof firmInvitation>[0], 'id' | 'expires'> = {}): Item => ({
  job: 'invitation.sent',
  event: {
    id: `e-${id}`,
    event: 'Case Invitation Sent',
    createdAt: CLOCK.toISOString(),
    mappingId: MAPPING_ID,
    payload: firmInvitation({ id, expires: inHours(24), ...o }),
  },
});
const OK: ScriptedReply = { status: 200, body: {} };
const runBatch = (h: Harness, events: Item[]) => h.handlers.invitations['invitations.batch']({ events }, jobContext());
const ownJob = (h: Harness, item: Item) => h.service.queues.get('invitations').getJob(jobIdFor('ev', item.event.id));

describe('a batch of stored events', () => {
  let h: Harness;
  useHarness('batch', { now: () => CLOCK, firmExtra: 'queues:\n  invitations: { concurrency: 1 }' }, (started) => (h = started));

  it('handles each event as its own job would, and queues nothing more', async () => {
    replyByPath(h.server, { [actionPath('b-mva', 'accept')]: OK, [actionPath('b-tx', 'decline')]: OK });
    const items = [sentItem('b-mva', { caseType: 'Motor Vehicle Accident' }), sentItem('b-tx', { caseType: 'Employment', state: 'TX' }), sentItem('b-man', { caseType: 'Employment', state: 'NV' })];
    expect(await runBatch(h, items)).toEqual({ handled: 3, handedOff: [] });
    expect((await h.ctx.ledger.get('b-mva'))?.state).toBe('done');
    expect((await h.ctx.ledger.get('b-tx'))?.decision).toMatchObject({ action: 'decline', reason: 'outside our jurisdiction' });
    expect((await h.ctx.ledger.get('b-man'))?.state).toBe('manual');
    for (const item of items) expect(await ownJob(h, item)).toBeUndefined();
    // The same batch again (a retried batch job) changes nothing and sends nothing twice.
    await runBatch(h, items);
    expect(h.server.requests.filter((r) => r.path === actionPath('b-mva', 'accept'))).toHaveLength(1);
  });

  it('hands an event that fails off to a job of its own, with the event, and finishes the rest', async () => {
    replyByPath(h.server, {
      [actionPath('f-ok', 'accept')]: OK,
      [actionPath('f-503', 'accept')]: { status: 503, body: {} },
    });
    const good = sentItem('f-ok', { caseType: 'Motor Vehicle Accident' });
    const bad = sentItem('f-503', { caseType: 'Motor Vehicle Accident' });
    const broken: Item = { job: 'invitation.sent', event: { ...sentItem('f-broken').event, payload: { nothing: 'useful' } } };
    expect(await runBatch(h, [bad, good, broken])).toEqual({ handled: 1, handedOff: ['e-f-503', 'e-f-broken'] });
    expect((await h.ctx.ledger.get('f-ok'))?.state).toBe('done');
    // Sent (maybe): it stays `acting`, so its own job reads the invitation back before sending again.
    expect((await h.ctx.ledger.get('f-503'))?.state).toBe('acting');
    const handedOff = await ownJob(h, bad);
    expect(handedOff?.name).toBe('invitation.sent');
    expect(handedOff?.data).toEqual(bad.event);
    expect(handedOff?.opts).toMatchObject({ delay: HANDOFF_DELAY_MS, attempts: 10 });
    expect(await h.service.queues.get('invitations').getJobState(handedOff!.id!)).toBe('delayed');
    expect((await ownJob(h, broken))?.data).toEqual(broken.event);
  });

  it('after a 429, pauses the queue and hands off the events not yet started, delayed by the pause', async () => {
    replyByPath(h.server, {
      [actionPath('r-1', 'accept')]: { status: 429, headers: { 'retry-after': '7' }, body: {} },
      [actionPath('r-2', 'accept')]: OK,
      [invitationPath('r-2')]: OK,
    });
    const items = [sentItem('r-1', { caseType: 'Motor Vehicle Accident' }), sentItem('r-2', { caseType: 'Motor Vehicle Accident' })];
    expect(await runBatch(h, items)).toEqual({ handled: 0, handedOff: ['e-r-1', 'e-r-2'] });
    // r-1 was refused before it took effect (back to decided); r-2 was never tried.
    expect((await h.ctx.ledger.get('r-1'))?.state).toBe('decided');
    expect(await h.ctx.ledger.get('r-2')).toBeUndefined();
    expect(h.server.requests.filter((r) => r.path === actionPath('r-2', 'accept'))).toHaveLength(0);
    for (const item of items) expect((await ownJob(h, item))?.opts.delay).toBe(7_000);
    expect(await h.service.queues.get('invitations').getRateLimitTtl()).toBeGreaterThan(5_000);
  });

  it('hands off an event whose job does not travel on the batch’s queue, to that job', async () => {
    const stray: Item = { job: 'case.event', event: { id: 'e-stray', event: 'Case Created', createdAt: CLOCK.toISOString(), payload: { a: 1 } } };
    expect(await runBatch(h, [stray])).toEqual({ handled: 0, handedOff: ['e-stray'] });
    const job = await h.service.queues.get('inbound').getJob(jobIdFor('ev', 'e-stray'));
    expect(job?.name).toBe('case.event');
  });
});
