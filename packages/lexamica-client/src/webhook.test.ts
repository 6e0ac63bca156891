import { describe, expect, it } from 'vitest';
import { defaultProfile, resolveProfile } from './profile.js';
import { createWebhookReader, webhookDigest } from './webhook.js';

const SECRET = 'whsec_test_0123456789abcdef';
const NOW_MS = 1_795_000_000_000;
const event = { _id: 'ev-1', event: 'Case Invitation Sent', subscription: 's1', mapping: 'm1', createdAt: '2026-11-29T10:00:00.000Z', payload: { id: 'inv-1' } };

function signed(body: unknown, opts: { secret?: string; atSec?: number } = {}) {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const t = String(opts.atSec ?? Math.floor(NOW_MS / 1000));
  return { raw, headers: { 'x-lexamica-timestamp': t, 'x-lexamica-signature': `sha256=${webhookDigest(opts.secret ?? SECRET, t, raw)}` } };
}

describe('reading a webhook delivery by the profile', () => {
  const read = createWebhookReader(defaultProfile, [SECRET]);

  it('reads a signed delivery as the stored event it carries', () => {
    const { raw, headers } = signed(event);
    expect(read(headers, raw, NOW_MS)).toEqual({ ok: true, event: { id: 'ev-1', event: 'Case Invitation Sent', createdAt: event.createdAt, subscriptionId: 's1', mappingId: 'm1', payload: { id: 'inv-1' } } });
  });

  it('refuses a delivery without the signature headers', () => {
    expect(read({}, Buffer.from('{}'), NOW_MS)).toMatchObject({ ok: false, reason: 'missing-signature' });
  });

  it('refuses a body changed after signing, and a signature made with another secret', () => {
    const { headers } = signed(event);
    expect(read(headers, Buffer.from(JSON.stringify({ ...event, _id: 'ev-2' })), NOW_MS)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const other = signed(event, { secret: 'another-secret-0123456789' });
    expect(read(other.headers, other.raw, NOW_MS)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a replay outside the tolerance, either side, and accepts one inside it', () => {
    const old = signed(event, { atSec: NOW_MS / 1000 - 301 });
    expect(read(old.headers, old.raw, NOW_MS)).toMatchObject({ ok: false, reason: 'stale-timestamp' });
    const ahead = signed(event, { atSec: NOW_MS / 1000 + 301 });
    expect(read(ahead.headers, ahead.raw, NOW_MS)).toMatchObject({ ok: false, reason: 'stale-timestamp' });
    const inside = signed(event, { atSec: NOW_MS / 1000 - 299 });
    expect(read(inside.headers, inside.raw, NOW_MS).ok).toBe(true);
  });

  it('refuses a signed body that is not JSON or not a stored event, naming the field', () => {
    const text = signed('not json');
    expect(read(text.headers, text.raw, NOW_MS)).toMatchObject({ ok: false, reason: 'malformed' });
    const noId = signed({ ...event, _id: undefined });
    expect(read(noId.headers, noId.raw, NOW_MS)).toMatchObject({ ok: false, reason: 'malformed', detail: expect.stringContaining('_id') });
  });

  it('accepts the previous secret during a rotation', () => {
    const both = createWebhookReader(defaultProfile, ['new-secret-0123456789abc', SECRET]);
    const { raw, headers } = signed(event);
    expect(both(headers, raw, NOW_MS).ok).toBe(true);
  });

  it('follows the profile: other header names (any case), no prefix, a shorter tolerance', () => {
    const profile = resolveProfile({ webhook: { signatureHeader: 'X-Sig', timestampHeader: 'X-Time', signaturePrefix: '', toleranceSeconds: 10 } });
    const readOther = createWebhookReader(profile, [SECRET]);
    const raw = Buffer.from(JSON.stringify(event));
    const t = String(NOW_MS / 1000 - 5);
    expect(readOther({ 'x-time': t, 'x-sig': webhookDigest(SECRET, t, raw) }, raw, NOW_MS).ok).toBe(true);
    expect(readOther({ 'x-time': t, 'x-sig': webhookDigest(SECRET, t, raw) }, raw, NOW_MS + 6_000)).toMatchObject({ reason: 'stale-timestamp' });
  });
});
