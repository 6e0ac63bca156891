import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { firmInvitation } from '../../test/firm.js';
import { actionPath, CLOCK, jobContext, MAPPING_ID, useHarness, type Harness } from '../../test/harness.js';

const DAY = 86_400_000;
let now = CLOCK;
const registry = new Registry();
let h: Harness;
useHarness('update-due', { now: () => now, registry }, (started) => (h = started));

const at = (days: number) => new Date(CLOCK.getTime() + days * DAY);
const check = () => h.handlers.maintenance['case.update-due-check']({}, jobContext());
const dueItems = async () => (await h.service.feed.read(undefined, 1_000)).items.filter((i) => i.type === 'case.update-due');
const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;

let n = 0;
async function sent(id: string, caseType = 'Employment') {
  await h.handlers.invitations['invitation.sent'](
    { id: `sent-${id}`, event: 'Case Invitation Sent', createdAt: now.toISOString(), mappingId: MAPPING_ID, payload: firmInvitation({ id, caseType, expires: new Date(now.getTime() + DAY).toISOString() }) },
    jobContext(),
  );
}
const lifecycle = (event: string, payload: Record<string, unknown>) =>
  h.handlers.invitations['invitation.lifecycle']({ id: `lc-${++n}`, event, createdAt: now.toISOString(), mappingId: MAPPING_ID, payload }, jobContext());

describe('tracking the last update of each accepted case', () => {
  it('records the case of an invitation, and starts its clock when our accept is done', async () => {
    h.server.otherwise((req) => (req.path === actionPath('t1', 'accept') ? { status: 200, body: {} } : { status: 404, body: {} }));
    await sent('t1', 'Motor Vehicle Accident');
    expect(await h.ctx.ledger.get('t1')).toMatchObject({ caseId: 'case-t1', state: 'done' });
    expect(await h.ctx.cases.invitationOf('case-t1')).toBe('t1');
    expect(await h.ctx.caseActivity.lastUpdate('case-t1')).toBe(CLOCK.getTime());
  });

  it('starts the clock of a case accepted outside Lexbridge and stops it when the case closes', async () => {
    await lifecycle('Case Invitation Accepted', { invitation_id: 't2', invitation_status: 'accepted', matter_id: 'case-t2', expires_at: at(1).toISOString() });
    expect(await h.ctx.cases.invitationOf('case-t2')).toBe('t2');
    expect(await h.ctx.caseActivity.lastUpdate('case-t2')).toBe(CLOCK.getTime());
    await lifecycle('Case Invitation Closed', { invitation_id: 't2', invitation_status: 'closed', matter_id: 'case-t2' });
    expect(await h.ctx.caseActivity.lastUpdate('case-t2')).toBeUndefined();
  });

  it('keeps a closed case closed when its Accepted event arrives late, and tracks it again for a new invitation', async () => {
    await h.ctx.caseActivity.ended('case-t4', 't4');
    await lifecycle('Case Invitation Accepted', { invitation_id: 't4', matter_id: 'case-t4', invitation_status: 'accepted', expires_at: at(1).toISOString() });
    expect(await h.ctx.caseActivity.lastUpdate('case-t4')).toBeUndefined();
    await h.ctx.caseActivity.updated('case-t4', CLOCK);
    expect(await h.ctx.caseActivity.lastUpdate('case-t4')).toBeUndefined();
    await h.ctx.caseActivity.started('case-t4', 't4-again', CLOCK);
    expect(await h.ctx.caseActivity.lastUpdate('case-t4')).toBe(CLOCK.getTime());
  });

  it('follows the latest invitation of a case invited twice', async () => {
    await sent('t3-old');
    now = at(0.5);
    await sent('t3-new');
    // firmInvitation names the case after the invitation: point both at one case.
    await h.ctx.cases.link('case-t3', 't3-old', CLOCK.toISOString());
    await h.ctx.cases.link('case-t3', 't3-new', now.toISOString());
    await lifecycle('Case Invitation Accepted', { invitation_id: 't3-new', matter_id: 'case-t3' });
    await lifecycle('Case Invitation Expired', { invitation_id: 't3-old', invitation_status: 'expired', matter_id: 'case-t3' });
    expect(await h.ctx.caseActivity.lastUpdate('case-t3')).toBe(now.getTime());
    now = CLOCK;
  });
});

describe('the 90-day check', () => {
  it('announces each case nearing the limit once per due date, with gauges for the CMS’s dashboards', async () => {
    await h.ctx.caseActivity.updated('case-d1', at(-85));
    await h.ctx.caseActivity.updated('case-d2', at(-95));
    await h.ctx.caseActivity.updated('case-fresh', at(-10));
    await h.ctx.cases.link('case-d1', 'inv-d1', at(-100).toISOString());

    const before = (await dueItems()).length;
    await check();
    await check();
    const items = (await dueItems()).slice(before);
    expect(items.map((i) => i.data.caseId).sort()).toEqual(['case-d1', 'case-d2']);
    expect(items.find((i) => i.data.caseId === 'case-d1')).toMatchObject({
      id: `update-due:case-d1:${at(5).toISOString()}`,
      data: { invitationId: 'inv-d1', lastUpdateAt: at(-85).toISOString(), dueAt: at(5).toISOString(), daysSinceLastUpdate: 85, daysLeft: 5, overdue: false, limitDays: 90 },
    });
    expect(items.find((i) => i.data.caseId === 'case-d2')?.data).toMatchObject({ overdue: true, daysLeft: -5 });
    expect(await gauge('lexbridge_cases_update_due')).toBeGreaterThanOrEqual(2);
    expect(await gauge('lexbridge_case_update_age_max_seconds')).toBe(95 * 86_400);

    // An update moves the due date: nothing until it nears again, then one more announcement.
    await h.ctx.caseActivity.updated('case-d1', CLOCK);
    await check();
    expect((await dueItems()).slice(before)).toHaveLength(2);
    now = at(81);
    try {
      await check();
      const again = (await dueItems()).slice(before).filter((i) => i.data.caseId === 'case-d1');
      expect(again.map((i) => i.data.dueAt)).toEqual([at(5).toISOString(), at(90).toISOString()]);
    } finally {
      now = CLOCK;
    }
  });
});
