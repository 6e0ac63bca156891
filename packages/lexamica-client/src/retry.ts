/**
 * Retry policy as data plus pure functions: which failures are retried, and after how long.
 * Capped exponential backoff with full jitter; `Retry-After` honoured on 429 (and on a retried 5xx).
 */
import { isRetryable, LexamicaHttpError, LexamicaNetworkError } from './errors.js';

/** How hard the client retries one call. */
export interface RetryPolicy {
  /** Retries after the first attempt (so at most `maxRetries + 1` requests). Default 4. */
  maxRetries: number;
  /** Backoff before retry n (0-based) is drawn from `[0, min(maxDelayMs, baseDelayMs * 2^n))`. Default 250. */
  baseDelayMs: number;
  /** Cap of the backoff window. Default 10 000. */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` the client waits for itself. A longer one ends the call with the 429
   * (its `retryAfterMs` set), so a queue can pause instead of holding a worker. Default 60 000.
   */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
});

/**
 * Milliseconds to wait from a `Retry-After` header value: delta seconds (`"120"`) or an HTTP date
 * (a past date gives 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // An HTTP date always names its day and month; this keeps `-3` from parsing as a year.
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * How long to wait before retry number `attempt` (0 for the first retry), or `undefined` to give up.
 * - 429 is always retried (the server refused the request; nothing took effect), honouring
 *   `Retry-After`; a `Retry-After` beyond `maxRetryAfterMs` gives up so the caller can pause.
 * - 408, 5xx, timeouts and network errors are retried only when `idempotent`, since the request
 *   may have taken effect; a refused connection (`ECONNREFUSED`) never reached the server and is
 *   always retried.
 * - Any other error (other 4xx, a bad response) is never retried.
 */
export function retryDelay(
  err: unknown,
  attempt: number,
  policy: RetryPolicy,
  opts: { idempotent: boolean; random: () => number },
): number | undefined {
  if (attempt >= policy.maxRetries || !isRetryable(err)) return undefined;
  const neverReached =
    (err instanceof LexamicaHttpError && err.status === 429) || (err instanceof LexamicaNetworkError && err.code === 'ECONNREFUSED');
  if (!neverReached && !opts.idempotent) return undefined;
  const retryAfter = err instanceof LexamicaHttpError ? err.retryAfterMs : undefined;
  if (retryAfter !== undefined) return retryAfter > policy.maxRetryAfterMs ? undefined : retryAfter;
  return Math.floor(opts.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}
