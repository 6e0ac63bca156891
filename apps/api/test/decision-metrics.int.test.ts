/**
 * A person's decision is counted like the rules' ones: `lexbridge_decisions_total{source="manual",
 * rule="(person)"}`, the sent→decision histogram and one "invitation decided" line naming who
 * decided, exactly once per decision however often it is sent, from the API and from the console.
 * The series are there at zero before any decision.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerDecision } from '@lexbridge/core/ledger';
import { createLogger } from '@lexbridge/infra/logger';
import { metricSample, promtool } from '@lexbridge/testkit';
import { DEFAULT_CONSOLE_SETTINGS } from '../src/console/settings.js';
import { AUTH, createTestApi, ROLE_TOKENS, type TestApi } from './harness.js';

const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const leftToPerson: LedgerDecision = { action: 'manual', rule: 'big-cases', trace: [{ rule: 'big-cases', matched: true }], source: 'rules', decidedAt: new Date().toISOString() };
/** A client's name, as a free-text decline details might carry it: never in a log line. */
const CLIENT_NAME = 'Augusta Lovelace';

describe('manual decisions in the decision metrics and log', () => {
  let t: TestApi;
  const lines: Array<Record<string, unknown>> = [];
  const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  let before: string;

  beforeAll(async () => {
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    const logger = createLogger({ name: 'api', level: 'info', destination: out });
    t = await createTestApi({ logger, console: { ...DEFAULT_CONSOLE_SETTINGS, console: { declineReasons: ['Conflict of interest'], clientContact: false } } });
    before = await scrape();
    for (const id of ['m-api', 'm-console']) {
      await t.ledger.receive({ invitationId: id, eventId: `ev-${id}`, caseType: 'Employment', expires: hoursFromNow(20), sentAt: hoursFromNow(-2) });
      await t.ledger.decide(id, leftToPerson, 'manual');
    }
  });
  afterAll(() => t.close());

  it('start at zero on the API', async () => {
    for (const action of ['accept', 'decline', 'evaluate']) {
      expect(metricSample(before, 'lexbridge_decisions_total', { action, source: 'manual', rule: '(person)' }), action).toBe(0);
    }
    expect(metricSample(before, 'lexbridge_invitation_decision_seconds_count', { source: 'manual' })).toBe(0);
    const checked = await promtool(['check', 'metrics'], before);
    expect({ code: checked.code, problems: checked.stdout + checked.stderr }).toEqual({ code: 0, problems: '' });
  });

  it('count a decision once, however often and however it is sent, with one log line naming who decided', async () => {
    const decide = () => t.app.inject({ method: 'POST', url: '/v1/invitations/m-api/decision', payload: { action: 'accept' }, headers: AUTH });
    const answers = await Promise.all(Array.from({ length: 8 }, decide));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
    expect((await decide()).statusCode).toBe(202);
    // A different decision is refused, and not counted.
    const refused = await t.app.inject({ method: 'POST', url: '/v1/invitations/m-api/decision', payload: { action: 'decline', reason: 'No' }, headers: AUTH });
    expect(refused.statusCode).toBe(409);

    // The console's decide route, in the signed-in person's name.
    const signIn = await t.app.inject({ method: 'POST', url: '/console/api/sign-in', payload: { token: ROLE_TOKENS.intake } });
    const cookie = signIn.cookies.find((c) => c.name === 'lexbridge_console')!;
    const fromConsole = () =>
      t.app.inject({
        method: 'POST',
        url: '/console/api/invitations/m-console/decision',
        cookies: { lexbridge_console: cookie.value },
        headers: { 'x-csrf-token': signIn.json().csrfToken as string },
        payload: { action: 'decline', reason: 'Conflict of interest', details: `we act for ${CLIENT_NAME}'s employer` },
      });
    expect((await fromConsole()).statusCode).toBe(202);
    expect((await fromConsole()).statusCode).toBe(202);

    const after = await scrape();
    expect(metricSample(after, 'lexbridge_decisions_total', { action: 'accept', source: 'manual', rule: '(person)' })).toBe(1);
    expect(metricSample(after, 'lexbridge_decisions_total', { action: 'decline', source: 'manual', rule: '(person)' })).toBe(1);
    expect(metricSample(after, 'lexbridge_decisions_total', { action: 'evaluate', source: 'manual', rule: '(person)' })).toBe(0);
    expect(metricSample(after, 'lexbridge_invitation_decision_seconds_count', { source: 'manual' })).toBe(2);
    // Both were sent two hours before they were decided.
    const sum = metricSample(after, 'lexbridge_invitation_decision_seconds_sum', { source: 'manual' })!;
    expect(Math.abs(sum - 2 * 7_200)).toBeLessThan(120);

    const decided = lines.filter((l) => l.msg === 'invitation decided');
    expect(decided.map((l) => [l.invitationId, l.action, l.source, l.rule, l.by])).toEqual([
      ['m-api', 'accept', 'manual', '(person)', 'tester'],
      ['m-console', 'decline', 'manual', '(person)', 'intake'],
    ]);
    for (const l of decided) expect(l).toMatchObject({ level: 30, state: 'decided', sinceSentSeconds: expect.any(Number) });
    expect(JSON.stringify(decided)).not.toContain('Lovelace');
    expect(JSON.stringify(decided)).not.toContain('Conflict of interest');
  });
});
