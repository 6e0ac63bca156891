import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness.js';

interface Operation {
  tags?: string[];
  security?: unknown[];
  responses: Record<string, unknown>;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: { content: Record<string, unknown> };
}

describe('OpenAPI document', () => {
  let t: TestApi;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    t = await createTestApi();
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(() => t.close());

  it('validates against the OpenAPI 3 schema', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    // The validator is not vacuous: the same document with one broken operation fails.
    const broken = structuredClone(doc) as { paths: Record<string, Record<string, { responses: unknown }>> };
    broken.paths['/v1/events']!.get!.responses = 'none';
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it('documents every API route with tags and its error responses, and not the board', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    const names = operations.map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /v1/invitations',
        'GET /v1/invitations/{id}',
        'POST /v1/invitations/{id}/decision',
        'POST /v1/cases/{caseId}/updates',
        'POST /v1/cases/{caseId}/milestones',
        'POST /v1/cases/{caseId}/milestones/retained',
        'GET /v1/outbound/{id}',
        'GET /v1/events',
        'GET /admin/jobs/failed',
        'POST /admin/jobs/{queue}/{id}/retry',
        'POST /admin/jobs/retry',
        'POST /admin/backfill',
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
        'POST /console/api/sign-in',
        'GET /console/api/waiting',
        'POST /console/api/invitations/{id}/decision',
        'GET /console/api/activity',
        'POST /console/api/what-if',
        'GET /console/api/health',
        'GET /console/api/stream',
      ]),
    );
    expect(names.some((n) => n.includes('/admin/queues'))).toBe(false);
    for (const { path, method, op } of operations) {
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      if (path.startsWith('/v1') || path.startsWith('/admin')) {
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '503']));
        expect(op.security, `${method} ${path}`).toBeUndefined();
      } else if (path.startsWith('/console/api/') && path !== '/console/api/sign-in') {
        // The console's routes take its session cookie, or a bearer token like any other route.
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '503']));
        expect(op.security, `${method} ${path}`).toEqual([{ consoleSession: [] }, { bearerAuth: [] }]);
      } else {
        expect(op.security, `${method} ${path} is open`).toEqual([]);
      }
    }
  });

  it('shows the Idempotency-Key header and the multipart body of the retainer upload', () => {
    const updates = doc.paths['/v1/cases/{caseId}/updates']!.post!;
    expect(updates.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true })]));
    expect(Object.keys(updates.responses)).toEqual(expect.arrayContaining(['202', '409', '422']));
    const retained = doc.paths['/v1/cases/{caseId}/milestones/retained']!.post!;
    expect(Object.keys(retained.requestBody!.content)).toEqual(['multipart/form-data']);
  });
});
