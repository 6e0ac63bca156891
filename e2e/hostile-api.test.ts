/**
 * Hostile input against every API route, beyond apps/api/test/validation.int.test.ts (which covers
 * wrong types, huge strings, deep nesting, prototype keys and non-JSON): bad Unicode in bodies,
 * queries, path parameters and headers, wrong charsets and encodings, and forged credentials.
 * Malformed requests must get a 4xx; hostile but well-formed ones may be taken; none may get a 5xx
 * or take the server down.
 */
import fc from 'fast-check';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, ROLES, tokenSha256 } from '@lexbridge/api';
import { QueueSet } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { deleteKeys, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';

const TOKEN = 'hostile-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Byte sequences that are not UTF-8: stray continuation, truncated, overlong, encoded surrogate, out of range. */
const BAD_UTF8 = [[0xc3, 0x28], [0xa0, 0xa1], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0xbc], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe, 0xfd], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]].map((b) => Buffer.from(b));

/** Strings that are valid JavaScript but hostile: lone surrogates, NUL, BOM, bidi overrides, combining marks, astral runs. */
const hostileText = fc.oneof(
  fc.constantFrom('\ud800', '\udfff', 'x\udc00y', '\udfff\ud800', '\u0000', 'a\u0000b', '\ufeff', '\u202eevil\u202c', 'e\u0301\u0301\u0301', '\u{1d54f}'.repeat(3_000), '\u0000'.repeat(500), '\\u0000', '%00', '..%2f..%2f'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** A date that parses, so a body can be well-formed apart from its hostile text. */
const iso = fc.constantFrom('2026-01-01T00:00:00Z', '2026-06-30T12:30:00+02:00');

/** Bodies in the shape the routes expect, with hostile text in every free-text field. */
const wellFormedHostile = fc.oneof(
  fc.record({ title: hostileText, content: hostileText, date: iso }),
  fc.record({ type: fc.constant('declined'), reason: hostileText }),
  fc.record({ type: fc.constant('closed'), feeOutcome: fc.constant('no-fee'), note: hostileText }),
  fc.record({ type: fc.constant('contact-attempted'), attemptedAt: iso, note: hostileText }),
  fc.record({ action: fc.constant('decline'), reason: hostileText, by: hostileText }),
  fc.record({ from: iso, to: iso, event: hostileText }),
);

describe('the API under hostile input', () => {
  const routes: Array<{ method: string; url: string; body: boolean }> = [];
  const prefix = uniquePrefix('e2e-hostile');
  const logger = createLogger({ name: 'e2e-hostile', level: 'silent' });
  let redis: ReturnType<typeof createRedis>;
  let queues: QueueSet;
  let app: ReturnType<typeof buildApp>;

  beforeAll(async () => {
    redis = createRedis(redisUrl(), 'producer', logger);
    await waitFor(() => redis.status === 'ready', { message: 'redis ready' });
    queues = new QueueSet(redis, createKeyspace(prefix), logger);
    app = buildApp({
      logger,
      redis,
      queues,
      identities: [{ name: 'hostile', roles: ROLES, tokenSha256: [tokenSha256(TOKEN)] }],
      // Thousands of requests from one identity: the rate limit is tested on its own.
      limits: { bodyLimitBytes: 64 * 1024, uploadMaxBytes: 4_096, ratePerMinute: 1_000_000 },
    });
    (app as unknown as FastifyInstance).addHook('onRoute', (r: RouteOptions) => {
      const body = Boolean((r.schema as { body?: unknown } | undefined)?.body);
      // The console's event stream never ends an answer it lets through: apps/api/test/console.int.test.ts opens it.
      for (const method of [r.method].flat()) if (method !== 'HEAD' && !r.url.startsWith('/docs') && r.url !== '/console/api/stream') routes.push({ method, url: r.url, body });
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await queues.close();
    const admin = createRedis(redisUrl(), 'worker');
    await deleteKeys(admin, prefix);
    admin.disconnect();
    redis.disconnect();
  });

  /** A concrete URL for a route pattern, each parameter filled with `value` (already encoded). */
  const urlFor = (pattern: string, value: string) => pattern.replace(/:[A-Za-z0-9_]+/g, value).replace(/\*/g, value);
  /** Routes that declare a body (the queue board's own routes ignore bodies, so any body is "valid" there). */
  const withBody = () => routes.filter((r) => r.method !== 'GET' && r.body);
  let keys = 0;
  const freshKey = () => `hostile-${prefix}-${++keys}`;

  const expectAlive = async () => {
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
  };

  it('refuses bodies that are not UTF-8 and not a valid request with a 4xx, on every route that takes a body', async () => {
    expect(withBody().length).toBeGreaterThan(3);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBody()), fc.constantFrom(...BAD_UTF8), fc.constantFrom('{"', '{"unexpected":"', '"', '['), async (route, bad, opening) => {
        const payload = Buffer.concat([Buffer.from(opening), bad, Buffer.from(opening === '[' ? ']' : opening === '"' ? '"' : '"}')]);
        const res = await app.inject({
          method: route.method as 'POST',
          url: urlFor(route.url, 'c1'),
          payload,
          headers: { ...AUTH, 'content-type': 'application/json', 'idempotency-key': freshKey() },
        });
        expect(res.statusCode, `${route.method} ${route.url} -> ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${route.method} ${route.url} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    await expectAlive();
  });

  it('never answers 5xx to well-formed bodies carrying hostile Unicode, raw or escaped', async () => {
    // Some must be taken (2xx), or the hostile text never got past validation into the handlers.
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBody()), wellFormedHostile, fc.boolean(), fc.option(fc.constantFrom(...BAD_UTF8), { nil: undefined }), async (route, body, escape, raw) => {
        // JSON.stringify writes lone surrogates as \u escapes; the raw form sends them as UTF-8 (or not at all).
        let payload: Buffer = Buffer.from(escape ? JSON.stringify(body) : JSON.stringify(body).replace(/\\u([0-9a-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
        if (raw) payload = Buffer.concat([payload.subarray(0, payload.length - 1), Buffer.from(',"x":"'), raw, Buffer.from('"}')]);
        const res = await app.inject({
          method: route.method as 'POST',
          url: urlFor(route.url, 'c1'),
          payload,
          headers: { ...AUTH, 'content-type': 'application/json; charset=utf-8', 'idempotency-key': freshKey() },
        });
        expect(res.statusCode, `${route.method} ${route.url} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode < 300) taken += 1;
      }),
      { numRuns: 400 },
    );
    expect(taken).toBeGreaterThan(0);
    await expectAlive();
  });

  it('never answers 5xx to bad percent-encoding and hostile Unicode in paths and queries', async () => {
    const pathValue = fc.oneof(
      fc.constantFrom('%', '%E0%A4%A', '%ff', '%00', '%ED%A0%80', '%C0%AF', '%2e%2e%2f', '%F0%9F%92', '..%5c..%5c', '%uD800'),
      hostileText.map((t) => encodeURIComponent(t.replace(/[\ud800-\udfff]/g, '?'))),
    );
    const queryValue = fc.oneof(fc.constantFrom('%', '%ff', '%00', '%ED%A0%80', '%u0000', '&&&', '=%3D'), fc.string({ unit: 'binary', maxLength: 30 }).map((t) => encodeURIComponent(t.replace(/[\ud800-\udfff]/g, '?'))));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), pathValue, fc.constantFrom('after', 'limit', 'state', 'expiringBefore', 'caseType', 'cursor', 'x'), queryValue, async (route, p, name, q) => {
        const res = await app.inject({
          method: route.method as 'GET',
          url: `${urlFor(route.url, p)}?${name}=${q}`,
          headers: { ...AUTH, 'idempotency-key': freshKey(), ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
          ...(route.method === 'GET' ? {} : { payload: '{}' }),
        });
        expect(res.statusCode, `${route.method} ${route.url} with ${p} and ${name}=${q} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    await expectAlive();
  });

  it('refuses wrong charsets and media types with a 4xx, and never fails on a false content-encoding', async () => {
    const body = JSON.stringify({ title: 't', content: 'c', date: '2026-01-01T00:00:00Z' });
    // Fastify reads bodies as sent, whatever Content-Encoding claims: a false claim is read as plain JSON.
    const lenient: Array<{ headers: Record<string, string>; payload: Buffer }> = [
      { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: Buffer.from(body) },
      { headers: { 'content-type': 'application/json', 'content-encoding': 'br, x-evil' }, payload: Buffer.from(body) },
    ];
    const variants: Array<{ headers: Record<string, string>; payload: Buffer }> = [
      { headers: { 'content-type': 'application/json; charset=utf-16le' }, payload: Buffer.from(body, 'utf16le') },
      { headers: { 'content-type': 'application/json' }, payload: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]) },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: Buffer.from('title=t&content=c&date=2026-01-01T00:00:00Z') },
      { headers: { 'content-type': 'text/plain' }, payload: Buffer.from(body) },
      { headers: { 'content-type': 'application/json' }, payload: Buffer.from(`\u{feff}${body}`.replace('"t"', '"\u0000"').slice(0, -1)) },
    ];
    for (const route of withBody()) {
      for (const v of variants) {
        const res = await app.inject({ method: route.method as 'POST', url: urlFor(route.url, 'c1'), payload: v.payload, headers: { ...AUTH, 'idempotency-key': freshKey(), ...v.headers } });
        expect(res.statusCode, `${route.method} ${route.url} with ${JSON.stringify(v.headers)} -> ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${route.method} ${route.url} with ${JSON.stringify(v.headers)} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
      }
      for (const v of lenient) {
        const res = await app.inject({ method: route.method as 'POST', url: urlFor(route.url, 'c1'), payload: v.payload, headers: { ...AUTH, 'idempotency-key': freshKey(), ...v.headers } });
        expect(res.statusCode, `${route.method} ${route.url} with ${JSON.stringify(v.headers)} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
      }
    }
    await expectAlive();
  });

  it('answers forged and malformed credentials with 401 on every protected route, never 5xx', async () => {
    const forged = fc.oneof(
      fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        'bearer',
        // The token as the Basic user name, not the password the queue board accepts; a wrong password.
        `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`,
        `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        'Basic %%%',
        `Token ${TOKEN}`,
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Bearer ${TOKEN.toUpperCase()}`,
        `Bearer ${'A'.repeat(8_000)}`,
        `Bearer ${TOKEN}\u0000`,
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((t) => `Bearer ${t}`),
      // Latin-1 bytes a header may carry, read back as text: never equal to the token.
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => `Bearer ${Buffer.from(b).toString('latin1')}`),
    );
    // Open: health, metrics, docs, the console's static page and its sign-in (which takes the token in its body).
    const isOpen = (url: string) => url.startsWith('/health') || url === '/metrics' || url.startsWith('/docs') || url === '/console' || url === '/console/' || url === '/console/*' || url === '/console/api/sign-in';
    const protectedRoutes = routes.filter((r) => !isOpen(r.url));
    expect(protectedRoutes.length).toBeGreaterThan(3);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...protectedRoutes), forged, async (route, authorization) => {
        const res = await app.inject({
          method: route.method as 'GET',
          url: urlFor(route.url, 'c1'),
          headers: { authorization, 'idempotency-key': freshKey(), ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
          ...(route.method === 'GET' ? {} : { payload: '{}' }),
        });
        expect(res.statusCode, `${route.method} ${route.url} with a forged token -> ${res.body.slice(0, 200)}`).toBe(401);
      }),
      { numRuns: 300 },
    );
    await expectAlive();
  });
});
