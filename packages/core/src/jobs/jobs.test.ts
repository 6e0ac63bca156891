import { UnrecoverableError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@lexbridge/infra/logger';
import { createJobProcessor, jobForEvent, jobIdFor, jobsOfQueue, QUEUE_NAMES, storedEventsOf, type HandlerMap } from './index.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const ok = { id: 'e1', event: 'Case Invitation Sent', createdAt: '2026-11-22T10:00:00.000Z', payload: { a: 1 } };

function job(name: string, data: unknown) {
  return { id: 'j1', name, data, attemptsMade: 0, opts: { attempts: 3 } };
}

describe('job catalog', () => {
  it('lists each queue once and knows which jobs travel on it', () => {
    expect(new Set(QUEUE_NAMES).size).toBe(QUEUE_NAMES.length);
    expect(jobsOfQueue('invitations').sort()).toEqual(['invitation.lifecycle', 'invitation.sent', 'invitations.batch']);
  });

  it('makes job ids BullMQ accepts and that never collide', () => {
    expect(jobIdFor('ev', 'a:b')).not.toContain(':');
    expect(jobIdFor('ev', '123')).toBe('ev-123');
    expect(jobIdFor('ev', 'a:b')).not.toBe(jobIdFor('ev', 'a%3Ab'));
  });

  it('finds the stored events a job carries: its own, or each of a batch', () => {
    const batch = { events: [{ job: 'invitation.sent', event: ok }, { job: 'invitation.lifecycle', event: { ...ok, id: 'e2' } }] };
    expect(storedEventsOf({ name: 'invitation.sent', data: ok }).map((e) => e.id)).toEqual(['e1']);
    expect(storedEventsOf({ name: 'invitations.batch', data: batch }).map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(storedEventsOf({ name: 'cms.deliver', data: { itemId: 'x' } })).toEqual([]);
  });

  it('routes stored events by name', () => {
    const names = { invitationSent: 'Sent', invitationLifecycle: ['Expired'], caseUpdateMade: 'Update' };
    expect(jobForEvent('Sent', names)).toBe('invitation.sent');
    expect(jobForEvent('Expired', names)).toBe('invitation.lifecycle');
    expect(jobForEvent('Update', names)).toBe('case-update.made');
    expect(jobForEvent('Case Created', names)).toBe('case.event');
  });
});

describe('worker adapter', () => {
  const handlers = {
    'invitation.sent': vi.fn(async (p: { id: string }) => `handled ${p.id}`),
    'invitation.lifecycle': vi.fn(async () => 'lifecycle'),
    'invitations.batch': vi.fn(async () => 'batch'),
  } satisfies HandlerMap<'invitations'>;
  const process = createJobProcessor('invitations', handlers, logger);

  it('parses the payload and calls the handler with a context', async () => {
    await expect(process(job('invitation.sent', ok))).resolves.toBe('handled e1');
    const ctx = (handlers['invitation.sent'].mock.calls[0] as unknown[])[1];
    expect(ctx).toMatchObject({ attempt: 1, jobId: 'j1', queue: 'invitations' });
  });

  it('throws UnrecoverableError naming the field on a bad payload', async () => {
    const err = (await process(job('invitation.sent', { ...ok, createdAt: 'yesterday', id: '' })).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toContain('createdAt');
    expect(err.message).toContain('id');
    expect(handlers['invitation.sent']).not.toHaveBeenCalled();
  });

  it('throws UnrecoverableError on a job name the queue does not carry', async () => {
    await expect(process(job('cms.deliver', { itemId: 'x' }))).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(process(job('nope', {}))).rejects.toThrow(/unknown job "nope"/);
  });
});

describe('bounds on every string a job carries', () => {
  const long = 'x'.repeat(100_001);
  it('refuses a stored event whose id, name, mapping id or payload is over its bound', async () => {
    const { storedEventJobSchema, MAX_PAYLOAD_JSON_CHARS } = await import('./index.js');
    expect(storedEventJobSchema.safeParse(ok).success).toBe(true);
    for (const bad of [{ ...ok, id: long }, { ...ok, event: long }, { ...ok, mappingId: long }, { ...ok, payload: { text: 'y'.repeat(MAX_PAYLOAD_JSON_CHARS) } }]) {
      expect(storedEventJobSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('refuses a backfill of an over-long event name, and an operator-chosen requestedBy in the request', async () => {
    const { backfillJobSchema, backfillRequestSchema } = await import('./index.js');
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' };
    expect(backfillJobSchema.safeParse({ ...range, event: long }).success).toBe(false);
    expect(backfillRequestSchema.safeParse({ ...range, event: 'Case Invitation Sent' }).success).toBe(true);
    expect(backfillRequestSchema.safeParse({ ...range, requestedBy: 'someone else' }).success).toBe(false);
  });

  it('cuts an over-long quarantine reason instead of refusing the event it sets aside', async () => {
    const { quarantineJobSchema, MAX_REASON_LENGTH } = await import('./index.js');
    const parsed = quarantineJobSchema.parse({ reason: long, raw: {}, receivedAt: '2026-01-01T00:00:00Z' });
    expect(parsed.reason.length).toBeLessThan(MAX_REASON_LENGTH + 20);
  });
});
