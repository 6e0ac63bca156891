import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '@lexbridge/testkit';
import { LexamicaError } from './errors.js';
import type { EventPage } from './client.js';
import { PRIVATE_KEY, useHarness, storedEvent, type Harness } from '../test/harness.js';

// Serves `events` like the profile's stored-events endpoint: skip/limit slicing, `{ data, total }`.
function serveEvents(events: Record<string, unknown>[]) {
  return (req: RecordedRequest) => {
    const skip = Number(req.query.get('skip'));
    const limit = Number(req.query.get('limit'));
    return { status: 200, body: { data: events.slice(skip, skip + limit), total: events.length } };
  };
}

async function collect(pages: AsyncGenerator<EventPage>): Promise<EventPage[]> {
  const out: EventPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('stored events', () => {
  let h: Harness;
  useHarness((started) => (h = started));

  it('pages to the end when events sharing a timestamp straddle a page boundary', async () => {
    const same = '2025-03-01T10:00:00.000Z';
    const events = [
      storedEvent(1, '2025-03-01T09:00:00.000Z'),
      storedEvent(2, same),
      storedEvent(3, same),
      storedEvent(4, same),
      storedEvent(5, same),
      storedEvent(6, '2025-03-01T11:00:00.000Z'),
      storedEvent(7, '2025-03-01T12:00:00.000Z'),
    ];
    h.server.otherwise(serveEvents(events));

    const pages = await collect(h.client.events.pages({ pageSize: 3 }));

    expect(pages.flatMap((p) => p.events.map((e) => e.id))).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-4', 'evt-5', 'evt-6', 'evt-7']);
    expect(h.server.requests.map((r) => r.query.get('skip'))).toEqual(['0', '3', '6', '7']);
    expect(h.server.requests.every((r) => r.query.get('limit') === '3')).toBe(true);
    expect(h.server.requests[0]?.path).toBe('/organization/org-1/stored-events');
    expect(h.server.requests[0]?.headers.authorization).toBe(`Key ${PRIVATE_KEY}`);
    expect(pages[0]).toMatchObject({ skip: 0, limit: 3, total: 7 });
  });

  it('keeps paging after a page that is short but not the last', async () => {
    h.server
      .enqueue({ status: 200, body: { data: [storedEvent(1, '2025-03-01T09:00:00Z'), storedEvent(2, '2025-03-01T09:00:01Z')], total: 5 } })
      .enqueue({
        status: 200,
        body: { data: [3, 4, 5].map((n) => storedEvent(n, `2025-03-01T09:00:0${n}Z`)), total: 5 },
      })
      .enqueue({ status: 200, body: { data: [], total: 5 } });

    const pages = await collect(h.client.events.pages({ pageSize: 5 }));

    expect(pages.map((p) => p.events.length)).toEqual([2, 3]);
    expect(h.server.requests.map((r) => r.query.get('skip'))).toEqual(['0', '2', '5']);
  });

  it('normalises each event through the profile field names and keeps its payload', async () => {
    h.server.enqueue({
      status: 200,
      body: { data: [{ ...storedEvent(1, '2025-03-01T09:00:00+02:00'), unknownExtra: { x: 1 } }], total: 1, page: 1 },
    });

    const page = await h.client.events.query({});

    expect(page.events).toEqual([
      { id: 'evt-1', event: 'Case Invitation Sent', createdAt: '2025-03-01T09:00:00+02:00', subscriptionId: 'sub-1', mappingId: 'map-1', payload: { invitation_id: 'inv-1' } },
    ]);
  });

  it('sends the filter under the profile parameter names, with the default limit', async () => {
    h.server.enqueue({ status: 200, body: { data: [], total: 0 } });

    const page = await h.client.events.query({ event: 'Case Invitation Sent', from: new Date('2025-03-01T00:00:00Z'), to: '2025-03-02T00:00:00.000Z' });

    const q = h.server.requests[0]!.query;
    expect(Object.fromEntries(q)).toEqual({
      event: 'Case Invitation Sent',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-02T00:00:00.000Z',
      limit: '50',
      skip: '0',
    });
    expect(page).toEqual({ events: [], rejected: [], total: 0, skip: 0, limit: 50, bareArray: false });
  });

  it('clamps the limit to the profile maximum of 100', async () => {
    h.server.otherwise(() => ({ status: 200, body: { data: [], total: 0 } }));

    const page = await h.client.events.query({ limit: 500 });
    await collect(h.client.events.pages({ pageSize: 1_000 }));

    expect(page.limit).toBe(100);
    expect(h.server.requests.map((r) => r.query.get('limit'))).toEqual(['100', '100']);
  });

  it('stops with an error naming the call when the page cap is exceeded', async () => {
    let n = 0;
    h.server.otherwise(() => ({ status: 200, body: { data: [storedEvent(++n, '2025-03-01T09:00:00Z')] } }));

    const seen: string[] = [];
    const err = await h.failure(
      (async () => {
        for await (const page of h.client.events.pages({ pageSize: 1, maxPages: 3 })) seen.push(...page.events.map((e) => e.id));
      })(),
    );

    expect(err).toBeInstanceOf(LexamicaError);
    expect(err.message).toMatch(/^events\.pages: more than 3 pages/);
    expect(seen).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(h.server.count()).toBe(4);
  });

  it('accepts exactly maxPages pages when the next page is empty', async () => {
    h.server
      .enqueue({ status: 200, body: { data: [storedEvent(1, '2025-03-01T09:00:00Z')] } })
      .enqueue({ status: 200, body: { data: [storedEvent(2, '2025-03-01T09:00:01Z')] } })
      .enqueue({ status: 200, body: { data: [] } });

    const pages = await collect(h.client.events.pages({ pageSize: 1, maxPages: 2 }));

    expect(pages).toHaveLength(2);
    expect(pages[0]?.total).toBeUndefined();
  });
});
