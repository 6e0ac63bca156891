/**
 * Every error the API can send, produced for real on a listening server (issue 18): each has a
 * JSON body of the documented shape (errors.ts), a code whose documented status is the one sent,
 * and none repeats an over-long request back. Node's refusals (431, a request that is not HTTP)
 * are read from the raw socket.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema, ERROR_STATUS, type ErrorCode } from '../src/errors.js';
import { tokenSha256 } from '../src/identity/identity-directory.js';
import { AUTH, bearer, createTestApi, ROLE_TOKENS, TEST_IDENTITIES, type TestApi } from './harness.js';

const SLOW_TOKEN = 'one-a-minute-token-0123456789';

/** Sends `raw` bytes and returns the status line's code and the body. */
function rawRequest(port: number, raw: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [headers = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body });
    });
  });
}

describe('the error contract', () => {
  let t: TestApi;
  let base: string;
  let port: number;
  beforeAll(async () => {
    t = await createTestApi({
      limits: { bodyLimitBytes: 2_048 },
      identities: [...TEST_IDENTITIES, { name: 'slow', roles: ['cms'], tokenSha256: [tokenSha256(SLOW_TOKEN)], requestsPerMinute: 1 }],
      beforeReady: (app) => {
        // A bug, on a route of its own: the one way to see a 500 from the outside.
        app.get('/v1/test-only-crash', async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'secret')");
        });
      },
    });
    await t.ledger.receive({ invitationId: 'inv-r', eventId: 'ev-r', expires: new Date(Date.now() + 86_400_000).toISOString() });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => t.close());

  const json = { 'content-type': 'application/json' };
  const update = { title: 't', content: 'c', date: '2026-01-01T00:00:00Z' };
  const seen = new Set<ErrorCode>();

  async function expectError(res: Response | { status: number; headers: Headers | string; body: string }, code: ErrorCode, what: string): Promise<void> {
    const status = res.status;
    const body = res instanceof Response ? await res.text() : res.body;
    const type = res instanceof Response ? res.headers.get('content-type') : /content-type: ([^\r\n]+)/i.exec(res.headers as string)?.[1];
    expect(type, what).toMatch(/^application\/json/);
    const parsed = errorBodySchema.safeParse(JSON.parse(body));
    expect(parsed.success, `${what}: ${body.slice(0, 300)}`).toBe(true);
    expect(parsed.data!.error.code, what).toBe(code);
    expect(ERROR_STATUS[code], `${what}: ${code} is documented with another status`).toBe(status);
    expect(body, `${what} repeats the request`).not.toMatch(/x{300}/);
    seen.add(code);
  }

  it('answers each refusal of a request in the documented shape with its own code', async () => {
    const get = (path: string, headers: Record<string, string> = AUTH) => fetch(`${base}${path}`, { headers });
    const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', body, headers: { ...AUTH, ...headers } });

    await expectError(await get('/v1/invitations/%E0%A4%A'), 'bad_request', 'malformed percent-encoding');
    await expectError(await post('/v1/cases/c1/updates', '{"title":', { ...json, 'idempotency-key': 'k-json' }), 'invalid_json', 'broken JSON');
    await expectError(await get('/v1/invitations?limit=0'), 'validation_failed', 'a bad query');
    await expectError(await get('/v1/invitations', {}), 'unauthorized', 'no token');
    await expectError(await get('/v1/invitations', { authorization: `Bearer ${ROLE_TOKENS.viewer} more` }), 'unauthorized', 'text after the token');
    await expectError(await fetch(`${base}/admin/backfill`, { method: 'POST', headers: { ...bearer(ROLE_TOKENS.cms), ...json }, body: '{}' }), 'forbidden', 'a missing role');
    await expectError(await get('/docs/static/a%00b', {}), 'forbidden', 'a file /docs/static will not serve');
    await expectError(await get('/v1/no-such-route'), 'not_found', 'no route');
    await expectError(await get('/admin/queues/api/queues/no-such-queue/metrics'), 'not_found', "the queue board's own 404");
    await expectError(await post('/v1/invitations/inv-r/decision', '{"action":"accept"}', json), 'invalid_state', 'a decision the state does not allow');
    await expectError(await post('/v1/cases/c1/updates', JSON.stringify({ ...update, content: 'y'.repeat(3_000) }), { ...json, 'idempotency-key': 'k-big' }), 'payload_too_large', 'a body over the limit');
    await expectError(await get(`/${'x'.repeat(5_000)}`, {}), 'uri_too_long', 'a URL over 4 096 characters');
    await expectError(await get(`/v1/invitations/${'x'.repeat(1_200)}`), 'uri_too_long', 'a path segment over 1 000 characters');
    await expectError(await post('/v1/cases/c1/updates', '<title>t</title>', { 'content-type': 'application/xml', 'idempotency-key': 'k-xml' }), 'unsupported_media_type', 'a body that is not JSON');
    await expectError(await get('/docs/static/swagger-ui.css', { range: 'bytes=999999999-' }), 'range_not_satisfiable', 'a range past the end of a file');

    expect((await post('/v1/cases/c1/updates', JSON.stringify(update), { ...json, 'idempotency-key': 'k-reused' })).status).toBe(202);
    await expectError(await post('/v1/cases/c1/updates', JSON.stringify({ ...update, title: 'other' }), { ...json, 'idempotency-key': 'k-reused' }), 'idempotency_key_reused', 'a key reused for another request');

    expect((await get('/v1/events', bearer(SLOW_TOKEN))).status).toBe(200);
    const limited = await get('/v1/events', bearer(SLOW_TOKEN));
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectError(limited, 'rate_limited', 'past the rate limit');

    await expectError(await get('/v1/test-only-crash'), 'internal_error', 'a bug');

    // A feed cursor older than the trim point (the feed is capped; here trimmed by hand).
    for (let i = 0; i < 3; i++) await t.feed.append({ id: `event:contract-${i}`, type: 'lexamica.event', occurredAt: new Date().toISOString(), data: { n: i } });
    const [oldest] = ((await (await get('/v1/events')).json()) as { items: Array<{ cursor: string }> }).items;
    await t.admin.xtrim(t.keyspace.key('feed', 'stream'), 'MAXLEN', 1);
    await expectError(await get(`/v1/events?after=${oldest!.cursor}`), 'cursor_expired', 'a trimmed feed cursor');
  });

  it("answers Node's own refusals on the socket in the documented shape", async () => {
    const overflow = await rawRequest(port, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect(overflow.status).toBe(431);
    await expectError(overflow, 'header_fields_too_large', 'headers over 16 KiB');
    const garbage = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    await expectError(garbage, 'bad_request', 'a request that is not HTTP');
  });

  it('answers 503 in the documented shape while Redis is away, and has walked every code a request can cause', async () => {
    t.redis.disconnect();
    const res = await fetch(`${base}/v1/invitations`, { headers: AUTH });
    expect(res.headers.get('retry-after')).toBe('5');
    await expectError(res, 'service_unavailable', 'Redis away');
    // Not producible from outside: 406 (multipart parser, guarded by a 415 first), 408 (after the
    // 60 s request timeout; request-bounds.test.ts), a second request racing on an Idempotency-Key.
    const unreachable: ErrorCode[] = ['not_acceptable', 'request_timeout', 'idempotency_in_progress'];
    expect(Object.keys(ERROR_STATUS).filter((c) => !seen.has(c as ErrorCode) && !unreachable.includes(c as ErrorCode))).toEqual([]);
  });
});
