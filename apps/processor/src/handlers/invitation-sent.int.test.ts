import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actJobId, guardJobId } from '@lexbridge/shared/ledger';
import { firmInvitation } from '../../test/firm.js';
import { CLOCK, inHours, createHarness, jobContext, MAPPING_ID } from '../../test/harness.js';


type Harness = Awaited<ReturnType<typeof createHarness>>;
const sentEvent = (id: string, o: Omit<Parameters<typeof firmInvitation>[0], 'id' | 'expires'> & { expiresInH?: number } = {}) => ({
  id: `ev-${id}`,
  event: 'Case Invitation Sent',
  createdAt: CLOCK.toISOString(),
  mappingId: MAPPING_ID,
  payload: firmInvitation({ id, expires: inHours(o.expiresInH ?? 24), ...o }),
});
const sent = (h: Harness, e: ReturnType<typeof sentEvent>) => h.handlers.invitations['invitation.sent'](e, jobContext());

describe('deciding a new invitation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sent', { now: () => CLOCK, firmExtra: 'capacity:\n  - { caseType: Motor Vehicle Accident, maxAcceptsPerDay: 2 }' });
  });
  afterAll(() => h.close());

  it('decides by the rules, records the rule that fired, and queues the action under the decision’s job id', async () => {
    expect(await sent(h, sentEvent('mva-1', { caseType: 'Motor Vehicle Accident', value: 80_000 }))).toBe('decided');
    const r = await h.ctx.ledger.get('mva-1');
    expect(r).toMatchObject({
      state: 'decided',
      mappingId: MAPPING_ID,
      caseType: 'Motor Vehicle Accident',
      decision: { action: 'accept', rule: 'accept-mva', source: 'rules', capacity: { used: 1, limit: 2 } },
    });
    expect(r?.decision?.trace).toEqual([
      { rule: 'decline-outside-west', matched: false },
      { rule: 'accept-mva', matched: true },
    ]);
    const job = await h.service.queues.get('invitation-actions').getJob(actJobId(r!));
    expect(job?.data).toEqual({ invitationId: 'mva-1', action: 'accept', source: 'rules' });
  });

  it('declines with the rule’s reason and evaluates what the rules say to evaluate', async () => {
    await sent(h, sentEvent('tx-1', { caseType: 'Employment', state: 'TX' }));
    await sent(h, sentEvent('med-1', { caseType: 'Medical Malpractice' }));
    expect((await h.ctx.ledger.get('tx-1'))?.decision).toMatchObject({ action: 'decline', reason: 'outside our jurisdiction', rule: 'decline-outside-west' });
    expect((await h.ctx.ledger.get('med-1'))?.decision).toMatchObject({ action: 'evaluate', rule: 'evaluate-medmal' });
  });

  it('leaves a manual invitation waiting and plans its expiry guard before the expiry', async () => {
    expect(await sent(h, sentEvent('man-1', { caseType: 'Employment', expiresInH: 5 }))).toBe('manual');
    expect((await h.ctx.ledger.get('man-1'))?.decision).toMatchObject({ action: 'manual', rule: null, note: 'needs a lawyer' });
    const guard = await h.service.queues.get('expiry-guard').getJob(guardJobId('man-1', inHours(5)));
    expect(guard?.opts.delay).toBe(4 * 3_600_000);
  });

  it('decides once however often the same event is handled', async () => {
    const e = sentEvent('dup-1', { caseType: 'Employment', state: 'NV' });
    await sent(h, e);
    await sent(h, e);
    const r = await h.ctx.ledger.get('dup-1');
    expect(r?.history.map((x) => x.state)).toEqual(['received', 'manual']);
    const { items } = await h.service.feed.read(undefined, 1_000);
    expect(items.filter((i) => i.data.invitationId === 'dup-1').map((i) => i.type)).toEqual(['invitation.decided']);
  });

  it('turns an accept into the limit’s whenFull action once the day’s capacity is used', async () => {
    await sent(h, sentEvent('mva-2', { caseType: 'Motor Vehicle Accident' }));
    await sent(h, sentEvent('mva-3', { caseType: 'Motor Vehicle Accident' }));
    expect((await h.ctx.ledger.get('mva-2'))?.decision?.action).toBe('accept');
    expect((await h.ctx.ledger.get('mva-3'))).toMatchObject({
      state: 'manual',
      decision: { action: 'manual', note: 'capacity reached', rule: 'accept-mva', capacity: { used: 2, limit: 2 } },
    });
  });

  it('queues the action of an invitation decided by an attempt that crashed before queueing it', async () => {
    const e = sentEvent('crash-1', { caseType: 'Motor Vehicle Accident' });
    await h.ctx.ledger.receive({ invitationId: 'crash-1', eventId: e.id, mappingId: MAPPING_ID, expires: inHours(24) });
    const r = await h.ctx.ledger.decide('crash-1', { action: 'decline', reason: 'x', rule: 'r', trace: [], source: 'rules', decidedAt: CLOCK.toISOString() }, 'decided');
    await sent(h, e);
    expect(await h.service.queues.get('invitation-actions').getJob(actJobId(r))).toBeDefined();
  });

  it('does not decide an invitation that is already closed or about to expire', async () => {
    expect(await sent(h, sentEvent('gone-1', { caseType: 'Employment', status: 'cancelled' }))).toBe('closed');
    expect(await sent(h, sentEvent('late-1', { caseType: 'Employment', expiresInH: 0.0001 }))).toBe('expired');
    expect((await h.ctx.ledger.get('late-1'))?.decision).toBeUndefined();
  });

  it('fails an unreadable payload at once, naming the missing Lexamica field, and records nothing', async () => {
    const e = sentEvent('bad-1');
    const err = await sent(h, e).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('referral.caseType');
    expect(await h.ctx.ledger.get('bad-1')).toBeUndefined();
  });
});

describe('shadow mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('shadow', { now: () => CLOCK, firmExtra: 'shadow: true\ncapacity:\n  - { caseType: "*", maxAcceptsPerDay: 5 }' });
  });
  afterAll(() => h.close());

  it('records and announces the decision but queues no action and uses no real capacity', async () => {
    expect(await sent(h, sentEvent('sh-1', { caseType: 'Motor Vehicle Accident' }))).toBe('shadow');
    const r = await h.ctx.ledger.get('sh-1');
    expect(r?.decision).toMatchObject({ action: 'accept', rule: 'accept-mva', capacity: { used: 1, limit: 5 } });
    expect(await h.service.queues.get('invitation-actions').getJobCounts()).toMatchObject({ waiting: 0, delayed: 0 });
    expect(await h.ctx.capacity.used('Motor Vehicle Accident', CLOCK)).toBe(0);
    expect(await h.ctx.shadowCapacity.used('Motor Vehicle Accident', CLOCK)).toBe(1);
    const { items } = await h.service.feed.read(undefined, 10);
    expect(items[0]).toMatchObject({ type: 'invitation.decided', data: { invitationId: 'sh-1', shadow: true } });
    expect(h.server.requests).toHaveLength(0);
  });
});
