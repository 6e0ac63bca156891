import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { LexamicaHttpError } from '@lexbridge/lexamica-client';
import { createJobProcessor, type JobPayload } from '@lexbridge/core/jobs';
import type { ScriptedReply } from '@lexbridge/testkit';
import { firmInvitation } from '../../test/firm.js';
import { actionPath, CLOCK, inHours, jobContext, MAPPING_ID, ORG, replyByPath, useHarness, type Harness } from '../../test/harness.js';


const MAPPINGS_PATH = `/organization/${ORG}/mappings`;
const CASE_UPDATE_PATH = `/organization/${ORG}/inbound-webhooks/case-update/map-cu/send`;
const UPLOAD_PATH = `/organization/${ORG}/inbound-webhooks/case/map-case/file/upload`;
const ALL_MAPPINGS = [
  { _id: MAPPING_ID, name: 'Test invitations', model: 'CaseInvitation', fields: [] },
  { _id: 'map-cu', name: 'Test case updates', model: 'CaseUpdate', fields: [] },
  { _id: 'map-case', name: 'Test cases', model: 'Case', fields: [] },
];

/** Scripts Lexamica by path, with the firm's mappings listed. */
const reply = (h: Harness, routes: Record<string, ScriptedReply | ScriptedReply[]>, mappings = ALL_MAPPINGS) =>
  replyByPath(h.server, { [MAPPINGS_PATH]: { status: 200, body: { data: mappings, total: mappings.length } }, ...routes });

const requestsTo = (h: Harness, path: string) => h.server.requests.filter((r) => r.path === path);

function send(h: Harness, jobId: string, kind: 'case-update' | 'milestone', body: Record<string, unknown>, attempt = 1, maxAttempts = 12) {
  // Bodies are written as the API would queue them; some are deliberately wrong, so no static type.
  const payload = { idempotencyKey: `key-${jobId}`, kind, body } as JobPayload<'outbound.send'>;
  return h.handlers.outbound['outbound.send'](payload, jobContext(attempt, maxAttempts, jobId));
}

/** An invitation the ledger knows, on case `case-<id>`. */
async function invitation(h: Harness, id: string) {
  await h.handlers.invitations['invitation.sent'](
    { id: `sent-${id}`, event: 'Case Invitation Sent', createdAt: CLOCK.toISOString(), mappingId: MAPPING_ID, payload: firmInvitation({ id, caseType: 'Employment', expires: inHours(24) }) },
    jobContext(),
  );
  return `case-${id}`;
}

async function feedItem(h: Harness, jobId: string) {
  const { items } = await h.service.feed.read(undefined, 1_000);
  return items.filter((i) => i.id === `outbound:${jobId}`);
}

const update = (caseId: string) => ({ caseId, title: 'Demand letter sent', content: 'Sent to the carrier today.', date: '2026-11-20T09:00:00.000Z', stage: 'Negotiation' });
const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const metric = async (h: Harness, kind: string, outcome: string) =>
  (await h.ctx.metrics.outbound.get()).values.find((v) => v.labels.kind === kind && v.labels.outcome === outcome)?.value ?? 0;

