import { describe, expect, it } from 'vitest';
import { createTokenMatcher, presentedToken } from './auth.js';
import { acceptsBasicAuth, isOpenRoute } from './route-access.js';

const A = 'token-aaaaaaaaaaaaaaaa';
const B = 'token-bbbbbbbbbbbbbbbbbbbbbbbb';

describe('bearer tokens', () => {
  const match = createTokenMatcher([A, B]);

  it('accepts each configured token and names it by a fingerprint, not the token', () => {
    const a = match(A);
    const b = match(B);
    expect(a).toMatch(/^token:[0-9a-f]{8}$/);
    expect(b).toMatch(/^token:[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(A);
  });

  it('refuses anything else: other tokens, prefixes, extensions, case changes, the empty string', () => {
    for (const wrong of ['', A.slice(0, -1), `${A}a`, A.toUpperCase(), 'token-cccccccccccccccc', `${A} `]) expect(match(wrong)).toBeUndefined();
  });

  it('needs at least one token', () => {
    expect(() => createTokenMatcher([])).toThrow(/at least one/);
  });

  it('reads the token from Authorization: Bearer, and from Basic only where allowed', () => {
    expect(presentedToken(`Bearer ${A}`, false)).toBe(A);
    expect(presentedToken(`bearer   ${A}`, false)).toBe(A);
    expect(presentedToken(undefined, false)).toBeUndefined();
    expect(presentedToken('Bearer', false)).toBeUndefined();
    expect(presentedToken(`Token ${A}`, false)).toBeUndefined();
    const basic = `Basic ${Buffer.from(`ops:${A}`).toString('base64')}`;
    expect(presentedToken(basic, false)).toBeUndefined();
    expect(presentedToken(basic, true)).toBe(A);
    expect(presentedToken(`Basic ${Buffer.from('no-colon').toString('base64')}`, true)).toBeUndefined();
  });
});

describe('route access', () => {
  it('opens only health, metrics and docs; everything else, and unmatched paths, is protected', () => {
    for (const open of ['/health/live', '/health/ready', '/metrics', '/docs', '/docs/', '/docs/json', '/docs/static/*']) expect(isOpenRoute(open), open).toBe(true);
    for (const closed of [undefined, '/', '/v1/invitations', '/admin/queues', '/health', '/health/other', '/metrics/x', '/docsx', '/v1/docs']) {
      expect(isOpenRoute(closed), String(closed)).toBe(false);
    }
  });

  it('takes HTTP Basic only on the queue board', () => {
    expect(acceptsBasicAuth('/admin/queues')).toBe(true);
    expect(acceptsBasicAuth('/admin/queues/api/queues')).toBe(true);
    expect(acceptsBasicAuth('/admin/queuesx')).toBe(false);
    expect(acceptsBasicAuth('/admin/jobs/failed')).toBe(false);
    expect(acceptsBasicAuth(undefined)).toBe(false);
  });
});
