/**
 * Named identities with roles (issue 18): every protected route answers each role as
 * route-access.ts says, a refusal names the missing role, a malformed Authorization is refused,
 * the queue board is read-only for viewers, and every decision and admin action records the
 * identity that made it (ledger history, CMS feed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerDecision } from '@lexbridge/core/ledger';
import { ROLES } from '../src/identity/roles.js';
import { listedRoles } from '../src/plugins/route-access.js';
import { bearer, createTestApi, ROLE_TOKENS, TOKEN, type TestApi } from './harness.js';
import { concreteUrl, isStreaming, routeCollector } from './route-table.js';

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const manual: LedgerDecision = { action: 'manual', rule: null, trace: [], source: 'rules', decidedAt: new Date().toISOString() };

describe('identities and roles', () => {
  const table = routeCollector();
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi({ beforeReady: table.install });
    for (const id of ['r-cms', 'r-intake', 'r-both']) {
      await t.ledger.receive({ invitationId: id, eventId: `ev-${id}`, caseType: 'Employment', expires: inHours(30) });
      await t.ledger.decide(id, manual, 'manual');
    }
  });
  afterAll(() => t.close());

  const protectedRoutes = () => table.routes.filter((r) => !r.open);
  const feedItems = async () => (await t.feed.read(undefined, 1_000)).items;

  it('lists every protected route with its roles: none is left to the admin-only default by accident', () => {
    const unlisted = protectedRoutes().filter((r) => listedRoles(r.method, r.url) === undefined);
    expect(unlisted.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('lets each role through exactly the routes it holds, and answers the others 403 naming the missing role', async () => {
    let allowed = 0;
    let refused = 0;
    for (const r of protectedRoutes()) {
      const roles = listedRoles(r.method, r.url)!;
      for (const role of ROLES) {
        // An event stream let through never ends: console.int.test.ts opens it over HTTP instead.
        if (isStreaming(r.url) && roles.includes(role)) continue;
        const res = await t.app.inject({ method: r.method as 'GET', url: concreteUrl(r.url, 'zz'), headers: bearer(ROLE_TOKENS[role]) });
        const where = `${role} on ${r.method} ${r.url}`;
        expect(res.statusCode, where).not.toBe(401);
        if (roles.includes(role)) {
          allowed += 1;
          expect(res.statusCode, where).not.toBe(403);
        } else {
          refused += 1;
          expect(res.statusCode, where).toBe(403);
          if (r.method === 'HEAD') continue;
          expect(res.json().error, where).toMatchObject({ code: 'forbidden', requiredRoles: [...roles] });
          expect(res.json().error.message, where).toContain(`needs the role ${roles.join(' or ')}`);
          expect(res.json().error.message, where).toContain(`identity "${role}" has ${role}`);
        }
      }
    }
    expect(allowed).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });

  it('refuses a token followed by anything else, on every protected route', async () => {
    for (const r of protectedRoutes()) {
      for (const authorization of [`Bearer ${TOKEN} extra`, `Bearer ${TOKEN} ${TOKEN}`, `Bearer ${TOKEN}\tx`]) {
        const res = await t.app.inject({ method: r.method as 'GET', url: concreteUrl(r.url), headers: { authorization } });
        expect(res.statusCode, `${r.method} ${r.url} with ${JSON.stringify(authorization)}`).toBe(401);
      }
    }
  });

  it('records the deciding identity in the ledger history, and only lets a cms identity name someone it acts for', async () => {
    const decide = (id: string, token: string, body: object) => t.app.inject({ method: 'POST', url: `/v1/invitations/${id}/decision`, headers: bearer(token), payload: body });
    const intake = await decide('r-intake', ROLE_TOKENS.intake, { action: 'accept' });
    expect(intake.statusCode).toBe(202);
    expect((await t.ledger.get('r-intake'))?.history.at(-1)?.note).toBe('accept by manual (intake)');

    const impersonating = await decide('r-both', ROLE_TOKENS.intake, { action: 'accept', onBehalfOf: 'J. Partner' });
    expect(impersonating.statusCode).toBe(403);
    expect(impersonating.json().error).toMatchObject({ code: 'forbidden', requiredRoles: ['cms'], field: 'onBehalfOf' });
    expect((await t.ledger.get('r-both'))?.state).toBe('manual');

    const cms = await decide('r-cms', ROLE_TOKENS.cms, { action: 'decline', reason: 'Conflict of interest', onBehalfOf: 'J. Partner' });
    expect(cms.statusCode).toBe(202);
    const record = await t.ledger.get('r-cms');
    expect(record?.decision).toMatchObject({ by: 'cms', onBehalfOf: 'J. Partner', source: 'manual' });
    expect(record?.history.at(-1)?.note).toBe('decline by manual (cms for J. Partner): Conflict of interest');
  });

  it('keeps the queue board read-only for a viewer and records what an admin does on it', async () => {
    const pause = (token: string) => t.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/outbound/pause', headers: bearer(token) });
    expect((await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: bearer(ROLE_TOKENS.viewer) })).statusCode).toBe(200);
    const viewer = await pause(ROLE_TOKENS.viewer);
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().error).toMatchObject({ code: 'forbidden', requiredRoles: ['admin'] });
    const obliterate = await t.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/outbound/obliterate', headers: bearer(ROLE_TOKENS.cms) });
    expect(obliterate.statusCode).toBe(403);
    expect(await t.queues.get('outbound').isPaused()).toBe(false);

    expect((await pause(ROLE_TOKENS.admin)).statusCode).toBe(200);
    expect(await t.queues.get('outbound').isPaused()).toBe(true);
    await t.queues.get('outbound').resume();
    const item = (await feedItems()).find((i) => i.type === 'admin.action' && i.data.path === '/admin/queues/api/queues/outbound/pause');
    expect(item?.data).toMatchObject({ by: 'admin', method: 'PUT', path: '/admin/queues/api/queues/outbound/pause' });
  });

  it('records every admin action with its identity in the feed', async () => {
    const backfill = await t.app.inject({ method: 'POST', url: '/admin/backfill', headers: bearer(ROLE_TOKENS.admin), payload: { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' } });
    expect(backfill.statusCode).toBe(202);
    expect((await t.queues.get('poller-control').getJob(backfill.json().id))?.data).toMatchObject({ requestedBy: 'admin' });
    expect((await t.app.inject({ method: 'POST', url: '/admin/jobs/retry', headers: bearer(ROLE_TOKENS.admin) })).statusCode).toBe(202);
    const actions = (await feedItems()).filter((i) => i.type === 'admin.action').map((i) => `${String(i.data.action)} by ${String(i.data.by)}`);
    expect(actions).toEqual(expect.arrayContaining(['backfill.requested by admin', 'jobs.retried by admin']));
  });
});
