import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApi, type TestApi } from './harness.js';
import { concreteUrl, isStreaming, routeCollector } from './route-table.js';

const BODY_LIMIT = 64 * 1024;

function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Raw JSON bodies that are wrong in every way a client can be wrong. */
const hostileBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  // The right field names with values of the wrong type.
  fc
    .record(
      {
        title: fc.jsonValue({ maxDepth: 2 }),
        content: fc.jsonValue({ maxDepth: 2 }),
        date: fc.jsonValue({ maxDepth: 1 }),
        type: fc.oneof(fc.constantFrom('contact-attempted', 'closed', 'declined', 'retained', 'consult-complete'), fc.jsonValue({ maxDepth: 1 })),
        action: fc.oneof(fc.constantFrom('accept', 'decline', 'evaluate', 'manual'), fc.integer()),
        reason: fc.jsonValue({ maxDepth: 2 }),
        from: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
        to: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
        queue: fc.oneof(fc.constantFrom('outbound', 'invitations'), fc.string()),
        feeOutcome: fc.jsonValue({ maxDepth: 1 }),
        attemptedAt: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  // Huge strings: over the body limit, and just under it.
  fc.integer({ min: BODY_LIMIT - 200, max: BODY_LIMIT * 4 }).map((n) => JSON.stringify({ title: 'x'.repeat(n), content: 'c', date: '2026-01-01T00:00:00Z' })),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => JSON.stringify({ reason: 'é'.repeat(n), action: 'decline' })),
  // Deep nesting.
  fc.integer({ min: 50, max: 10_000 }).map(nested),
  // Prototype pollution attempts.
  fc.constantFrom(
    '{"__proto__":{"isAdmin":true}}',
    '{"title":"t","content":"c","date":"2026-01-01T00:00:00Z","__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"action":"accept","__proto__":{"by":"x"}}',
  ),
  // Not JSON at all.
  fc.string({ maxLength: 200 }),
);

const query = fc.dictionary(
  fc.constantFrom('state', 'expiringBefore', 'caseType', 'limit', 'cursor', 'after', 'queue', 'x'),
  fc.oneof(fc.string({ maxLength: 50 }), fc.integer().map(String), fc.constant('9'.repeat(400))),
);

describe('request validation', () => {
  const table = routeCollector();
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi({ beforeReady: table.install, limits: { bodyLimitBytes: BODY_LIMIT, uploadMaxBytes: 4_096 } });
  });
  afterAll(() => t.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers: { ...AUTH, ...headers } });

  it('names the offending field and where it is', async () => {
    const missing = await post('/v1/cases/c1/updates', { title: 't', content: 'c' }, { 'idempotency-key': 'v-1' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'validation_failed', field: 'date', in: 'body' });

    const wrongType = await post('/v1/cases/c1/milestones', { type: 'closed', feeOutcome: 'fee', feeAmount: 'lots' }, { 'idempotency-key': 'v-2' });
    expect(wrongType.json().error).toMatchObject({ code: 'validation_failed', field: 'feeAmount', in: 'body' });

    const unknownKey = await post('/v1/cases/c1/updates', { title: 't', content: 'c', date: '2026-01-01T00:00:00Z', titel: 'typo' }, { 'idempotency-key': 'v-3' });
    expect(unknownKey.json().error).toMatchObject({ code: 'validation_failed', field: 'titel' });

    const noKey = await post('/v1/cases/c1/updates', { title: 't', content: 'c', date: '2026-01-01T00:00:00Z' });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error).toMatchObject({ code: 'validation_failed', field: 'idempotency-key', in: 'headers' });

    const decline = await post('/v1/invitations/i1/decision', { action: 'decline' });
    expect(decline.json().error).toMatchObject({ code: 'validation_failed', field: 'reason', in: 'body' });

    const badQuery = await t.app.inject({ method: 'GET', url: '/v1/invitations?state=pending&limit=0', headers: AUTH });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error.in).toBe('querystring');
    expect(badQuery.json().error.issues.map((i: { field: string }) => i.field).sort()).toEqual(['limit', 'state']);

    const backfill = await post('/admin/backfill', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(backfill.json().error).toMatchObject({ code: 'validation_failed', field: 'from' });

    const badQueue = await post('/admin/jobs/nope/1/retry', {});
    expect(badQueue.json().error).toMatchObject({ code: 'validation_failed', field: 'queue', in: 'params' });
  });

  it('refuses bodies over the limit with 413 and prototype keys with 400', async () => {
    const big = await post('/v1/cases/c1/updates', { title: 'x'.repeat(BODY_LIMIT), content: 'c', date: '2026-01-01T00:00:00Z' }, { 'idempotency-key': 'v-4' });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
    const proto = await t.app.inject({
      method: 'POST',
      url: '/v1/invitations/i1/decision',
      payload: '{"action":"accept","__proto__":{"x":1}}',
      headers: { ...AUTH, 'content-type': 'application/json' },
    });
    expect(proto.statusCode).toBe(400);
    expect(proto.json().error.code).toBe('invalid_json');
  });

  it('answers every route 4xx, never 5xx, whatever the body or query', async () => {
    // An event stream never ends (it takes no body or query): console.int.test.ts covers it.
    const routes = table.routes.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs') && !isStreaming(r.url));
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        hostileBody,
        query,
        fc.option(fc.stringMatching(/^[!-~]{1,40}$/), { nil: undefined }),
        fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x'),
        fc.constantFrom('x', '%2e%2e', 'a:b', 'é', '1'.repeat(300)),
        async (route, body, q, key, contentType, param) => {
          requests++;
          const headers: Record<string, string> = { ...AUTH, 'content-type': contentType, ...(key && { 'idempotency-key': key }) };
          const res = await t.app.inject({
            method: route.method as 'GET',
            url: concreteUrl(route.url, param),
            query: q,
            headers,
            ...(route.method === 'GET' ? {} : { payload: body }),
          });
          expect(res.statusCode, `${route.method} ${route.url} -> ${res.body.slice(0, 300)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 600 },
    );
    expect(requests).toBe(600);
  });
});
