/**
 * Reading a webhook delivery from Lexamica the way the profile says Lexamica signs it
 * (`profile.webhook`): the signature over the timestamp and the raw body, the timestamp within the
 * tolerance, then the body as one stored event (`profile.fields`), exactly as a polled one reads.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiProfile } from './profile.js';
import { createResponseSchemas, type StoredEvent } from './response-schemas.js';

/** Why a delivery was refused; each is counted by the receiver under this name. */
export type WebhookRejection = 'missing-signature' | 'bad-signature' | 'stale-timestamp' | 'malformed';

export type WebhookReading = { ok: true; event: StoredEvent } | { ok: false; reason: WebhookRejection; detail: string };

/** The headers of a request, as Node gives them (lower-case names). */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

/** The hex signature `profile.webhook` expects for `rawBody` at `timestampSec`, without its prefix. */
export function webhookDigest(secret: string, timestampSec: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(rawBody).digest('hex');
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Builds the reader of one profile's deliveries. `secrets` may hold two during a rotation; any one
 * that matches is enough.
 */
export function createWebhookReader(profile: ApiProfile, secrets: readonly string[]) {
  const w = profile.webhook;
  const schemas = createResponseSchemas(profile);
  return function read(headers: IncomingHeaders, rawBody: Buffer, nowMs: number): WebhookReading {
    const signature = one(headers[w.signatureHeader]);
    const timestamp = one(headers[w.timestampHeader]);
    if (!signature || !timestamp) return { ok: false, reason: 'missing-signature', detail: `needs the ${w.signatureHeader} and ${w.timestampHeader} headers (profile.webhook)` };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-signature', detail: `${w.timestampHeader} is not unix seconds` };
    const hex = signature.startsWith(w.signaturePrefix) ? signature.slice(w.signaturePrefix.length) : '';
    if (!/^[0-9a-f]{64}$/i.test(hex)) return { ok: false, reason: 'bad-signature', detail: `${w.signatureHeader} is not "${w.signaturePrefix}<hex HMAC-SHA256>"` };
    const given = Buffer.from(hex, 'hex');
    // Constant-time comparison: a wrong guess learns nothing about how close it was.
    if (!secrets.some((s) => timingSafeEqual(given, Buffer.from(webhookDigest(s, timestamp, rawBody), 'hex')))) {
      return { ok: false, reason: 'bad-signature', detail: 'the signature does not match the body with LEXAMICA_WEBHOOK_SECRET' };
    }
    // Checked after the signature, so an unsigned request cannot probe the clock.
    const skewSec = Math.abs(nowMs / 1000 - Number(timestamp));
    if (skewSec > w.toleranceSeconds) return { ok: false, reason: 'stale-timestamp', detail: `timestamp is ${Math.round(skewSec)} s from now (tolerance ${w.toleranceSeconds} s): a replay, or a clock to fix` };
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch (err) {
      return { ok: false, reason: 'malformed', detail: `body is not JSON: ${(err as Error).message}` };
    }
    const parsed = schemas.storedEvent.safeParse(body);
    if (!parsed.success) return { ok: false, reason: 'malformed', detail: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
    return { ok: true, event: parsed.data };
  };
}

export type WebhookReader = ReturnType<typeof createWebhookReader>;
