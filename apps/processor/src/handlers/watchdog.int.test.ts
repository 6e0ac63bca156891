import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CLOCK, inHours, jobContext, MAPPING_ID, useHarness, type Harness } from '../../test/harness.js';

// Issue 16, item 4: when the read-back after an uncertain action failed every time, 28 records
// stayed `acting` past their expiry with no alert, no feed item and no metric: the expiry guard
// only looks at `manual` and `shadow`. A watchdog now covers every state in which something is
// still to happen.
describe('the watchdog over invitations that stopped moving', () => {
  let h: Harness;
  let now = CLOCK;
  const registry = new Registry();
  useHarness('watchdog', { now: () => now, registry, rules: 'watchdog: { acting: 30m, afterExpiry: 1h }' }, (started) => (h = started));
  const run = () => h.handlers.maintenance['invitation.watchdog']({}, jobContext());
  const stuckItems = async () => (await h.service.feed.read(undefined, 1_000)).items.filter((i) => i.type === 'invitation.stuck');
  const gauge = async (state: string) => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`lexbridge_invitations_stuck{state="${state}"}`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('alerts once on a record that sits in acting past its deadline, with the reason, counts it and shows its last error', async () => {
    now = CLOCK;
    await h.ctx.ledger.receive({ invitationId: 'w1', eventId: 'ev-w1', mappingId: MAPPING_ID, caseType: 'Employment', expires: inHours(24) });
    await h.ctx.ledger.decide('w1', { action: 'accept', rule: 'r', trace: [], source: 'rules', decidedAt: CLOCK.toISOString() }, 'decided');
    await h.ctx.ledger.beginAct('w1');
    await h.ctx.ledger.update('w1', (r) => ({ from: [r.state], to: r.state, patch: { lastError: 'invitations.get: HTTP 401' }, note: 'read-back failed' }));

    now = new Date(CLOCK.getTime() + 20 * 60_000);
    await run();
    expect(await stuckItems()).toHaveLength(0);
    expect(await gauge('acting')).toBe(0);

    now = new Date(CLOCK.getTime() + 45 * 60_000);
    await run();
    await run();
    const items = await stuckItems();
    expect(items).toHaveLength(1);
    expect(items[0]!.data).toMatchObject({ invitationId: 'w1', state: 'acting', lastError: 'invitations.get: HTTP 401' });
    expect(items[0]!.data.reason).toMatch(/acting for 45m/);
    expect(await gauge('acting')).toBe(1);
    expect(await registry.metrics()).toMatch(/^lexbridge_invitations_stuck_alerts_total\{state="acting"\} 1$/m);
  });

  it('alerts on a record waiting for a person well past its expiry, and not on one still in time or finished', async () => {
    now = CLOCK;
    for (const [id, expiresInH] of [['w2', 1], ['w3', 5], ['w4', 1]] as const) {
      await h.ctx.ledger.receive({ invitationId: id, eventId: `ev-${id}`, mappingId: MAPPING_ID, caseType: 'Employment', expires: inHours(expiresInH) });
      await h.ctx.ledger.decide(id, { action: 'manual', rule: null, trace: [], source: 'rules', decidedAt: CLOCK.toISOString() }, 'manual');
    }
    await h.ctx.ledger.transition('w4', { from: ['manual'], to: 'closed', note: 'Lexamica: Case Invitation Cancelled' });

    now = new Date(CLOCK.getTime() + 2.5 * 3_600_000);
    await run();
    const ids = (await stuckItems()).map((i) => i.data.invitationId);
    expect(ids).toContain('w2');
    expect(ids).not.toContain('w3');
    expect(ids).not.toContain('w4');
    const w2 = (await stuckItems()).find((i) => i.data.invitationId === 'w2')!;
    expect(w2.data).toMatchObject({ state: 'manual' });
    expect(w2.data.reason).toMatch(/after its expiry/);
    expect(await gauge('manual')).toBe(1);
  });
});
