import { describe, expect, it } from 'vitest';
import { createRedactor, isSensitiveKey, maskUrlCredentials, REDACTED, urlCredentials } from './index.js';

describe('redaction', () => {
  it('treats Lexamica and firm-side personal field names as sensitive', () => {
    for (const k of ['firstName', 'client_last_name', 'email', 'ClientPhone', 'dob', 'dateOfBirth', 'street_address', 'authorization', 'privateKey', 'client', 'password']) {
      expect(isSensitiveKey(k), k).toBe(true);
    }
    for (const k of ['caseType', 'state', 'estimatedValue', 'expires', 'queue']) expect(isSensitiveKey(k), k).toBe(false);
  });

  it('matches exact key names, not fragments: what an operator needs stays readable', () => {
    for (const k of ['remoteAddress', 'address', 'localAddress', 'hostname', 'tokenizer', 'keyspace', 'emailDeliveries', 'phoneFormat']) {
      expect(isSensitiveKey(k), k).toBe(false);
    }
    const r = createRedactor();
    const refused = { err: { code: 'ECONNREFUSED', address: '10.0.0.7', port: 6379 }, req: { remoteAddress: '203.0.113.9' } };
    expect(r.value(refused)).toEqual(refused);
  });

  it('cuts the credentials of a URL out of free text, keeping the ACL user name', () => {
    const r = createRedactor();
    expect(r.text('Redis at redis://:hunter2-pw@redis.internal:6380/0 did not answer')).toBe(`Redis at redis://:${REDACTED}@redis.internal:6380/0 did not answer`);
    expect(r.text('rediss://lexbridge:hunter2-pw@cache:6379')).toBe(`rediss://lexbridge:${REDACTED}@cache:6379`);
    expect(r.text('redis://only-a-token@host:6379 and http://127.0.0.1:3000/x')).toBe(`redis://${REDACTED}@host:6379 and http://127.0.0.1:3000/x`);
  });

  it('names the secrets a connection URL carries, for a logger', () => {
    expect(urlCredentials('redis://:p%40ss-w0rd@host:6379')).toEqual(['p%40ss-w0rd', 'p@ss-w0rd']);
    expect(urlCredentials('redis://acl-user:pw-123456@host:6379')).toEqual(['pw-123456']);
    expect(urlCredentials('redis://only-a-token@host')).toEqual(['only-a-token']);
    expect(urlCredentials('redis://127.0.0.1:6379')).toEqual([]);
    expect(urlCredentials(undefined)).toEqual([]);
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

describe('redaction cost', () => {
  /** The fastest of `runs` timings of `fn`, in ms: the least disturbed by other work on the machine. */
  const fastest = (fn: () => unknown, runs: number, stopAboveMs = Infinity) => {
    let best = Infinity;
    for (let i = 0; i < runs && (i === 0 || best <= stopAboveMs); i++) {
      const t = performance.now();
      fn();
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };

  it('grows linearly with the input: a 100 000-character run with no @ costs about what ordinary text of that length does', () => {
    const r = createRedactor({ secrets: ['a-long-secret-value'] });
    const baseline = 'lorem ipsum dolor sit amet, '.repeat(4_000).slice(0, 100_000);
    // A run of characters an e-mail's local part may hold, with no @: what made the old pattern quadratic.
    const hostile = 'x'.repeat(100_000);
    const hostileMixed = 'a.b-c_d%e+f'.repeat(10_000).slice(0, 100_000);
    const base = Math.max(fastest(() => r.text(baseline), 5), 0.05);
    for (const input of [hostile, hostileMixed, `${'x'.repeat(99_990)}@example`]) {
      const cost = fastest(() => r.text(input), 3, base * 100);
      expect(cost / base, `${cost.toFixed(2)} ms vs ${base.toFixed(2)} ms for ordinary text`).toBeLessThan(50);
    }
  });

  it('still finds an e-mail address inside a long run and beside other text', () => {
    const r = createRedactor();
    expect(r.text(`${'x'.repeat(5_000)} ada@example.com ok`)).toBe(`${'x'.repeat(5_000)} ${REDACTED} ok`);
    expect(r.text('to: <ada.lovelace+law@mail.example.co.uk>.')).toBe(`to: <${REDACTED}>.`);
    expect(r.text('name@host-without-tld and x@y.z')).toBe('name@host-without-tld and x@y.z');
  });
});
