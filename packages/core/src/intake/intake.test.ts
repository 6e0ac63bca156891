import { describe, expect, it } from 'vitest';
import { jobIdFor, type StoredEventJob, type StoredEventJobName } from '../jobs/index.js';
import { personalDataPolicy } from '../firm-config/personal-data.js';
import { storedEventItems } from './index.js';

/** No mapping names a personal field: payloads go through as they are. */
const KEEP = personalDataPolicy({ mappings: {} });

const ev = (id: string, job: StoredEventJobName): { job: StoredEventJobName; event: StoredEventJob } => ({
  job,
  event: { id, event: job, createdAt: '2026-11-22T10:00:00.000Z', payload: { id } },
});

describe('the jobs for a page of new events', () => {
  it('gives an event alone on its queue its own job, id = event id', () => {
    const items = storedEventItems([ev('a', 'invitation.sent'), ev('b', 'case.event')], KEEP);
    expect(items.map((i) => [i.name, i.opts?.jobId])).toEqual([
      ['invitation.sent', jobIdFor('ev', 'a')],
      ['case.event', jobIdFor('ev', 'b')],
    ]);
    expect(items[0]!.payload).toEqual(ev('a', 'invitation.sent').event);
  });

  it('puts the rest in one batch per queue, in page order, with an id fixed by the events', () => {
    const page = [ev('a', 'invitation.sent'), ev('b', 'case.event'), ev('c', 'invitation.lifecycle'), ev('d', 'case-update.made'), ev('e', 'invitation.sent')];
    const items = storedEventItems(page, KEEP);
    expect(items.map((i) => i.name)).toEqual(['invitations.batch', 'inbound.batch']);
    expect(items[0]!.payload).toEqual({ events: [page[0], page[2], page[4]] });
    expect(items[1]!.payload).toEqual({ events: [page[1], page[3]] });
    // Enqueueing the same page again gives the same ids (BullMQ adds nothing); another page, others.
    expect(storedEventItems(page, KEEP).map((i) => i.opts?.jobId)).toEqual(items.map((i) => i.opts?.jobId));
    expect(storedEventItems(page.slice(1), KEEP).map((i) => i.opts?.jobId)).not.toContain(items[0]!.opts?.jobId);
    expect(new Set(items.map((i) => i.opts?.jobId)).size).toBe(2);
  });

  it('enqueues nothing for an empty page', () => {
    expect(storedEventItems([], KEEP)).toEqual([]);
  });

  it("removes the client's personal fields from each payload, alone or in a batch", () => {
    const strip = personalDataPolicy({ mappings: { invitation: { name: 'i', model: 'CaseInvitation', fields: [{ external: 'client.email', lexamica: 'referral.client.email' }, { external: 'kind', lexamica: 'referral.caseType' }] } } });
    const withClient = (id: string) => ({ job: 'invitation.sent' as const, event: { id, event: 'x', createdAt: '2026-11-22T10:00:00.000Z', payload: { kind: 'pi', client: { email: 'ada@example.com', note: 'kept' } } } });
    const [own] = storedEventItems([withClient('a')], strip);
    expect(own!.payload).toMatchObject({ payload: { kind: 'pi', client: { note: 'kept' } } });
    expect(JSON.stringify(storedEventItems([withClient('b'), withClient('c')], strip))).not.toContain('ada@example.com');
  });
});
