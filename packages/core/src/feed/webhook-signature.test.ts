import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from './webhook-signature.js';

const SECRET = 'whsec-test-secret-0123456789';
const BODY = '{"id":"event:1","type":"lexamica.event","occurredAt":"2026-11-22T10:00:00.000Z","data":{}}';
const T = 1_795_000_000;

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 in the t=…,v1=… header format', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signPayload(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
  });

  it('verifies its own signature within the tolerance, from a string or the raw bytes', () => {
    const header = signPayload(SECRET, BODY, T);
    expect(verifySignature(SECRET, header, BODY, 300, T)).toBe(true);
    expect(verifySignature(SECRET, header, Buffer.from(BODY), 300, T + 299)).toBe(true);
    expect(verifySignature(SECRET, header, BODY, 300, T - 300)).toBe(true);
  });

  it('refuses a wrong secret, a changed body, a stale or future timestamp and malformed headers', () => {
    const header = signPayload(SECRET, BODY, T);
    expect(verifySignature('another-secret-0123456789', header, BODY, 300, T)).toBe(false);
    expect(verifySignature(SECRET, header, BODY.replace('event:1', 'event:2'), 300, T)).toBe(false);
    expect(verifySignature(SECRET, header, BODY, 300, T + 301)).toBe(false);
    expect(verifySignature(SECRET, header, BODY, 300, T - 301)).toBe(false);
    for (const bad of [undefined, '', 'v1=abc', `t=${T}`, `t=soon,v1=${'0'.repeat(64)}`, header.replace(/v1=(.)/, 'v1=z')]) {
      expect(verifySignature(SECRET, bad, BODY, 300, T), String(bad)).toBe(false);
    }
  });

  it('accepts a header with several v1 entries when one matches (secret rotation)', () => {
    const current = signPayload(SECRET, BODY, T);
    const old = signPayload('the-previous-secret-0123', BODY, T).split(',')[1];
    expect(verifySignature(SECRET, `${current},${old}`, BODY, 300, T)).toBe(true);
    expect(verifySignature('the-previous-secret-0123', `${current},${old}`, BODY, 300, T)).toBe(true);
  });
});
