import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { PRIVATE_KEY, PUBLIC_KEY, useHarness, type Harness } from '../test/harness.js';
import { createLexamicaClient } from './client.js';
import { LexamicaResponseError } from './errors.js';

const mapping = { name: 'Invitations', model: 'CaseInvitation', fields: [{ external: 'case_type', lexamica: 'caseType' }] };

describe('calls on the default profile', () => {
  let h: Harness;
  useHarness((started) => (h = started));

  it('lists, creates, updates and deletes mappings with the private key', async () => {
    h.server.enqueue(
      { status: 200, body: { data: [{ _id: 'map-1', ...mapping, createdAt: 'x' }], total: 1 } },
      { status: 201, body: { _id: 'map-2', ...mapping, fields: [{ external: 'a', lexamica: 'b', extra: 1 }] } },
      { status: 200, body: { _id: 'map-2', ...mapping } },
      { status: 204 },
    );

    expect(await h.client.mappings.list()).toEqual([{ id: 'map-1', ...mapping }]);
    expect(await h.client.mappings.create(mapping)).toEqual({ id: 'map-2', ...mapping, fields: [{ external: 'a', lexamica: 'b' }] });
    expect(await h.client.mappings.update('map-2', mapping)).toEqual({ id: 'map-2', ...mapping });
    await expect(h.client.mappings.delete('map-2')).resolves.toBeUndefined();

    expect(h.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /organization/org-1/mappings',
      'POST /organization/org-1/mappings',
      'PUT /organization/org-1/mappings/map-2',
      'DELETE /organization/org-1/mappings/map-2',
    ]);
    expect(h.server.requests.every((r) => r.headers.authorization === `Key ${PRIVATE_KEY}`)).toBe(true);
    expect(JSON.parse(h.server.requests[1]!.body)).toEqual(mapping);
    expect(h.server.requests[1]?.headers['content-type']).toBe('application/json');
  });

  it('lists, creates, patches and deletes subscriptions, defaulting active to true', async () => {
    const sub = { _id: 'sub-1', event: 'Case Invitation Sent', mapping: 'map-1' };
    h.server.enqueue(
      { status: 200, body: { data: [sub, { ...sub, _id: 'sub-2', active: false, description: 'off' }], total: 2 } },
      { status: 201, body: { ...sub, active: true } },
      { status: 200, body: { ...sub, active: false } },
      { status: 200, body: {} },
    );

    expect(await h.client.subscriptions.list()).toEqual([
      { id: 'sub-1', event: 'Case Invitation Sent', mapping: 'map-1', active: true },
      { id: 'sub-2', event: 'Case Invitation Sent', mapping: 'map-1', active: false, description: 'off' },
    ]);
    await h.client.subscriptions.create({ event: 'Case Invitation Sent', mapping: 'map-1' });
    expect((await h.client.subscriptions.update('sub-1', { active: false })).active).toBe(false);
    await h.client.subscriptions.delete('sub-1');

    expect(h.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /organization/org-1/stored-event-subscriptions',
      'POST /organization/org-1/stored-event-subscriptions',
      'PATCH /organization/org-1/stored-event-subscriptions/sub-1',
      'DELETE /organization/org-1/stored-event-subscriptions/sub-1',
    ]);
    expect(JSON.parse(h.server.requests[2]!.body)).toEqual({ active: false });
  });

  it('reads an invitation’s state with the public key', async () => {
    h.server.enqueue({ status: 200, body: { _id: 'inv-1', status: 'evaluating', expires: '2025-03-02T10:00:00Z', referral: { _id: 'case-1' } } });

    const state = await h.client.invitations.get('inv-1');

    expect(state).toMatchObject({ id: 'inv-1', status: 'evaluating', expires: '2025-03-02T10:00:00Z' });
    expect(state.raw.referral).toEqual({ _id: 'case-1' });
    expect(h.server.requests[0]?.path).toBe('/organization/org-1/case-invitations/inv-1');
    expect(h.server.requests[0]?.headers.authorization).toBe(`Key ${PUBLIC_KEY}`);
  });

  it('answers an invitation on the action path, with the body only when there is one', async () => {
    h.server.otherwise(() => ({ status: 200, body: { received: true } }));

    await h.client.invitations.act({ mappingId: 'map-1', invitationId: 'inv/1', action: 'contact-attempted', body: { attemptedAt: '2025-03-01T10:00:00Z' } });
    await h.client.invitations.act({ mappingId: 'map-1', invitationId: 'inv-1', action: 'consult-complete' });

    expect(h.server.requests.map((r) => r.url)).toEqual([
      '/organization/org-1/inbound-webhooks/case-invitation/map-1/inv%2F1/contact-attempted',
      '/organization/org-1/inbound-webhooks/case-invitation/map-1/inv-1/consult-complete',
    ]);
    expect(JSON.parse(h.server.requests[0]!.body)).toEqual({ attemptedAt: '2025-03-01T10:00:00Z' });
    expect(h.server.requests[1]?.body).toBe('');
    expect(h.server.requests[1]?.headers['content-type']).toBeUndefined();
    expect(h.server.requests.every((r) => r.method === 'POST' && r.headers.authorization === `Key ${PUBLIC_KEY}`)).toBe(true);
  });

  it('posts a case update and returns whatever Lexamica answered', async () => {
    h.server.enqueue({ status: 201, body: { _id: 'upd-1' } }, { status: 202 });

    expect(await h.client.caseUpdates.send('map-9', { case_id: 'c1', title: 'Filed', content: 'x', date: '2025-03-01' })).toEqual({ _id: 'upd-1' });
    expect(await h.client.caseUpdates.send('map-9', { case_id: 'c1' })).toBeUndefined();
    expect(h.server.requests[0]?.path).toBe('/organization/org-1/inbound-webhooks/case-update/map-9/send');
  });

  it('uploads a file as multipart with its extra fields, and streams and removes files', async () => {
    h.server.otherwise(() => ({ status: 200, body: { ok: true } }));

    await h.client.files.upload('map-3', {
      data: new TextEncoder().encode('%PDF-1.7 retainer'),
      filename: 'retainer.pdf',
      contentType: 'application/pdf',
      fields: { caseId: 'case-1' },
    });
    await h.client.files.stream('map-3', { url: 'https://files.example/big.pdf' });
    await h.client.files.remove('map-3', { fileId: 'f-1' });

    const [upload, stream, remove] = h.server.requests;
    expect(upload?.path).toBe('/organization/org-1/inbound-webhooks/case/map-3/file/upload');
    expect(upload?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload?.body).toContain('name="caseId"\r\n\r\ncase-1');
    expect(upload?.body).toMatch(/name="file"; filename="retainer.pdf"\r\nContent-Type: application\/pdf\r\n\r\n%PDF-1.7 retainer/);
    expect(stream?.path).toBe('/organization/org-1/inbound-webhooks/case/map-3/file/stream');
    expect(remove?.path).toBe('/organization/org-1/inbound-webhooks/case/map-3/file/remove');
    expect(JSON.parse(remove!.body)).toEqual({ fileId: 'f-1' });
  });

  it('reports the wrong shape of a created mapping with the field and call', async () => {
    h.server.enqueue({ status: 201, body: { name: 'x', model: 'Case', fields: [] } });

    const err = await h.failure(h.client.mappings.create(mapping));

    expect(err).toBeInstanceOf(LexamicaResponseError);
    expect(err.message).toMatch(/^mappings\.create: unexpected response: _id: /);
  });

  it('keeps a base URL path prefix and reports each response to the metrics hook', async () => {
    const seen: { call: string; status: number | string }[] = [];
    const client = createLexamicaClient({
      baseUrl: `${h.server.baseUrl}/api/v1/`,
      orgId: 'org 2',
      publicKey: PUBLIC_KEY,
      privateKey: PRIVATE_KEY,
      onResponse: ({ call, status, durationMs }) => {
        expect(durationMs).toBeGreaterThanOrEqual(0);
        seen.push({ call, status });
      },
    });
    h.server.enqueue({ status: 200, body: { data: [] } });

    await client.mappings.list();

    expect(h.server.requests[0]?.path).toBe('/api/v1/organization/org%202/mappings');
    expect(seen).toEqual([{ call: 'mappings.list', status: 200 }]);
  });

  it('sends through the undici dispatcher it is given, on kept-alive connections', async () => {
    const agent = new Agent({ connections: 1 });
    const connects: string[] = [];
    agent.on('connect', (origin) => connects.push(new URL(String(origin)).origin));
    try {
      const client = createLexamicaClient({ baseUrl: h.server.baseUrl, orgId: 'o', publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY, dispatcher: agent });
      h.server.enqueue({ status: 200, body: { data: [] } }, { status: 200, body: { data: [] } });
      await client.mappings.list();
      await client.mappings.list();
      expect(h.server.requests).toHaveLength(2);
      expect(connects).toEqual([new URL(h.server.baseUrl).origin]);
    } finally {
      await agent.close();
    }
  });

  it('refuses to build a client without credentials or with a non-http base URL', () => {
    const base = { baseUrl: h.server.baseUrl, orgId: 'o', publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY };
    expect(() => createLexamicaClient({ ...base, privateKey: '' })).toThrow('privateKey is required');
    expect(() => createLexamicaClient({ ...base, baseUrl: 'ftp://x' })).toThrow('baseUrl must be http(s)');
    expect(() => createLexamicaClient({ ...base, baseUrl: 'not a url' })).toThrow('baseUrl is not a valid URL');
  });
});
