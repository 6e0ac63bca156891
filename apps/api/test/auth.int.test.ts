import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApi, OTHER_TOKEN, TOKEN, type TestApi } from './harness.js';
import { concreteUrl, isStreaming, routeCollector } from './route-table.js';

describe('authentication on the whole route table', () => {
  const table = routeCollector();
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi({ beforeReady: table.install });
  });
  afterAll(() => t.close());

  const protectedRoutes = () => table.routes.filter((r) => !r.open);

  it('collects every route, including the queue board and the docs', () => {
    const urls = new Set(table.routes.map((r) => r.url));
    for (const url of ['/v1/invitations', '/v1/invitations/:id/decision', '/v1/cases/:caseId/updates', '/v1/cases/:caseId/milestones/retained', '/v1/events', '/admin/jobs/failed', '/admin/backfill', '/admin/queues', '/docs/json', '/metrics']) {
      expect(urls).toContain(url);
    }
    expect(protectedRoutes().length).toBeGreaterThan(20);
  });

  it('refuses every protected route without a token, with a stable code and a challenge', async () => {
    for (const r of protectedRoutes()) {
      const res = await t.app.inject({ method: r.method as 'GET', url: concreteUrl(r.url) });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.headers['www-authenticate'], `${r.method} ${r.url}`).toBeTruthy();
      if (r.method !== 'HEAD') expect(res.json().error.code, `${r.method} ${r.url}`).toBe('unauthorized');
    }
  });

  it('refuses every protected route with a wrong token, a token prefix or another scheme', async () => {
    const wrong = [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Token ${TOKEN}`, `Bearer`, `Basic ${Buffer.from(`u:${TOKEN}x`).toString('base64')}`];
    for (const r of protectedRoutes()) {
      for (const authorization of wrong) {
        const res = await t.app.inject({ method: r.method as 'GET', url: concreteUrl(r.url), headers: { authorization } });
        expect(res.statusCode, `${r.method} ${r.url} with ${authorization.split(' ')[0]}`).toBe(401);
      }
    }
  });

  it('lets a valid token through every protected route', async () => {
    // An event stream never ends: console.int.test.ts opens it over HTTP with a token instead.
    for (const r of protectedRoutes().filter((x) => !isStreaming(x.url))) {
      for (const token of [TOKEN, OTHER_TOKEN]) {
        const res = await t.app.inject({ method: r.method as 'GET', url: concreteUrl(r.url), headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode, `${r.method} ${r.url}`).not.toBe(401);
      }
    }
  });

  it('keeps health, metrics and docs open', async () => {
    const open = table.routes.filter((r) => r.open && r.method === 'GET');
    expect(open.map((r) => r.url)).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/metrics', '/docs/json']));
    for (const r of open) {
      const res = await t.app.inject({ method: 'GET', url: concreteUrl(r.url) });
      expect(res.statusCode, r.url).not.toBe(401);
    }
  });

  it('opens the queue board to HTTP Basic with the token as password, and only the board', async () => {
    const basic = `Basic ${Buffer.from(`operator:${TOKEN}`).toString('base64')}`;
    expect((await t.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: basic } })).statusCode).toBe(200);
    const challenge = await t.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(challenge.headers['www-authenticate']).toMatch(/^Basic /);
    expect((await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: { authorization: basic } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: AUTH })).statusCode).toBe(200);
  });

  it('treats a path that matches no route as protected', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/nothing-here' })).statusCode).toBe(401);
    const res = await t.app.inject({ method: 'GET', url: '/v1/nothing-here', headers: AUTH });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});
