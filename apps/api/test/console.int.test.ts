/**
 * The intake console's API (issue 19): sign-in exchanges a token for an HttpOnly, SameSite=Strict
 * session cookie with a CSRF token; what waits for a person comes with its facts, why, capacity and
 * guard plan; decisions are made in the person's name, with a reason from the firm's list for a
 * decline; a decision already made says who made it; activity, what-if, health and the event
 * stream answer from the same Redis the processor writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actJobId, type LedgerDecision } from '@lexbridge/core/ledger';
import { parseRulesConfig } from '@lexbridge/core/rules';
import { waitFor } from '@lexbridge/testkit';
import { DEFAULT_CONSOLE_SETTINGS, type ConsoleSettings } from '../src/console/settings.js';
import { bearer, createTestApi, ROLE_TOKENS, type TestApi } from './harness.js';

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const REASONS = ['Conflict of interest', 'Outside our states'];
const settings: ConsoleSettings = {
  ...DEFAULT_CONSOLE_SETTINGS,
  rules: parseRulesConfig({
    capacity: [{ caseType: 'Product Liability', maxAcceptsPerDay: 3 }],
    expiryGuard: { manual: { before: '6h', do: 'evaluate' } },
    rules: [{ name: 'pl-to-partner', when: { field: 'referral.caseType', equals: 'Product Liability' }, then: { action: 'manual', note: 'a partner reviews product liability' } }],
  }),
  console: { declineReasons: REASONS, clientContact: false },
};
const leftToPerson = (rule: string | null, note?: string): LedgerDecision => ({
  action: 'manual',
  rule,
  ...(note && { note }),
  trace: rule ? [{ rule, matched: true }] : [{ rule: 'pl-to-partner', matched: false }],
  source: 'rules',
  decidedAt: new Date().toISOString(),
});

/** A browser-like client: keeps the session cookie, sends the CSRF token on POST. */
async function signIn(t: TestApi, body: Record<string, unknown>) {
  const res = await t.app.inject({ method: 'POST', url: '/console/api/sign-in', payload: body });
  const cookie = res.cookies.find((c) => c.name === 'lexbridge_console');
  const csrf = res.statusCode === 200 ? (res.json().csrfToken as string) : '';
  const call = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = { 'x-csrf-token': csrf }) =>
    t.app.inject({ method, url, cookies: cookie ? { lexbridge_console: cookie.value } : {}, headers, ...(payload !== undefined && { payload: payload as object }) });
  return { res, cookie, csrf, call };
}

