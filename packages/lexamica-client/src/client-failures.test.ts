import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@lexbridge/testkit';
import {
  LexamicaConflictError,
  LexamicaHttpError,
  LexamicaNetworkError,
  LexamicaResponseError,
  LexamicaTimeoutError,
  configurationProblem,
  type LexamicaError,
} from './errors.js';
import { createLexamicaClient } from './client.js';
import { resolveProfile } from './profile.js';
import { expectNoSecrets, ORG_ID, PERSONAL, PRIVATE_KEY, PUBLIC_KEY, startHarness, storedEvent, type Harness } from '../test/harness.js';

const ok = { status: 200, body: { data: [], total: 0 } };
const act = { mappingId: 'map-1', invitationId: 'inv-1', action: 'accept' } as const;

describe('failures, retries and timeouts', () => {
  const harnesses: Harness[] = [];
  async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
    const h = await startHarness(...args);
    harnesses.push(h);
    return h;
  }
  afterEach(async () => {
    for (const h of harnesses.splice(0)) {
      expectNoSecrets(h.errors);
      await h.stop();
    }
  });

  it('waits the Retry-After seconds of a 429 and then succeeds', async () => {
    const h = await harness();
    h.server.enqueue({ status: 429, headers: { 'retry-after': '2' }, body: { error: 'rate_limited' } }, ok);

    const page = await h.client.events.query({});

    expect(page.events).toEqual([]);
    expect(h.delays).toEqual([2_000]);
    expect(h.server.count()).toBe(2);
  });

  it('waits until the Retry-After HTTP date of a 429 and then succeeds', async () => {
    const now = Date.parse('2025-03-01T10:00:00Z');
    const h = await harness({ now: () => now });
    h.server.enqueue({ status: 429, headers: { 'retry-after': new Date(now + 7_000).toUTCString() } }, ok);

    await h.client.events.query({});

    expect(h.delays).toEqual([7_000]);
  });

  it('retries a 429 on an invitation action, which the server refused before acting', async () => {
    const h = await harness();
    h.server.enqueue({ status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: { ok: true } });

    await expect(h.client.invitations.act(act)).resolves.toEqual({ ok: true });
    expect(h.server.count()).toBe(2);
  });

  it('gives up on a 429 whose Retry-After is longer than the client will wait, so a queue can pause', async () => {
    const h = await harness();
    h.server.enqueue({ status: 429, headers: { 'retry-after': '120' } });

    const err = await h.failure(h.client.events.query({}));

    expect(err).toBeInstanceOf(LexamicaHttpError);
    expect((err as LexamicaHttpError).retryAfterMs).toBe(120_000);
    expect(h.server.count()).toBe(1);
  });

  it('gives up after the retry cap in a 503 storm, with jittered exponential waits', async () => {
    const retries: { attempt: number; delayMs: number }[] = [];
    const h = await harness({ onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }) });
    h.server.otherwise(() => ({ status: 503, body: { error: 'unavailable' } }));

    const err = await h.failure(h.client.events.query({}));

    expect(err).toBeInstanceOf(LexamicaHttpError);
    expect((err as LexamicaHttpError).status).toBe(503);
    expect(err.message).toMatch(/^events\.query: HTTP 503: error=unavailable \(GET http:\/\/127\.0\.0\.1:\d+\/organization\/org-1\/stored-events\?/);
    expect(h.server.count()).toBe(5);
    // random() is 0.5: half of 250 * 2^n.
    expect(h.delays).toEqual([125, 250, 500, 1_000]);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('does not retry a 5xx on an action that may have taken effect, unless told it is idempotent', async () => {
    const h = await harness();
    h.server.otherwise(() => ({ status: 502 }));

    await h.failure(h.client.invitations.act(act));
    expect(h.server.count()).toBe(1);

    await h.failure(h.client.invitations.act(act, { idempotent: true }));
    expect(h.server.count()).toBe(1 + 5);
  });

  it.each([
    [400, LexamicaHttpError],
    [401, LexamicaHttpError],
    [409, LexamicaConflictError],
  ])('never retries a %i', async (status, type) => {
    const h = await harness();
    h.server.otherwise(() => ({ status, body: { error: 'invitation_not_open', status: 'expired' } }));

    const err = await h.failure(h.client.invitations.act(act, { idempotent: true }));

    expect(err).toBeInstanceOf(type);
    expect((err as LexamicaHttpError).status).toBe(status);
    expect(err.message).toContain(`invitations.act: HTTP ${status}`);
    expect(h.server.count()).toBe(1);
    expect(h.delays).toEqual([]);
  });

  // Issue 16, item 4: a read-back that Lexamica answered 401 (it wanted the other key) failed
  // forever with nothing saying which setting to check.
  it.each([
    [401, 'invitations.get', /LEXAMICA_PUBLIC_KEY.*auth\.invitationReadKey/],
    [403, 'invitations.act', /LEXAMICA_PUBLIC_KEY.*auth\.public/],
    [404, 'invitations.act', /paths\.invitationAction.*LEXAMICA_ORG_ID/],
  ] as const)('names a %i on %s a configuration problem, with the profile key to check', async (status, call, hint) => {
    const h = await harness();
    h.server.otherwise(() => ({ status, body: { error: 'nope' } }));
    const err = await h.failure(call === 'invitations.get' ? h.client.invitations.get('inv-1') : h.client.invitations.act(act));
    const problem = configurationProblem(err);
    expect(problem).toMatch(/^configuration problem: /);
    expect(problem).toContain(call);
    expect(problem).toMatch(hint);
    expect(configurationProblem(new Error('other'))).toBeUndefined();
  });

  it('reads the invitation state and error code of a 409 through the profile', async () => {
    const h = await harness();
    h.server.enqueue({ status: 409, body: { error: 'invitation_not_open', status: 'expired' } });

    const err = (await h.failure(h.client.invitations.act({ ...act, action: 'decline', body: { reason: 'conflict of interest' } }))) as LexamicaConflictError;

    expect(err.state).toBe('expired');
    expect(err.code).toBe('invitation_not_open');
    expect(h.server.requests[0]?.path).toBe('/organization/org-1/inbound-webhooks/case-invitation/map-1/inv-1/decline');
  });

  it('times out an attempt that gets no answer, and retries it only when idempotent', async () => {
    const h = await harness({ timeoutMs: 100, retry: { maxRetries: 1 } });
    h.server.otherwise(() => ({ hang: true }));

    const read = await h.failure(h.client.events.query({}));
    expect(read).toBeInstanceOf(LexamicaTimeoutError);
    expect((read as LexamicaTimeoutError).timeoutMs).toBe(100);
    expect(read.message).toMatch(/^events\.query: no response within 100 ms/);
    expect(h.server.count()).toBe(2);

    const action = await h.failure(h.client.invitations.act(act, { timeoutMs: 50 }));
    expect((action as LexamicaTimeoutError).timeoutMs).toBe(50);
    expect(h.server.count()).toBe(3);
  });

  it('retries a GET whose connection was reset, then succeeds', async () => {
    const h = await harness();
    h.server.enqueue({ reset: true }, ok);

    await h.client.events.query({});

    expect(h.server.count()).toBe(2);
    expect(h.delays).toHaveLength(1);
  });

  it('reports a redirect as an HTTP error instead of following it', async () => {
    const h = await harness();
    h.server.enqueue({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } });

    const err = await h.failure(h.client.mappings.list());

    expect(err).toBeInstanceOf(LexamicaHttpError);
    expect((err as LexamicaHttpError).status).toBe(302);
    expect(h.server.count()).toBe(1);
  });

  it('reports a reset connection on an action as a network error without retrying it', async () => {
    const h = await harness();
    h.server.enqueue({ reset: true });

    const err = await h.failure(h.client.caseUpdates.send('map-2', { title: 'x' }));

    expect(err).toBeInstanceOf(LexamicaNetworkError);
    expect(err.message).toMatch(/^caseUpdates\.send: network error/);
    expect(h.server.count()).toBe(1);
  });

  it('retries even an action when the connection was refused, since it never reached the server', async () => {
    const h = await harness();
    const client = createLexamicaClient({
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      orgId: ORG_ID,
      publicKey: PUBLIC_KEY,
      privateKey: PRIVATE_KEY,
      retry: { maxRetries: 2 },
      sleep: async (ms) => void h.delays.push(ms),
    });

    const err = await h.failure(client.invitations.act(act));

    expect(err).toBeInstanceOf(LexamicaNetworkError);
    expect((err as LexamicaNetworkError).code).toBe('ECONNREFUSED');
    expect(h.delays).toHaveLength(2);
  });

  it('rejects with the caller’s reason when the caller aborts', async () => {
    const h = await harness();
    h.server.otherwise(() => ({ hang: true }));
    const ac = new AbortController();

    const call = h.client.events.query({}, { signal: ac.signal });
    await waitFor(() => h.server.count() === 1);
    ac.abort(new Error('shutting down'));

    await expect(call).rejects.toThrow('shutting down');
    expect(h.server.count()).toBe(1);
  });

  it('reports a 200 with malformed JSON as a response error naming the call, without retrying', async () => {
    const h = await harness();
    h.server.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, rawBody: `{"data": [{"email": "${PERSONAL.email}"` });

    const err = await h.failure(h.client.events.query({}));

    expect(err).toBeInstanceOf(LexamicaResponseError);
    expect(err.message).toMatch(/^events\.query: unexpected response: \(body\): not valid JSON/);
    expect(h.server.count()).toBe(1);
  });

  it('names the missing field and the call when a response lacks a required field', async () => {
    const h = await harness();
    h.server.enqueue({ status: 200, body: { _id: 'inv-1', expires: '2025-03-02T00:00:00Z' } });

    const err = (await h.failure(h.client.invitations.get('inv-1'))) as LexamicaResponseError;

    expect(err).toBeInstanceOf(LexamicaResponseError);
    expect(err.issues).toEqual(['status: Invalid input: expected string, received undefined']);
    expect(err.message).toContain('invitations.get');
  });

  it('sets aside a mapping in a shape Lexbridge did not create, naming why, and keeps the others', async () => {
    const h = await harness();
    const ours = { _id: 'm1', name: 'x', model: 'Case', fields: [] };
    const foreign = { _id: 'm2', title: 'made in the Lexamica UI', model: 'Case', fields: { case_type: 'caseType' } };
    h.server.enqueue({ status: 200, body: { data: [ours, foreign], total: 2 } }, { status: 200, body: { data: [ours, foreign], total: 2 } });

    expect(await h.client.mappings.list()).toEqual([{ id: 'm1', name: 'x', model: 'Case', fields: [] }]);
    const checked = await h.client.mappings.listChecked();
    expect(checked.items.map((m) => m.id)).toEqual(['m1']);
    expect(checked.rejected).toEqual([
      { raw: foreign, reason: 'data.1.name: Invalid input: expected string, received undefined; data.1.fields: Invalid input: expected array, received object' },
    ]);
  });

  it('reads a bare array where the profile expected an envelope, and says so', async () => {
    const h = await harness();
    h.server.enqueue({ status: 200, body: [{ _id: 's1', event: 'Case Invitation Sent', mapping: 'm1' }] });

    const checked = await h.client.subscriptions.listChecked();
    expect(checked).toEqual({ items: [{ id: 's1', event: 'Case Invitation Sent', mapping: 'm1', active: true }], rejected: [], bareArray: true });
  });

  it('names the envelope path when a list body has neither the envelope nor an array', async () => {
    const h = await harness();
    h.server.enqueue({ status: 200, body: { results: [] } });

    const err = (await h.failure(h.client.mappings.list())) as LexamicaResponseError;
    expect(err.issues).toEqual(['data: Invalid input: expected array, received undefined']);
  });

  it('sets aside a stored event that lacks a required field, naming it, and keeps the rest of the page', async () => {
    const h = await harness();
    const { _id: _dropped, ...noId } = storedEvent(2, '2025-03-01T09:00:00Z');
    h.server.enqueue({ status: 200, body: { data: [storedEvent(1, '2025-03-01T09:00:00Z'), noId, storedEvent(3, '2025-03-01T09:00:01Z')], total: 3 } });

    const page = await h.client.events.query({});

    expect(page.events.map((e) => e.id)).toHaveLength(2);
    expect(page.rejected).toEqual([{ raw: noId, reason: 'data.1._id: Invalid input: expected string, received undefined' }]);
  });

  it('describes a non-JSON error body by type and size, never by its text', async () => {
    const h = await harness();
    h.server.enqueue({ status: 400, rawBody: `bad request for ${PERSONAL.email}`, headers: { 'content-type': 'text/plain' } });

    const err = (await h.failure(h.client.mappings.list())) as LexamicaHttpError;

    expect(err.body).toBe('[non-JSON body: text/plain, 44 chars]');
    expect(err.message).toContain('HTTP 400: [non-JSON body: text/plain, 44 chars]');
  });
});

