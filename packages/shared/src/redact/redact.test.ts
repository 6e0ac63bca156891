import { describe, expect, it } from 'vitest';
import { createRedactor, isSensitiveKey, maskUrlCredentials, REDACTED } from './index.js';

describe('redaction', () => {
  it('treats Lexamica and firm-side personal field names as sensitive', () => {
    for (const k of ['firstName', 'client_last_name', 'email', 'ClientPhone', 'dob', 'dateOfBirth', 'address', 'authorization', 'privateKey', 'client']) {
      expect(isSensitiveKey(k), k).toBe(true);
    }
    for (const k of ['caseType', 'state', 'estimatedValue', 'expires', 'queue']) expect(isSensitiveKey(k), k).toBe(false);
  });

  it('replaces sensitive values at any depth and keeps the rest', () => {
    const r = createRedactor();
    const out = r.value({ referral: { caseType: 'Employment', client: { firstName: 'Ada' } }, list: [{ email: 'a@b.c', n: 1 }] });
    expect(out).toEqual({ referral: { caseType: 'Employment', client: REDACTED }, list: [{ email: REDACTED, n: 1 }] });
  });

  it('cuts known secret values and query keys out of free text', () => {
    const r = createRedactor({ secrets: ['pk_live_abcdef123'] });
    const t = r.text('GET /x?key=pk_live_abcdef123&limit=5 failed; token pk_live_abcdef123 Bearer zzz.yyy');
    expect(t).not.toContain('pk_live_abcdef123');
    expect(t).not.toContain('zzz.yyy');
    expect(t).toContain('limit=5');
  });

  it('honours extra key names from the firm mapping', () => {
    const r = createRedactor({ extraKeys: ['claimant_nm'] });
    expect(r.value({ claimant_nm: 'Ada', other: 'x' })).toEqual({ claimant_nm: REDACTED, other: 'x' });
  });

  it('survives cycles and errors', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    const r = createRedactor({ secrets: ['supersecret'] });
    expect(r.value(a)).toEqual({ x: 1, self: '[Truncated]' });
    expect(r.value({ err: new Error('boom supersecret') })).toMatchObject({ err: { message: `boom ${REDACTED}` } });
  });
});

describe('maskUrlCredentials', () => {
  it('masks the password of a connection URL and keeps the rest an operator needs', () => {
    expect(maskUrlCredentials('redis://:s3cret-pass@redis.internal:6380/2')).toBe('redis://:[Redacted]@redis.internal:6380/2');
    expect(maskUrlCredentials('rediss://lexbridge:s3cret-pass@cache.example.com:6379')).toBe('rediss://lexbridge:[Redacted]@cache.example.com:6379');
    expect(maskUrlCredentials('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUrlCredentials('redis://only-a-token@host:6379')).toBe('redis://[Redacted]@host:6379');
  });

  it('cuts the credentials out of text that is not a valid URL', () => {
    expect(maskUrlCredentials('redis://user:p@ss word@host:6379')).not.toContain('ss word');
    expect(maskUrlCredentials('not a url')).toBe('not a url');
  });
});
