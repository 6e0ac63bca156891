import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '@lexbridge/testkit';
import { parse as parseYaml } from 'yaml';
import { expectNoSecrets, PRIVATE_KEY, PUBLIC_KEY, startHarness, type Harness } from '../test/harness.js';
import { LexamicaConflictError, type LexamicaError } from './errors.js';
import { resolveProfile } from './profile.js';

// An API that differs from our defaults everywhere the profile allows, written as a firm would in
// its YAML: other paths, the public key as a query parameter for everything it signs, the private
// key in a plain header, other parameter and field names, and a bare array as the list body.
const firmYaml = `
paths:
  storedEvents: /v2/orgs/{orgId}/events
  invitation: /v2/orgs/{orgId}/invitations/{invitationId}
  invitationAction: /v2/orgs/{orgId}/invitations/{invitationId}/respond/{action}
  mappings: /v2/orgs/{orgId}/field-maps
methods:
  updateMapping: PATCH
auth:
  public: { in: query, name: api_key }
  private: { in: header, name: X-Api-Key }
  storedEventsKey: public
query: { from: since, limit: pageSize, skip: offset }
paging: { defaultLimit: 2, maxLimit: 3 }
envelope: { listItems: '', listTotal: null }
fields: { id: id, createdAt: meta.storedAt, event: type, subscription: meta.subscriptionId, mapping: meta.mappingId, payload: data, invitationStatus: state.name }
actions: { contactAttempted: contact_attempted }
conflict: { errorField: code, statusField: detail.state }
events: { invitationSent: CASE_INVITATION_SENT }
`;

const altEvent = (n: number, at: string) => ({
  id: `e${n}`,
  type: 'CASE_INVITATION_SENT',
  meta: { storedAt: at, mappingId: 'm1' },
  data: { invitation: `i${n}` },
});

describe('an alternative API profile', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ profile: resolveProfile(parseYaml(firmYaml)) });
  });
  afterEach(async () => {
    expectNoSecrets(h.errors);
    await h.stop();
  });

  it('pages stored events through its paths, parameter names, key placement and bare-array envelope', async () => {
    const events = [1, 2, 3, 4, 5].map((n) => altEvent(n, '2025-03-01T10:00:00Z'));
    h.server.otherwise((req: RecordedRequest) => {
      const offset = Number(req.query.get('offset'));
      return { status: 200, body: events.slice(offset, offset + Number(req.query.get('pageSize'))) };
    });

    const ids: string[] = [];
    for await (const page of h.client.events.pages({ from: '2025-03-01T00:00:00Z', pageSize: 10 })) {
      ids.push(...page.events.map((e) => e.id));
    }

    expect(ids).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    const first = h.server.requests[0]!;
    expect(first.path).toBe('/v2/orgs/org-1/events');
    expect(Object.fromEntries(first.query)).toEqual({ since: '2025-03-01T00:00:00Z', pageSize: '3', offset: '0', api_key: PUBLIC_KEY });
    expect(first.headers.authorization).toBeUndefined();
    expect(h.server.requests.map((r) => r.query.get('offset'))).toEqual(['0', '3', '5']);
  });

  it('reads nested field names into the same normalised event', async () => {
    h.server.enqueue({ status: 200, body: [{ ...altEvent(1, '2025-03-01T10:00:00Z'), meta: { storedAt: '2025-03-01T10:00:00Z', subscriptionId: 's1', mappingId: 'm1' } }] });

    const page = await h.client.events.query({});

    expect(page).toEqual({
      events: [{ id: 'e1', event: 'CASE_INVITATION_SENT', createdAt: '2025-03-01T10:00:00Z', subscriptionId: 's1', mappingId: 'm1', payload: { invitation: 'i1' } }],
      rejected: [],
      skip: 0,
      limit: 2,
      bareArray: false,
    });
  });

  it('reports a missing nested field by its path in the body', async () => {
    h.server.enqueue({ status: 200, body: [{ id: 'e1', type: 'X', meta: {}, data: {} }] });

    const page = await h.client.events.query({});

    expect(page.events).toEqual([]);
    expect(page.rejected.map((r) => r.reason)).toEqual(['0.meta.storedAt: Invalid input: expected string, received undefined']);
  });

  it('answers invitations and reads conflicts through its action names and conflict fields', async () => {
    h.server.enqueue({ status: 409, body: { code: 'closed', detail: { state: 'expired' } } });

    const err = (await h.failure(h.client.invitations.act({ mappingId: 'm1', invitationId: 'i1', action: 'contact-attempted' }))) as LexamicaConflictError;

    expect(err).toBeInstanceOf(LexamicaConflictError);
    expect(err).toMatchObject({ state: 'expired', code: 'closed' });
    expect(h.server.requests[0]?.path).toBe('/v2/orgs/org-1/invitations/i1/respond/contact_attempted');
    expect(h.server.requests[0]?.query.get('api_key')).toBe(PUBLIC_KEY);
    expect((err as LexamicaError).request.url).toMatch(/\/respond\/contact_attempted\?api_key=\[Redacted\]$/);
  });

  it('reads invitation state from a nested status field', async () => {
    h.server.enqueue({ status: 200, body: { id: 'i1', state: { name: 'open' } } });

    expect(await h.client.invitations.get('i1')).toMatchObject({ id: 'i1', status: 'open' });
    expect(h.server.requests[0]?.path).toBe('/v2/orgs/org-1/invitations/i1');
  });

  it('sends the private key in its own header without a scheme, and updates mappings with its method', async () => {
    h.server.enqueue({ status: 200, body: [] }, { status: 200, body: { id: 'm1', name: 'n', model: 'Case', fields: [] } });

    await h.client.mappings.list();
    await h.client.mappings.update('m1', { name: 'n', model: 'Case', fields: [] });

    expect(h.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/orgs/org-1/field-maps', 'PATCH /organization/org-1/mappings/m1']);
    expect(h.server.requests.every((r) => r.headers['x-api-key'] === PRIVATE_KEY && r.query.get('api_key') === null)).toBe(true);
  });
});