describe('keys and personal data in errors', () => {
  it('never appear in any message, stack, JSON or inspection of any kind of error', async () => {
    const errors: unknown[] = [];
    const personalBody = { error: 'bad', client: { firstName: PERSONAL.firstName, lastName: PERSONAL.lastName }, contact: { email: PERSONAL.email, phone: PERSONAL.phone } };
    // Both placements: the public key in the query string, the private key in a header.
    const profile = resolveProfile({ auth: { public: { in: 'query', name: 'key' }, invitationReadKey: 'public' } });
    // Only the hanging call gets a short timeout: on a busy machine a 50 ms budget for every call
    // turned ordinary answers into timeouts.
    const h = await startHarness({ profile, retry: { maxRetries: 0 } });
    try {
      h.server.enqueue(
        { status: 400, body: personalBody },
        { status: 401, body: { message: `Bearer ${h.server.baseUrl} key rejected`, echo: { authorization: 'Bearer x' } } },
        { status: 409, body: { ...personalBody, status: 'expired' } },
        { status: 500, rawBody: `internal error for ${PERSONAL.email} phone ${PERSONAL.phone}` },
        { status: 429, headers: { 'retry-after': '999' }, body: personalBody },
        { hang: true },
        { reset: true },
        { status: 200, rawBody: `{"client": {"lastName": "${PERSONAL.lastName}"` },
        { status: 200, body: { data: [{ _id: 1, client: { lastName: PERSONAL.lastName } }] } },
      );
      const calls: (() => Promise<unknown>)[] = [
        () => h.client.invitations.get('inv-1'),
        () => h.client.mappings.list(),
        () => h.client.invitations.act(act),
        () => h.client.caseUpdates.send('map-1', { title: 't', client_email: PERSONAL.email }),
        () => h.client.invitations.get('inv-2'),
        () => h.client.events.query({}, { timeoutMs: 50 }),
        () => h.client.files.stream('map-1', { url: 'https://files.example/x' }),
        () => h.client.invitations.get('inv-3'),
        () => h.client.invitations.get('inv-4'),
      ];
      for (const call of calls) errors.push(await h.failure(call()));
      expect((errors as LexamicaError[]).map((e) => e.constructor.name)).toEqual([
        'LexamicaHttpError',
        'LexamicaHttpError',
        'LexamicaConflictError',
        'LexamicaHttpError',
        'LexamicaHttpError',
        'LexamicaTimeoutError',
        'LexamicaNetworkError',
        'LexamicaResponseError',
        'LexamicaResponseError',
      ]);
      // The key really was sent, so its absence from the errors is redaction, not luck.
      expect(h.server.requests[0]?.query.get('key')).toBe(PUBLIC_KEY);
      expect(h.server.requests[1]?.headers.authorization).toBe(`Key ${PRIVATE_KEY}`);
      expect((errors[0] as LexamicaError).request.url).toContain('key=[Redacted]');
      expectNoSecrets(errors);
    } finally {
      await h.stop();
    }
  });
});