describe('the intake console API', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi({ console: settings });
    await t.ledger.receive({ invitationId: 'c-late', eventId: 'ev-late', caseType: 'Product Liability', expires: inHours(30), facts: { caseType: 'Product Liability', estimatedValue: 250_000, incident: { state: 'NV', city: 'Reno' } } });
    await t.ledger.decide('c-late', leftToPerson('pl-to-partner', 'a partner reviews product liability'), 'manual');
    await t.ledger.receive({ invitationId: 'c-soon', eventId: 'ev-soon', caseType: 'Employment', expires: inHours(8), facts: { caseType: 'Employment' } });
    await t.ledger.decide('c-soon', leftToPerson(null), 'manual');
    await t.ledger.receive({ invitationId: 'c-other', eventId: 'ev-other', caseType: 'Employment', expires: inHours(20) });
    await t.ledger.decide('c-other', leftToPerson(null), 'manual');
  });
  afterAll(() => t.close());

  it('signs in with a token (and its name) into an HttpOnly, SameSite=Strict cookie, and refuses a wrong pair', async () => {
    const { res, cookie } = await signIn(t, { name: 'intake', token: ROLE_TOKENS.intake });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ identity: { name: 'intake', roles: ['intake'] }, declineReasons: REASONS, shadow: false, clientContact: false });
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(res.body).not.toContain(cookie!.value);
    const wrong = await signIn(t, { name: 'viewer', token: ROLE_TOKENS.intake });
    expect(wrong.res.statusCode).toBe(401);
    expect(wrong.res.json().error).toMatchObject({ code: 'unauthorized', field: 'token', in: 'body' });
    expect(wrong.cookie).toBeUndefined();
    const cms = await signIn(t, { token: ROLE_TOKENS.cms });
    expect(cms.res.statusCode).toBe(403);
  });

  it('refuses an unsafe request without the session’s CSRF token, naming the header', async () => {
    const s = await signIn(t, { token: ROLE_TOKENS.intake });
    for (const headers of [{}, { 'x-csrf-token': 'forged' }] as Array<Record<string, string>>) {
      const res = await s.call('POST', '/console/api/invitations/c-other/decision', { action: 'accept' }, headers);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', field: 'x-csrf-token', in: 'headers' });
    }
    expect((await t.ledger.get('c-other'))?.state).toBe('manual');
    expect((await t.app.inject({ method: 'GET', url: '/console/api/waiting' })).statusCode).toBe(401);
  });

  it('lists what waits, soonest expiry first, with facts, why, today’s capacity and the guard’s plan', async () => {
    const s = await signIn(t, { token: ROLE_TOKENS.viewer });
    const res = await s.call('GET', '/console/api/waiting');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ invitation: { invitationId: string; facts?: unknown; expires: string }; why: string; capacity: unknown; guard: { at: string; do: string } }>;
    expect(items.map((i) => i.invitation.invitationId)).toEqual(['c-soon', 'c-other', 'c-late']);
    const late = items[2]!;
    expect(late.invitation.facts).toEqual({ caseType: 'Product Liability', estimatedValue: 250_000, incident: { state: 'NV', city: 'Reno' } });
    expect(late.why).toContain("manual by rule 'pl-to-partner': a partner reviews product liability");
    expect(late.capacity).toEqual({ caseType: 'Product Liability', used: 0, limit: 3 });
    expect(Date.parse(late.guard.at)).toBe(Date.parse(late.invitation.expires) - 6 * 3_600_000);
    expect(late.guard.do).toBe('evaluate');
    expect(items[0]!.why).toMatch(/^No rule matched, so the default applies: a person decides\. Rules tried: pl-to-partner \(no match\)/);
    expect(items[0]!.capacity).toBeNull();
  });

  it('declines in the person’s name with a reason from the firm’s list plus free text, and queues the action', async () => {
    const s = await signIn(t, { token: ROLE_TOKENS.intake });
    const noReason = await s.call('POST', '/console/api/invitations/c-soon/decision', { action: 'decline' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error).toMatchObject({ code: 'validation_failed', field: 'reason', in: 'body' });
    const offList = await s.call('POST', '/console/api/invitations/c-soon/decision', { action: 'decline', reason: 'Because' });
    expect(offList.json().error).toMatchObject({ code: 'validation_failed', field: 'reason' });
    const res = await s.call('POST', '/console/api/invitations/c-soon/decision', { action: 'decline', reason: 'Conflict of interest', details: 'we act for the other driver' });
    expect(res.statusCode).toBe(202);
    const record = (await t.ledger.get('c-soon'))!;
    expect(record.decision).toMatchObject({ action: 'decline', reason: 'Conflict of interest: we act for the other driver', by: 'intake', source: 'manual' });
    const job = await t.queues.get('invitation-actions').getJob(actJobId(record));
    expect(job?.data).toMatchObject({ invitationId: 'c-soon', action: 'decline', source: 'manual' });
  });

  it('tells a second person that the invitation was already decided, and by whom', async () => {
    const s = await signIn(t, { token: ROLE_TOKENS.intake });
    const res = await s.call('POST', '/console/api/invitations/c-soon/decision', { action: 'accept' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'invalid_state', state: 'decided' });
    expect(res.json().error.message).toContain('already decided: decline by intake');
  });

  it('refuses the decision to a viewer, naming the role', async () => {
    const s = await signIn(t, { token: ROLE_TOKENS.viewer });
    const res = await s.call('POST', '/console/api/invitations/c-other/decision', { action: 'accept' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.requiredRoles).toEqual(['intake']);
  });

  it('shows what pasted rules would have decided next to what was decided, applying nothing', async () => {
    await t.feed.append({ id: 'decided:c-late', type: 'invitation.decided', occurredAt: new Date().toISOString(), data: { invitationId: 'c-late' } });
    const s = await signIn(t, { token: ROLE_TOKENS.viewer });
    const rules = 'rules:\n  - name: accept-big\n    when: { field: referral.estimatedValue, gte: 200000 }\n    then: accept\n';
    const res = await s.call('POST', '/console/api/what-if', { rules, limit: 5 });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      expect.objectContaining({ invitationId: 'c-late', factsKept: true, decided: expect.objectContaining({ action: 'manual', rule: 'pl-to-partner' }), wouldDecide: expect.objectContaining({ action: 'accept', rule: 'accept-big' }), differs: true }),
    ]);
    expect((await t.ledger.get('c-late'))?.state).toBe('manual');
    const bad = await s.call('POST', '/console/api/what-if', { rules: 'rules:\n  - name: x\n    when: { field: a, gte: high }\n    then: accept\n' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'validation_failed', field: 'rules', in: 'body' });
    expect(bad.json().error.message).toContain('rules.0.when');
  });

  it('shows activity with who decided, failures, and the health strip', async () => {
    await t.feed.append({ id: 'f1', type: 'invitation.action-failed', occurredAt: new Date().toISOString(), data: { invitationId: 'c-x', error: 'Lexamica answered 500', decision: { action: 'accept', by: 'intake', source: 'manual' } } });
    const s = await signIn(t, { token: ROLE_TOKENS.admin });
    const activity = (await s.call('GET', '/console/api/activity')).json();
    expect(activity.items[0]).toMatchObject({ type: 'invitation.action-failed', invitationId: 'c-x', by: 'intake', outcome: 'failed', summary: 'accept failed: Lexamica answered 500' });
    expect(activity.updateRule).toEqual({ warnAfterDays: 80, limitDays: 90 });
    const health = (await s.call('GET', '/console/api/health')).json();
    expect(health).toMatchObject({ pollLagSeconds: null, stuck: 0, lexamicaErrorsLastHour: 1 });
    expect(health.queues['invitation-actions']).toMatchObject({ waiting: 1 });
  });

  it('signs out: the session ends and its cookie no longer works', async () => {
    const s = await signIn(t, { token: ROLE_TOKENS.viewer });
    expect((await s.call('GET', '/console/api/session')).statusCode).toBe(200);
    expect((await s.call('POST', '/console/api/sign-out')).statusCode).toBe(204);
    const after = await s.call('GET', '/console/api/session');
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toContain('sign in again');
  });

  it('streams each new feed item as a server-sent event, to a session or a bearer token', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const res = await fetch(`${address}/console/api/stream`, { headers: bearer(ROLE_TOKENS.viewer), signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    await t.feed.append({ id: 'decided:c-new', type: 'invitation.decided', occurredAt: new Date().toISOString(), data: { invitationId: 'c-new' } });
    await waitFor(
      async () => {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
        return text.includes('c-new');
      },
      { message: 'the new item as an event' },
    );
    expect(text).toMatch(/event: feed\ndata: \{"type":"invitation.decided","invitationId":"c-new"/);
    controller.abort();
  });
});
