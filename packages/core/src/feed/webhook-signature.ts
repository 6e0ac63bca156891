/**
 * The signature of a CMS webhook delivery (the Stripe-style scheme):
 *
 *   lexbridge-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is signed with the body, so a captured delivery cannot be replayed later than the
 * receiver's tolerance. A header may carry several `v1=` entries (during a secret rotation); one
 * matching entry is enough. docs/cms-webhooks.md shows the same recipe for the CMS side.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'lexbridge-signature';

/** Default tolerance of {@link verifySignature}: five minutes either side. */
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header value for `rawBody` signed with `secret` at `timestampSec` (unix seconds; default now). */
export function signPayload(secret: string, rawBody: string | Buffer, timestampSec = Math.floor(Date.now() / 1000)): string {
  return `t=${timestampSec},v1=${hmacHex(secret, timestampSec, rawBody)}`;
}

/**
 * True when `header` signs `rawBody` (the bytes exactly as received, before any JSON parsing) with
 * `secret`, and its timestamp is within `toleranceSec` (default 300) of `nowSec` (default now).
 * False for a missing or malformed header, a wrong secret, a changed body or a stale timestamp.
 */
export function verifySignature(
  secret: string,
  header: string | undefined | null,
  rawBody: string | Buffer,
  toleranceSec = DEFAULT_SIGNATURE_TOLERANCE_SEC,
  nowSec = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  // Constant-time comparison, so the check leaks nothing about how much of a guess was right.
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
