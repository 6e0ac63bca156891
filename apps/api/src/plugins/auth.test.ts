import { describe, expect, it } from 'vitest';
import { createIdentityDirectory, tokenSha256 } from '../identity/identity-directory.js';
import { presentedToken } from './auth.js';
import { acceptsBasicAuth, isOpenRoute, listedRoles, requiredRoles } from './route-access.js';

const A = 'token-aaaaaaaaaaaaaaaa';
const A2 = 'token-a2a2a2a2a2a2a2a2a2';
const B = 'token-bbbbbbbbbbbbbbbbbbbbbbbb';

describe('identities by token', () => {
  const directory = createIdentityDirectory([
    { name: 'cms', roles: ['cms'], tokenSha256: [tokenSha256(A), tokenSha256(A2)] },
    { name: 'ops', roles: ['admin', 'viewer'], tokenSha256: [tokenSha256(B)], requestsPerMinute: 50 },
  ]);

  it('names the identity of each of its tokens (two while rotating), never the token', () => {
    expect(directory.byToken(A)).toEqual({ name: 'cms', roles: ['cms'] });
    expect(directory.byToken(A2)?.name).toBe('cms');
    expect(directory.byToken(B)).toEqual({ name: 'ops', roles: ['admin', 'viewer'], requestsPerMinute: 50 });
    expect(JSON.stringify(directory.identities)).not.toContain(tokenSha256(A));
  });

  it('refuses anything else: other tokens, prefixes, extensions, case changes, the empty string', () => {
    for (const wrong of ['', A.slice(0, -1), `${A}a`, A.toUpperCase(), 'token-cccccccccccccccc', `${A} `]) expect(directory.byToken(wrong)).toBeUndefined();
  });

  it('needs at least one identity', () => {
    expect(() => createIdentityDirectory([])).toThrow(/at least one/);
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

  it('refuses a header with anything after the token', () => {
    expect(presentedToken(`Bearer ${A} extra`, false)).toBeUndefined();
    expect(presentedToken(`Bearer ${A} ${A}`, false)).toBeUndefined();
    expect(presentedToken(`Basic ${Buffer.from(`ops:${A}`).toString('base64')} x`, true)).toBeUndefined();
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

  it('gives the board to viewers to read and to admins to act on, and unlisted routes to admins only', () => {
    expect(requiredRoles('GET', '/admin/queues/api/queues')).toEqual(['viewer', 'admin']);
    expect(requiredRoles('HEAD', '/admin/queues')).toEqual(['viewer', 'admin']);
    expect(requiredRoles('PUT', '/admin/queues/api/queues/:queueName/obliterate')).toEqual(['admin']);
    expect(requiredRoles('DELETE', '/admin/queues/anything')).toEqual(['admin']);
    expect(listedRoles('POST', '/v1/some-new-route')).toBeUndefined();
    expect(requiredRoles('POST', '/v1/some-new-route')).toEqual(['admin']);
    expect(requiredRoles('HEAD', '/v1/invitations')).toEqual(requiredRoles('GET', '/v1/invitations'));
  });
});