describe('sending status updates and milestones to Lexamica', () => {
  let h: Harness;
  useHarness('outbound', { now: () => CLOCK }, (started) => (h = started));

  it('sends a case update through the CaseUpdate mapping once, however often the job runs, and announces it', async () => {
    reply(h, { [CASE_UPDATE_PATH]: { status: 201, body: { _id: 'cu-1' } } });
    expect(await send(h, 'o1', 'case-update', update('case-x1'))).toBe('sent');
    expect(await send(h, 'o1', 'case-update', update('case-x1'), 2)).toBe('sent');
    const sent = requestsTo(h, CASE_UPDATE_PATH);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body)).toEqual({
      // Its own id, from the Idempotency-Key: a resend is the same update.
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      matter_id: 'case-x1',
      headline: 'Demand letter sent',
      body: 'Sent to the carrier today.',
      posted_at: '2026-11-20T09:00:00.000Z',
      stage: 'Negotiation',
      author: { firm: 'handler' },
    });
    expect(await feedItem(h, 'o1')).toEqual([
      expect.objectContaining({ type: 'outbound.sent', data: { outboundId: 'o1', kind: 'case-update', caseId: 'case-x1', idempotencyKey: 'key-o1' } }),
    ]);
    expect(await h.ctx.caseActivity.lastUpdate('case-x1')).toBe(CLOCK.getTime());
    expect(await metric(h, 'case-update', 'sent')).toBe(2);
  });

  it('sends again when an earlier attempt’s outcome is unknown (it may duplicate, never lose)', async () => {
    reply(h, { [CASE_UPDATE_PATH]: { status: 201, body: {} } });
    await h.ctx.outboundSteps.mark('o2', 'case-update', 'sending', 1);
    await send(h, 'o2', 'case-update', update('case-x2'), 2);
    expect(requestsTo(h, CASE_UPDATE_PATH).filter((r) => r.body.includes('case-x2'))).toHaveLength(1);
    expect(await h.ctx.outboundSteps.get('o2', 'case-update')).toMatchObject({ state: 'sent', attempt: 2 });
  });

  it('retries a 5xx, and announces the failure only once no attempt is left', async () => {
    reply(h, { [CASE_UPDATE_PATH]: { status: 503, body: { error: 'unavailable' } } });
    const first = await caught(send(h, 'o3', 'case-update', update('case-x3'), 1, 3));
    expect(first).not.toBeInstanceOf(UnrecoverableError);
    expect((first as Error).message).toMatch(/^the case update was not sent: caseUpdates.send: HTTP 503/);
    expect(await feedItem(h, 'o3')).toEqual([]);
    await caught(send(h, 'o3', 'case-update', update('case-x3'), 3, 3));
    expect(await feedItem(h, 'o3')).toEqual([expect.objectContaining({ type: 'outbound.failed', data: expect.objectContaining({ error: expect.stringContaining('HTTP 503') }) })]);
    expect(await metric(h, 'case-update', 'retry')).toBe(1);
    expect(await metric(h, 'case-update', 'failed')).toBe(1);
  });

  it('fails a refused update at once with Lexamica’s status and message, and forgets the step so a replay sends it', async () => {
    reply(h, { [CASE_UPDATE_PATH]: { status: 400, body: { error: 'invalid_request', message: 'title is too long' } } });
    const err = await caught(send(h, 'o4', 'case-update', update('case-x4')));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('Lexamica refused the case update with HTTP 400');
    expect((err as Error).message).toContain('title is too long');
    expect(await h.ctx.outboundSteps.get('o4', 'case-update')).toBeUndefined();
    expect((await feedItem(h, 'o4'))[0]?.type).toBe('outbound.failed');
  });

  it('passes a 429 through untouched, for the worker to pause the queue', async () => {
    reply(h, { [CASE_UPDATE_PATH]: { status: 429, headers: { 'retry-after': '3' }, body: {} } });
    const err = await caught(send(h, 'o5', 'case-update', update('case-x5')));
    expect(err).toBeInstanceOf(LexamicaHttpError);
    expect((err as LexamicaHttpError).status).toBe(429);
    expect(await feedItem(h, 'o5')).toEqual([]);
  });

  it('logs a contact attempt and a completed consult on the case’s invitation, in the firm’s names', async () => {
    const caseId = await invitation(h, 'm1');
    reply(h, { [actionPath('m1', 'contact-attempted')]: { status: 200, body: {} }, [actionPath('m1', 'consult-complete')]: { status: 200, body: {} } });
    await send(h, 'o6', 'milestone', { caseId, type: 'contact-attempted', attemptedAt: '2026-11-22T08:00:00.000Z', channel: 'phone', note: 'left a voicemail' });
    await send(h, 'o7', 'milestone', { caseId, type: 'consult-complete', completedAt: '2026-11-22T09:30:00.000Z' });
    expect(JSON.parse(requestsTo(h, actionPath('m1', 'contact-attempted'))[0]!.body)).toEqual({ attempted_at: '2026-11-22T08:00:00.000Z', channel: 'phone' });
    expect(JSON.parse(requestsTo(h, actionPath('m1', 'consult-complete'))[0]!.body)).toEqual({ completedAt: '2026-11-22T09:30:00.000Z' });
    expect((await feedItem(h, 'o6'))[0]?.data).toMatchObject({ kind: 'milestone', type: 'contact-attempted', caseId });
  });

  it('declines with the reason, counts "already declined" as sent, and stops the case’s update clock', async () => {
    const caseId = await invitation(h, 'm2');
    await h.ctx.caseActivity.started(caseId, 'm2', CLOCK);
    reply(h, { [actionPath('m2', 'decline')]: [{ status: 503, body: {} }, { status: 409, body: { error: 'invitation_not_open', status: 'declined' } }] });
    await caught(send(h, 'o8', 'milestone', { caseId, type: 'declined', reason: 'conflict of interest' }));
    expect(await send(h, 'o8', 'milestone', { caseId, type: 'declined', reason: 'conflict of interest' }, 2)).toBe('sent');
    expect(requestsTo(h, actionPath('m2', 'decline')).map((r) => JSON.parse(r.body))).toEqual([{ decline_reason: 'conflict of interest' }, { decline_reason: 'conflict of interest' }]);
    expect(await h.ctx.caseActivity.lastUpdate(caseId)).toBeUndefined();
  });

  it('fails a milestone on an invitation Lexamica no longer takes, naming its state', async () => {
    const caseId = await invitation(h, 'm3');
    reply(h, { [actionPath('m3', 'contact-attempted')]: { status: 409, body: { error: 'invitation_not_open', status: 'expired' } } });
    const err = await caught(send(h, 'o9', 'milestone', { caseId, type: 'contact-attempted', attemptedAt: '2026-11-22T08:00:00.000Z' }));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('the invitation is expired');
  });

  it('fails a milestone for a case it has no invitation for, naming the case, and sends nothing', async () => {
    reply(h, {});
    const before = h.server.requests.length;
    const err = await caught(send(h, 'o10', 'milestone', { caseId: 'case-nobody', type: 'consult-complete', completedAt: '2026-11-22T09:30:00.000Z' }));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('no invitation is known for case case-nobody');
    expect(h.server.requests.slice(before).filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('closes a case with a case update saying the fee, and stops its update clock', async () => {
    reply(h, { [CASE_UPDATE_PATH]: { status: 201, body: {} } });
    await h.ctx.caseActivity.started('case-c1', 'inv-c1', CLOCK);
    await send(h, 'o11', 'milestone', { caseId: 'case-c1', type: 'closed', feeOutcome: 'fee', feeAmount: 12500, closedAt: '2026-11-21T00:00:00.000Z', note: 'Settled.' });
    await send(h, 'o12', 'milestone', { caseId: 'case-c2', type: 'closed', feeOutcome: 'no-fee' });
    const bodies = requestsTo(h, CASE_UPDATE_PATH).map((r) => JSON.parse(r.body) as Record<string, unknown>).filter((b) => String(b.matter_id).startsWith('case-c'));
    expect(bodies).toEqual([
      expect.objectContaining({ matter_id: 'case-c1', headline: 'Case closed with a fee', body: 'The case closed with a fee of $12,500.00.\n\nSettled.', stage: 'Closed', posted_at: '2026-11-21T00:00:00.000Z' }),
      expect.objectContaining({ matter_id: 'case-c2', headline: 'Case closed without a fee', body: 'The case closed without a fee.', stage: 'Closed', posted_at: CLOCK.toISOString() }),
    ]);
    expect(await h.ctx.caseActivity.lastUpdate('case-c1')).toBeUndefined();
  });

  describe('retained, with the signed retainer', () => {
    const pdf = Buffer.from('%PDF-1.7\nsigned retainer\n%%EOF');
    async function held(jobId: string) {
      const key = h.service.queues.keyspace.key('upload', jobId);
      await h.redis.redis.set(key, pdf.toString('base64'));
      return { key, encoding: 'base64', filename: 'retainer.pdf', contentType: 'application/pdf', size: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex'), expiresAt: inHours(24) };
    }

    it('uploads the PDF on the Case mapping, posts a Retained update, then deletes the held bytes', async () => {
      const file = await held('o13');
      reply(h, { [UPLOAD_PATH]: { status: 201, body: { _id: 'file-1' } }, [CASE_UPDATE_PATH]: { status: 201, body: {} } });
      await send(h, 'o13', 'milestone', { caseId: 'case-r1', type: 'retained', retainedAt: '2026-11-21T12:00:00.000Z', file });
      const upload = requestsTo(h, UPLOAD_PATH).at(-1)!;
      expect(upload.headers['content-type']).toMatch(/^multipart\/form-data/);
      expect(upload.body).toMatch(/name="matter_id"\r\n\r\ncase-r1\r\n/);
      expect(upload.body).toContain('filename="retainer.pdf"');
      expect(upload.body).toContain('%PDF-1.7\nsigned retainer');
      const last = JSON.parse(requestsTo(h, CASE_UPDATE_PATH).at(-1)!.body) as Record<string, unknown>;
      expect(last).toMatchObject({ matter_id: 'case-r1', headline: 'Client retained', stage: 'Retained', posted_at: '2026-11-21T12:00:00.000Z' });
      expect(await h.redis.redis.exists(file.key)).toBe(0);
      expect(await h.ctx.caseActivity.lastUpdate('case-r1')).toBe(CLOCK.getTime());
    });

    it('does not upload again when only the case update after it failed', async () => {
      const file = await held('o14');
      reply(h, { [UPLOAD_PATH]: { status: 201, body: {} }, [CASE_UPDATE_PATH]: [{ status: 502, body: {} }, { status: 201, body: {} }] });
      const uploadsBefore = requestsTo(h, UPLOAD_PATH).length;
      await caught(send(h, 'o14', 'milestone', { caseId: 'case-r2', type: 'retained', file }));
      expect(await h.redis.redis.exists(file.key)).toBe(1);
      expect(await send(h, 'o14', 'milestone', { caseId: 'case-r2', type: 'retained', file }, 2)).toBe('sent');
      expect(requestsTo(h, UPLOAD_PATH).length - uploadsBefore).toBe(1);
      expect(await h.redis.redis.exists(file.key)).toBe(0);
    });

    it('fails clearly when the held file is gone', async () => {
      const file = await held('o15');
      await h.redis.redis.del(file.key);
      reply(h, {});
      const err = await caught(send(h, 'o15', 'milestone', { caseId: 'case-r3', type: 'retained', file }));
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect((err as Error).message).toContain('"retainer.pdf" is no longer held');
    });
  });

  it('fails a body the processor cannot read at once, naming the field', async () => {
    // The job adapter parses the job (the queue is the boundary); the handler gets a typed body.
    const process = createJobProcessor('outbound', h.handlers.outbound, h.ctx.logger);
    const data = { idempotencyKey: 'key-o16', kind: 'milestone', body: { caseId: 'case-b', type: 'closed' } };
    const err = await caught(process({ id: 'o16', name: 'outbound.send', data, attemptsMade: 0, opts: { attempts: 12 } }));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('feeOutcome');
  });
});

describe('resolving the firm’s mappings on Lexamica', () => {
  let h: Harness;
  useHarness('outbound-mappings', { now: () => CLOCK }, (started) => (h = started));

  it('fails clearly when the CaseUpdate mapping is not on Lexamica, and finds it after set-up', async () => {
    reply(h, { [CASE_UPDATE_PATH]: { status: 201, body: {} } }, ALL_MAPPINGS.filter((m) => m._id !== 'map-cu'));
    const err = await caught(send(h, 'p1', 'case-update', update('case-p1')));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('no mapping named "Test case updates" (mappings.caseUpdate); run `lexbridge setup`');
    reply(h, { [CASE_UPDATE_PATH]: { status: 201, body: {} } });
    expect(await send(h, 'p1', 'case-update', update('case-p1'), 2)).toBe('sent');
    expect(requestsTo(h, MAPPINGS_PATH)).toHaveLength(2);
    await send(h, 'p2', 'case-update', update('case-p2'));
    expect(requestsTo(h, MAPPINGS_PATH)).toHaveLength(2);
  });
});
