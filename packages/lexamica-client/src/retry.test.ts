import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isRetryable,
  LexamicaConflictError,
  LexamicaHttpError,
  LexamicaNetworkError,
  LexamicaResponseError,
  LexamicaTimeoutError,
} from './errors.js';
import { defaultRetryPolicy, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';

const ctx = { call: 'test.call', request: { method: 'GET', url: 'http://127.0.0.1/x' } };
const http = (status: number, retryAfterMs?: number) =>
  new LexamicaHttpError({ ...ctx, status, body: undefined, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
const network = (code: string) => new LexamicaNetworkError({ ...ctx, code });
const policy: RetryPolicy = { maxRetries: 6, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };
const idem = { idempotent: true, random: () => 0.5 };
const notIdem = { idempotent: false, random: () => 0.5 };

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T10:00:00Z');

  it('reads delta seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });

  it('reads an HTTP date relative to now, and a past date as zero', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 10:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unreadable value', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
  });
});

describe('isRetryable', () => {
  it('is true for 429, 408, 5xx, network errors and timeouts only', () => {
    for (const s of [429, 408, 500, 502, 503, 504]) expect(isRetryable(http(s)), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 422]) expect(isRetryable(http(s)), String(s)).toBe(false);
    expect(isRetryable(new LexamicaConflictError({ ...ctx, status: 409, body: {} }))).toBe(false);
    expect(isRetryable(network('ECONNRESET'))).toBe(true);
    expect(isRetryable(new LexamicaTimeoutError({ ...ctx, timeoutMs: 1 }))).toBe(true);
    expect(isRetryable(new LexamicaResponseError({ ...ctx, issues: ['x'] }))).toBe(false);
    expect(isRetryable(new Error('other'))).toBe(false);
  });
});

describe('retryDelay', () => {
  it('draws full jitter within the capped exponential window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: policy.maxRetries - 1 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = retryDelay(http(503), attempt, policy, { idempotent: true, random: () => r });
        const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(window);
      }),
    );
  });

  it('doubles the window per attempt until the cap', () => {
    const top = { idempotent: true, random: () => 0.999_999 };
    expect([0, 1, 2, 3, 4, 5].map((n) => retryDelay(http(500), n, policy, top))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('gives up once the retries are spent', () => {
    expect(retryDelay(http(503), policy.maxRetries - 1, policy, idem)).toBeDefined();
    expect(retryDelay(http(503), policy.maxRetries, policy, idem)).toBeUndefined();
    expect(retryDelay(http(429), policy.maxRetries, policy, idem)).toBeUndefined();
  });

  it('retries a 429 even for a non-idempotent call, honouring Retry-After up to the limit', () => {
    expect(retryDelay(http(429), 0, policy, notIdem)).toBe(50);
    expect(retryDelay(http(429, 12_000), 0, policy, notIdem)).toBe(12_000);
    expect(retryDelay(http(429, 30_001), 0, policy, notIdem)).toBeUndefined();
  });

  it('retries 5xx, 408, timeouts and resets only when the call is idempotent', () => {
    const errors = [http(500), http(503, 2_000), http(408), new LexamicaTimeoutError({ ...ctx, timeoutMs: 5 }), network('ECONNRESET')];
    for (const e of errors) {
      expect(retryDelay(e, 0, policy, notIdem), e.message).toBeUndefined();
      expect(retryDelay(e, 0, policy, idem), e.message).toBeDefined();
    }
    expect(retryDelay(http(503, 2_000), 0, policy, idem)).toBe(2_000);
  });

  it('always retries a refused connection, which never reached the server', () => {
    expect(retryDelay(network('ECONNREFUSED'), 0, policy, notIdem)).toBe(50);
  });

  it('never retries other client errors or a bad response', () => {
    for (const e of [http(400), http(401), http(404), new LexamicaConflictError({ ...ctx, status: 409, body: {} }), new LexamicaResponseError({ ...ctx, issues: [] })]) {
      expect(retryDelay(e, 0, policy, idem)).toBeUndefined();
    }
  });

  it('has the documented defaults', () => {
    expect(defaultRetryPolicy).toEqual({ maxRetries: 4, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 });
  });
});
